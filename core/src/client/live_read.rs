//! Reading the live state the planner needs for a fleet: agents with their relationships,
//! blocks with the fleet's shared labels, tools, folders (with the files of the fleet's
//! folders and their canary copies), archives and, for agents whose fleet entry lists
//! conversations or has secrets, their conversation summaries and secrets ([`extras`]).

use super::conversations::Conversation;
use super::{ApiError, LettaClient, Transport};
use crate::fleet::Fleet;
use crate::live::LiveMcpServer;
use crate::live::{LiveArchive, LiveState};
use serde_json::Value;

mod extras;
mod listing;
mod needs;
mod scoped;
pub use scoped::PlanLiveError;

/// The reads of [`LettaClient::fleet_objects`], as API JSON.
pub(super) struct FleetObjects {
    /// Blocks with the fleet's shared labels.
    blocks: Vec<Value>,
    /// Every tool.
    tools: Vec<Value>,
    /// Every folder, with the files of the fleet's folders and their copies.
    folders: Vec<(Value, Vec<Value>)>,
    /// Every archive, with the agent ids of the fleet's archives.
    archives: Vec<(Value, Vec<String>)>,
    /// The fleet's MCP servers.
    mcp_servers: Vec<LiveMcpServer>,
    /// Our open test conversations on the whole server, when the shared blocks' read listed
    /// them (a fleet with shared blocks): a cleanup run deletes them without a second listing.
    /// Not part of the state, so a plan means the same whether they were listed or not.
    test_conversations: Option<Vec<Conversation>>,
}

impl FleetObjects {
    /// The live state of these objects and `agents` (no per-agent extras).
    fn state(&self, agents: &[Value]) -> LiveState {
        let mut live = LiveState::from_api(
            agents,
            &self.blocks,
            &self.tools,
            &self.folders,
            &self.archives,
        );
        live.mcp_servers = self.mcp_servers.clone();
        live
    }
}

impl<T: Transport> LettaClient<T> {
    /// Blocks carrying the fleet's shared block labels (production blocks and canary copies),
    /// without the copies our open test conversations hold (see [`extras`]): read together
    /// with those conversations, so the state is the same whether a chat is open or not. And
    /// those conversations (`None`: not read, the fleet has no shared blocks).
    async fn shared_blocks_of(
        &self,
        fleet: &Fleet,
    ) -> Result<(Vec<Value>, Option<Vec<Conversation>>), ApiError> {
        if fleet.shared_blocks.is_empty() {
            return Ok((Vec::new(), None));
        }
        let labelled = async {
            let mut out = Vec::new();
            for b in &fleet.shared_blocks {
                out.extend(self.blocks_labelled(&b.label).await?);
            }
            Ok::<_, ApiError>(out)
        };
        let (mut out, (copies, tests)) =
            futures::try_join!(labelled, self.test_conversation_blocks())?;
        out.retain(|b| {
            b.get("id")
                .and_then(Value::as_str)
                .is_none_or(|id| !copies.contains(id))
        });
        Ok((out, Some(tests)))
    }

    /// Every folder, with the file list of the fleet's folders and their canary copies.
    async fn folders_of(&self, fleet: &Fleet) -> Result<Vec<(Value, Vec<Value>)>, ApiError> {
        let names: Vec<&str> = fleet.folder_names().collect();
        let mut out = Vec::new();
        if names.is_empty() {
            return Ok(out);
        }
        for f in self.list_folders().await? {
            let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
            let files = if names.iter().any(|n| name.ends_with(n)) {
                let id = f
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.folder_files(&id).await?
            } else {
                Vec::new()
            };
            out.push((f, files));
        }
        Ok(out)
    }

    /// Every archive, with the agents of the fleet's archives.
    async fn archives_of(&self, fleet: &Fleet) -> Result<Vec<(Value, Vec<String>)>, ApiError> {
        let names: Vec<&str> = fleet
            .agents
            .iter()
            .filter_map(|a| a.archive.as_ref().map(|x| x.name.as_str()))
            .collect();
        let mut out = Vec::new();
        if names.is_empty() {
            return Ok(out);
        }
        for a in self.list_archives().await? {
            let ar = LiveArchive::from_api(&a);
            let users = if names.contains(&ar.name.as_str()) {
                self.archive_agents(&ar.id).await?
            } else {
                Vec::new()
            };
            out.push((a, users));
        }
        Ok(out)
    }

    /// The fleet's objects other than agents: blocks with the fleet's shared labels, tools,
    /// folders (with files for the fleet's folders and their canary copies), the fleet's
    /// archives and MCP servers. These reads do not depend on which agents are read, so the
    /// whole and the scoped read ([`LettaClient::fetch_live_for`]) share them.
    pub(super) async fn fleet_objects(&self, fleet: &Fleet) -> Result<FleetObjects, ApiError> {
        // MCP servers only when the fleet uses MCP: its servers and those its agents name.
        let mcp_names: std::collections::BTreeSet<&str> = fleet
            .mcp_servers
            .iter()
            .map(|m| m.name.as_str())
            .chain(
                fleet
                    .agents
                    .iter()
                    .flat_map(|a| a.mcp_tools.iter().map(|m| m.server.as_str())),
            )
            .collect();
        let ((blocks, test_conversations), tools, folders, archives, mcp_servers) = futures::try_join!(
            self.shared_blocks_of(fleet),
            self.list_tools(),
            self.folders_of(fleet),
            self.archives_of(fleet),
            self.mcp_servers_named(&mcp_names),
        )?;
        Ok(FleetObjects {
            blocks,
            tools,
            folders,
            archives,
            mcp_servers,
            test_conversations,
        })
    }

    /// The live state from agents read (API JSON) and the fleet's objects, with what is read
    /// per agent of the fleet (conversation summaries, secrets).
    pub(super) async fn assemble(
        &self,
        fleet: &Fleet,
        agents: &[Value],
        objects: &FleetObjects,
    ) -> Result<LiveState, ApiError> {
        let mut live = objects.state(agents);
        self.read_extras(fleet, &mut live).await?;
        Ok(live)
    }

    /// Reads the whole live state the planner needs for a fleet: every agent on the server
    /// (one paged list with `include=`) and the fleet's objects. Its cost grows with the
    /// server; a plan should read through [`LettaClient::fetch_live_for`] (or
    /// [`LettaClient::plan_live`]), whose cost grows with the fleet. This one is for views
    /// that list every agent (Canaries, Chat).
    pub async fn fetch_live(&self, fleet: &Fleet) -> Result<LiveState, ApiError> {
        // Independent reads go out together: the agent list (the slow one) overlaps the rest.
        let (agents, objects) = futures::try_join!(self.list_agents(), self.fleet_objects(fleet))?;
        self.assemble(fleet, &agents, &objects).await
    }
}
