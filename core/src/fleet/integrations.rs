//! lettactl's integrations as the fleet declares them: MCP servers, the MCP tools an agent
//! attaches, and secrets.
//!
//! Strings are kept as written. `${VAR}` / `$VAR` references in MCP server definitions are
//! expanded by the planner from values the caller supplies (the page has no environment), so
//! each server lists the variables it refers to; secrets with `from_env` name their variable
//! the same way. Secret values never show in `Debug` output.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An MCP server the fleet defines (top-level `mcp_servers`), registered on the Letta server
/// under its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServerSpec {
    /// `server_name` on the Letta server (unique per organisation).
    pub name: String,
    /// How the Letta server reaches it, strings as written (variables not yet expanded).
    pub transport: McpTransport,
    /// Names of the variables its strings refer to (`${VAR}` or `$VAR`), sorted, each once.
    pub variables: Vec<String>,
}

/// How the Letta server talks to an MCP server (lettactl's `type` and its fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum McpTransport {
    /// Server-sent events over HTTP (`type: sse`).
    Sse(McpHttp),
    /// Streamable HTTP (`type: streamable_http`).
    StreamableHttp(McpHttp),
    /// A process the Letta server starts (`type: stdio`).
    Stdio {
        /// Program to run.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its environment.
        env: BTreeMap<String, String>,
    },
}

/// The fields of an HTTP MCP server (`sse` and `streamable_http`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpHttp {
    /// URL of the MCP endpoint.
    pub server_url: String,
    /// Header that carries the token (lettactl's `auth_header`, e.g. `Authorization`).
    pub auth_header: Option<String>,
    /// The token (may be a `${VAR}` reference; a secret).
    pub auth_token: Option<String>,
    /// Extra headers sent with every request.
    pub custom_headers: BTreeMap<String, String>,
}

impl McpTransport {
    /// The type as lettactl and the Letta API spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            McpTransport::Sse(_) => "sse",
            McpTransport::StreamableHttp(_) => "streamable_http",
            McpTransport::Stdio { .. } => "stdio",
        }
    }
}

/// One `mcp_tools` entry of an agent: tools of one fleet MCP server to attach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpToolsSpec {
    /// Name of a server in the fleet's `mcp_servers`.
    pub server: String,
    /// Which of its tools.
    pub tools: McpToolSelection,
}

/// Which tools of an MCP server an agent attaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum McpToolSelection {
    /// Every tool the server lists (`tools` omitted or `"all"`), expanded against the
    /// server's tool list when planning.
    All,
    /// These tools, by name, in file order without duplicates.
    Named(Vec<String>),
}

/// A secret of an agent (`secrets`) or of every agent (`global-secrets`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretSpec {
    /// Name, upper-cased as lettactl does (`^[A-Z_][A-Z0-9_]*$`).
    pub name: String,
    /// Where its value comes from.
    pub source: SecretSource,
}

/// Where a secret's value comes from.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum SecretSource {
    /// Written in the fleet (`{value}`).
    Value(String),
    /// An environment variable (`{from_env}`): the page asks for it and keeps it in memory.
    FromEnv {
        /// The variable's name.
        var: String,
        /// Keep the server's current value when the variable has no value.
        preserve_existing: bool,
    },
}

impl std::fmt::Debug for SecretSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSpec")
            .field("name", &self.name)
            .field("source", &self.source)
            .finish()
    }
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("Value(<sensitive value>)"),
            SecretSource::FromEnv {
                var,
                preserve_existing,
            } => f
                .debug_struct("FromEnv")
                .field("var", var)
                .field("preserve_existing", preserve_existing)
                .finish(),
        }
    }
}

/// Secrets an agent gets: `global-secrets` overlaid with its own `secrets` (the agent's entry
/// wins for a name both define), sorted by name.
pub fn merged_secrets(global: &[SecretSpec], agent: &[SecretSpec]) -> Vec<SecretSpec> {
    let mut by_name: BTreeMap<&str, &SecretSpec> = BTreeMap::new();
    for s in global.iter().chain(agent) {
        by_name.insert(&s.name, s);
    }
    by_name.into_values().cloned().collect()
}
