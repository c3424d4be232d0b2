//! MCP servers: list, register, update, refresh, and the tools each one synced.
//!
//! Letta 0.16.8 (`routers/v1/mcp_servers.py`): a create body is `{server_name, config}` with
//! `config.mcp_server_type` one of `stdio`, `sse`, `streamable_http`; creating a server also
//! connects to it and turns every tool it offers into a row of the tools table
//! (`tool_type: external_mcp`), best effort. `PATCH …/{id}/refresh` re-syncs those rows (adds,
//! updates schemas, deletes what the server stopped offering; the ids of tools that stay are
//! kept). The list route is not paged (the server returns up to 200), so it is read whole.

use super::{enc, ApiError, Body, LettaClient, Method, Transport};
use crate::live::{LiveMcpServer, McpDefinition};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The `config` object of a create or update request.
fn config_body(def: &McpDefinition) -> Value {
    match def {
        McpDefinition::Stdio { command, args, env } => json!({
            "mcp_server_type": "stdio",
            "command": command,
            "args": args,
            "env": env,
        }),
        McpDefinition::Sse {
            server_url,
            token,
            custom_headers,
        }
        | McpDefinition::StreamableHttp {
            server_url,
            token,
            custom_headers,
        } => {
            // An empty token clears a stored one (0.16.8 keeps the old token when the field is
            // absent); the server stores the token without its header name, so send the one it
            // uses when connecting.
            let mut c = json!({
                "mcp_server_type": def.type_name(),
                "server_url": server_url,
                "auth_token": token.as_deref().map(|t| format!("Bearer {t}")).unwrap_or_default(),
                "custom_headers": custom_headers,
            });
            if token.is_some() {
                c["auth_header"] = json!("Authorization");
            }
            c
        }
    }
}

fn list(v: Value, path: &str) -> Result<Vec<Value>, ApiError> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(ApiError::Decode(format!(
            "{path}: expected a list, got {}",
            other.to_string().chars().take(80).collect::<String>()
        ))),
    }
}

impl<T: Transport> LettaClient<T> {
    /// Every MCP server (`GET /v1/mcp-servers/`).
    pub async fn list_mcp_servers(&self) -> Result<Vec<Value>, ApiError> {
        let path = "/mcp-servers/";
        list(self.get(path).await?, path)
    }

    /// The tools an MCP server synced (`GET /v1/mcp-servers/{id}/tools`).
    pub async fn mcp_server_tools(&self, id: &str) -> Result<Vec<Value>, ApiError> {
        let path = format!("/mcp-servers/{}/tools", enc(id));
        list(self.get(&path).await?, &path)
    }

    /// Registers an MCP server; the server syncs its tools as part of the create.
    pub async fn create_mcp_server(
        &self,
        name: &str,
        def: &McpDefinition,
    ) -> Result<Value, ApiError> {
        let body = json!({"server_name": name, "config": config_body(def)});
        self.json(Method::Post, "/mcp-servers/", Body::Json(body))
            .await
    }

    /// Replaces an MCP server's definition (its tools change only with a refresh).
    pub async fn update_mcp_server(
        &self,
        id: &str,
        def: &McpDefinition,
    ) -> Result<Value, ApiError> {
        self.json(
            Method::Patch,
            &format!("/mcp-servers/{}", enc(id)),
            Body::Json(json!({"config": config_body(def)})),
        )
        .await
    }

    /// Re-syncs an MCP server's tools; answers `{added, updated, deleted}` tool names.
    pub async fn refresh_mcp_server(&self, id: &str) -> Result<Value, ApiError> {
        self.json(
            Method::Patch,
            &format!("/mcp-servers/{}/refresh", enc(id)),
            Body::Empty,
        )
        .await
    }

    /// The MCP servers with these names, each with its tool list (one list call, then one
    /// call per named server found). Nothing is read when `names` is empty.
    pub async fn mcp_servers_named(
        &self,
        names: &BTreeSet<&str>,
    ) -> Result<Vec<LiveMcpServer>, ApiError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for v in self.list_mcp_servers().await? {
            let name = v.get("server_name").and_then(Value::as_str).unwrap_or("");
            if !names.contains(name) {
                continue;
            }
            let id = v.get("id").and_then(Value::as_str).unwrap_or("");
            let tools = self.mcp_server_tools(id).await?;
            out.push(LiveMcpServer::from_api(&v, &tools));
        }
        out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(out)
    }

    /// Deletes an MCP server and the tools it synced (tests clean up with it; plans never do).
    pub async fn delete_mcp_server(&self, id: &str) -> Result<(), ApiError> {
        self.call(
            Method::Delete,
            &format!("/mcp-servers/{}", enc(id)),
            Body::Empty,
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn http_bodies_carry_the_token_the_way_the_server_stores_it() {
        let def = McpDefinition::Sse {
            server_url: "https://mcp.example.com/sse".into(),
            token: Some("abc".into()),
            custom_headers: BTreeMap::new(),
        };
        let c = config_body(&def);
        assert_eq!(c["auth_token"], "Bearer abc");
        assert_eq!(c["auth_header"], "Authorization");
        let none = McpDefinition::StreamableHttp {
            server_url: "https://mcp.example.com/mcp".into(),
            token: None,
            custom_headers: BTreeMap::new(),
        };
        let c = config_body(&none);
        assert_eq!(c["auth_token"], "", "an empty token clears the stored one");
        assert!(c.get("auth_header").is_none());
        assert_eq!(
            McpDefinition::from_api(&{
                let mut v = c.clone();
                v["auth_token"] = Value::Null;
                v
            }),
            Some(none)
        );
    }
}
