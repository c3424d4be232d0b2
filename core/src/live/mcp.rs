//! MCP servers as the server has them, and the normalised definition the planner compares.

use super::{s, LiveTool};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An MCP server's definition, normalised to what Letta 0.16.8 stores and gives back: what the
/// planner compares. Desired definitions (from the fleet, `${VAR}`s expanded) are brought into
/// the same shape, so equal means "an update would change nothing":
/// - absent `env` / `custom_headers` are empty maps;
/// - HTTP servers keep one token, without its `Bearer ` prefix: the server strips it, stores no
///   header name and always reports `auth_header: Authorization`, so the header name is not part
///   of what can be compared. Tokens come back in clear on 0.16.8 (verified), so they are
///   compared as they are; nothing of ours can be kept on an MCP server (its API has no metadata).
///
/// Values here may be secrets: plans show names and "(sensitive value)", never these values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum McpDefinition {
    /// A local process the Letta server spawns.
    Stdio {
        /// Program.
        command: String,
        /// Arguments.
        args: Vec<String>,
        /// Environment of the process.
        env: BTreeMap<String, String>,
    },
    /// Server-sent events over HTTP.
    Sse {
        /// URL.
        server_url: String,
        /// Token (without `Bearer `).
        token: Option<String>,
        /// Extra headers.
        custom_headers: BTreeMap<String, String>,
    },
    /// Streamable HTTP.
    StreamableHttp {
        /// URL.
        server_url: String,
        /// Token (without `Bearer `).
        token: Option<String>,
        /// Extra headers.
        custom_headers: BTreeMap<String, String>,
    },
}

impl McpDefinition {
    /// The type as the fleet file and the API spell it (`stdio`, `sse`, `streamable_http`).
    pub fn type_name(&self) -> &'static str {
        match self {
            McpDefinition::Stdio { .. } => "stdio",
            McpDefinition::Sse { .. } => "sse",
            McpDefinition::StreamableHttp { .. } => "streamable_http",
        }
    }

    /// Reads the definition from an MCP server's API JSON; `None` for an unknown type.
    pub fn from_api(v: &Value) -> Option<McpDefinition> {
        let map = |k: &str| -> BTreeMap<String, String> {
            v.get(k)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let token = v
            .get("auth_token")
            .and_then(Value::as_str)
            .map(|t| t.strip_prefix("Bearer ").unwrap_or(t).to_string())
            .filter(|t| !t.is_empty());
        match v.get("mcp_server_type").and_then(Value::as_str)? {
            "stdio" => Some(McpDefinition::Stdio {
                command: s(v, "command"),
                args: v
                    .get("args")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                env: map("env"),
            }),
            "sse" => Some(McpDefinition::Sse {
                server_url: s(v, "server_url"),
                token,
                custom_headers: map("custom_headers"),
            }),
            "streamable_http" => Some(McpDefinition::StreamableHttp {
                server_url: s(v, "server_url"),
                token,
                custom_headers: map("custom_headers"),
            }),
            _ => None,
        }
    }
}

/// An MCP server registered on the Letta server, with the tools it synced into the tools table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveMcpServer {
    /// Server id (`mcp_server-…`).
    pub id: String,
    /// Name (`server_name`; unique per organisation).
    pub name: String,
    /// Its definition; `None` when the server reports a type this tool does not know.
    pub definition: Option<McpDefinition>,
    /// Its tools (`tool_type: external_mcp` rows; their ids survive a refresh).
    pub tools: Vec<LiveTool>,
}

impl LiveMcpServer {
    /// Reads an MCP server and its tool list from the API's JSON.
    pub fn from_api(v: &Value, tools: &[Value]) -> LiveMcpServer {
        let mut tools: Vec<LiveTool> = tools.iter().map(LiveTool::from_api).collect();
        tools.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        LiveMcpServer {
            id: s(v, "id"),
            name: s(v, "server_name"),
            definition: McpDefinition::from_api(v),
            tools,
        }
    }

    /// The tool of this server with this name.
    pub fn tool(&self, name: &str) -> Option<&LiveTool> {
        self.tools.iter().find(|t| t.name == name)
    }
}
