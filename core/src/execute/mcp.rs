//! MCP server steps: register or update a server, refresh its tools, and make the ids of the
//! server and of each of its tools known to the agent steps that attach them.

use super::fleet_steps::{id_of, Created};
use crate::client::{ApiError, LettaClient, Transport};
use crate::live::McpDefinition;
use crate::plan::{FleetStep, Kind};
use serde_json::Value;

fn missing_definition(name: &str) -> ApiError {
    ApiError::Decode(format!(
        "MCP server '{name}': this plan does not carry its definition (definitions may hold secrets and are never written to a plan file); plan again in this session and run that plan"
    ))
}

/// Runs a `CreateMcpServer` or `UpdateMcpServer` step (anything else records nothing).
pub(super) async fn run<T: Transport>(
    client: &LettaClient<T>,
    step: &FleetStep,
) -> Result<Created, ApiError> {
    let (id, name) = match step {
        FleetStep::CreateMcpServer {
            name, definition, ..
        } => {
            let def: &McpDefinition = definition
                .as_ref()
                .ok_or_else(|| missing_definition(name))?;
            let id = id_of(&client.create_mcp_server(name, def).await?)?;
            // The create syncs the tools best effort: when that found none, sync once more,
            // so a failing connection is reported here rather than as missing tools later.
            if client.mcp_server_tools(&id).await?.is_empty() {
                client.refresh_mcp_server(&id).await?;
            }
            (id, name)
        }
        FleetStep::UpdateMcpServer {
            id,
            name,
            changes,
            definition,
        } => {
            if !changes.is_empty() {
                let def = definition
                    .as_ref()
                    .ok_or_else(|| missing_definition(name))?;
                client.update_mcp_server(id, def).await?;
            }
            client.refresh_mcp_server(id).await?;
            (id.clone(), name)
        }
        _ => return Ok(Vec::new()),
    };
    let mut created: Created = vec![((Kind::McpServer, name.clone()), id.clone())];
    for t in client.mcp_server_tools(&id).await? {
        let tool_name = t.get("name").and_then(Value::as_str).unwrap_or_default();
        if let Some(tool_id) = t.get("id").and_then(Value::as_str) {
            created.push(((Kind::Tool, tool_name.to_string()), tool_id.to_string()));
        }
    }
    Ok(created)
}

/// Ids of every tool an MCP server offers now (for an agent's "attach all of this server").
pub(super) async fn tool_ids<T: Transport>(
    client: &LettaClient<T>,
    server_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(client
        .mcp_server_tools(server_id)
        .await?
        .iter()
        .filter_map(|t| t.get("id").and_then(Value::as_str).map(str::to_string))
        .collect())
}
