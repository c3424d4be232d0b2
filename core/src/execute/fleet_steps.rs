//! Fleet-level steps: shared blocks, tools, folders and archives, before any agent step.

use crate::canary::keys;
use crate::client::{ApiError, LettaClient, Transport};
use crate::plan::{folder_hashes, FleetStep, Kind};
use serde_json::{json, Map, Value};

/// The `id` of a server answer.
pub(super) fn id_of(v: &Value) -> Result<String, ApiError> {
    v.get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::Decode(format!(
                "no id in {}",
                v.to_string().chars().take(120).collect::<String>()
            ))
        })
}

fn folder_metadata(
    files: &[crate::fleet::FolderFile],
    copy_prefix: &Option<String>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(keys::FOLDER_FILES.into(), json!(folder_hashes(files)));
    if let Some(p) = copy_prefix {
        m.insert(keys::COPY_PREFIX.into(), json!(p));
    }
    m
}

/// Ids a fleet step makes known to the agent steps, by kind and name.
pub(super) type Created = Vec<((Kind, String), String)>;

/// Runs one fleet step; returns the ids of what it created (an MCP server step: the server's
/// and those of its tools, which exist only once the server registered or refreshed them).
pub(super) async fn run_fleet_step<T: Transport>(
    client: &LettaClient<T>,
    step: &FleetStep,
) -> Result<Created, ApiError> {
    if matches!(
        step,
        FleetStep::CreateMcpServer { .. } | FleetStep::UpdateMcpServer { .. }
    ) {
        return super::mcp::run(client, step).await;
    }
    let (kind, name) = step.target();
    let id = run_object_step(client, step).await?;
    Ok(id
        .map(|id| ((kind, name.to_string()), id))
        .into_iter()
        .collect())
}

/// Runs a step on one object; returns the id of a created object.
async fn run_object_step<T: Transport>(
    client: &LettaClient<T>,
    step: &FleetStep,
) -> Result<Option<String>, ApiError> {
    match step {
        FleetStep::CreateBlock { spec, copy_prefix } => {
            let mut meta = Map::new();
            meta.insert(keys::SHARED_BLOCK.into(), json!(spec.label));
            if let Some(p) = copy_prefix {
                meta.insert(keys::COPY_PREFIX.into(), json!(p));
            }
            Ok(Some(id_of(&client.create_block(spec, meta).await?)?))
        }
        FleetStep::UpdateBlock { id, spec, .. } => {
            client.update_block(id, spec).await.map(|_| None)
        }
        FleetStep::CreateTool { source, .. } => {
            Ok(Some(id_of(&client.create_tool(source).await?)?))
        }
        FleetStep::UpdateTool { id, source, .. } => {
            client.update_tool(id, source).await.map(|_| None)
        }
        FleetStep::CreateFolder {
            name,
            embedding,
            files,
            copy_prefix,
            ..
        } => {
            let folder = client
                .create_folder(
                    name,
                    embedding.as_deref(),
                    folder_metadata(files, copy_prefix),
                )
                .await?;
            let id = id_of(&folder)?;
            for f in files {
                client.upload_file(&id, f).await?;
            }
            Ok(Some(id))
        }
        FleetStep::SyncFolder {
            id,
            upload,
            delete,
            files,
            copy_prefix,
            ..
        } => {
            for file in delete {
                match client.delete_file(id, &file.id).await {
                    Ok(()) | Err(ApiError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            for f in upload {
                client.upload_file(id, f).await?;
            }
            client
                .set_folder_metadata(id, folder_metadata(files, copy_prefix))
                .await?;
            Ok(None)
        }
        FleetStep::CreateArchive {
            name,
            description,
            embedding,
        } => Ok(Some(id_of(
            &client
                .create_archive(name, description.as_deref(), embedding.as_deref())
                .await?,
        )?)),
        // Handled by `run_fleet_step` (they make several ids known).
        FleetStep::CreateMcpServer { .. } | FleetStep::UpdateMcpServer { .. } => Ok(None),
    }
}
