//! Where the server is and how to sign in, read from the environment as lettactl reads it:
//! `LETTA_BASE_URL` (required), `LETTA_API_KEY`, and for Letta Cloud `LETTA_PROJECT` (a project
//! slug, sent as `X-Project`) or `LETTA_PROJECT_ID` (sent as `X-Project-Id`).

use crate::error::CliError;
use crate::transport::NativeTransport;
use canary_core::client::{Connection, LettaClient};

/// The environment a connection is made from (a value, so tests need not set variables).
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `LETTA_BASE_URL`.
    pub base_url: Option<String>,
    /// `LETTA_API_KEY`.
    pub api_key: Option<String>,
    /// `LETTA_PROJECT`.
    pub project: Option<String>,
    /// `LETTA_PROJECT_ID`.
    pub project_id: Option<String>,
}

impl Env {
    /// Reads the process environment; empty values count as unset.
    pub fn from_process() -> Env {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            base_url: get("LETTA_BASE_URL"),
            api_key: get("LETTA_API_KEY"),
            project: get("LETTA_PROJECT"),
            project_id: get("LETTA_PROJECT_ID"),
        }
    }

    /// The client, or a usage error that says which variable to set.
    pub fn client(&self) -> Result<LettaClient<NativeTransport>, CliError> {
        let Some(base) = self.base_url.as_deref().map(str::trim) else {
            return Err(CliError::Usage(
                "LETTA_BASE_URL is not set. For a self-hosted server: export LETTA_BASE_URL=http://localhost:8283; for Letta Cloud: export LETTA_BASE_URL=https://api.letta.com LETTA_API_KEY=your_api_key".into(),
            ));
        };
        let base = base.trim_end_matches('/');
        let Some(host) = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"))
            .map(|rest| rest.split(['/', ':']).next().unwrap_or_default())
            .filter(|h| !h.is_empty())
        else {
            return Err(CliError::Usage(format!(
                "LETTA_BASE_URL '{base}' is not an http:// or https:// URL"
            )));
        };
        // Letta Cloud always needs a key; a self-hosted server only when run with --secure,
        // in which case it answers 401 and the error says so.
        let cloud = host == "letta.com" || host.ends_with(".letta.com");
        if cloud && self.api_key.is_none() {
            return Err(CliError::Usage(format!(
                "LETTA_API_KEY is required for Letta Cloud ({base}); export LETTA_API_KEY=your_api_key"
            )));
        }
        let mut headers = Vec::new();
        if let Some(id) = &self.project_id {
            headers.push(("X-Project-Id".to_string(), id.clone()));
        }
        Ok(LettaClient::new(
            NativeTransport::default().with_headers(headers),
            Connection {
                base_url: base.to_string(),
                api_key: self.api_key.clone(),
                project: self.project.clone(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_required_and_cloud_needs_a_key() {
        assert!(matches!(Env::default().client(), Err(CliError::Usage(_))));
        let cloud = Env {
            base_url: Some("https://api.letta.com".into()),
            ..Env::default()
        };
        assert!(matches!(cloud.client(), Err(CliError::Usage(m)) if m.contains("LETTA_API_KEY")));
        let bad = Env {
            base_url: Some("localhost:8283".into()),
            ..Env::default()
        };
        assert!(matches!(bad.client(), Err(CliError::Usage(_))));
        let local = Env {
            base_url: Some("http://127.0.0.1:8283/".into()),
            ..Env::default()
        };
        let c = local.client().map(|c| c.connection().base_url.clone());
        assert_eq!(c.ok().as_deref(), Some("http://127.0.0.1:8283"));
    }
}
