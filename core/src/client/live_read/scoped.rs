//! Reads that scale with the fleet, not with the server.
//!
//! [`LettaClient::fetch_live`] lists every agent on the server with its relationships: on a
//! server with thousands of unrelated agents, a one-agent canary reads them all. A plan only
//! asks a few questions about agents, and each can be answered exactly by a narrow read:
//!
//! - *Which agents carry a target name?* (the agent to create or update): agents by name,
//!   `GET /v1/agents/?name=N` for every target name.
//! - *Which agents carry the canary prefix?* (cleanup's doomed and spared agents):
//!   `GET /v1/agents/?query_text=PREFIX` — a case-insensitive *contains* match on the server
//!   (`ILIKE %PREFIX%`), so a superset; the planner itself filters by `starts_with`.
//! - *Who uses block B / folder F?* (every safety rule of the planner that spares or refuses:
//!   `Ctx::users`, `block_production_users`, `folder_production_users`, cleanup's
//!   `used_by_remaining`, `production_block`): `GET /v1/blocks/{id}/agents` (light) and
//!   `GET /v1/folders/{id}/agents` give the users' ids; users not yet read are then read
//!   whole by id (same `include=` as the list), so each is an agent like any other in the
//!   state. A block attached to an agent already read needs no such read when the server
//!   says no second agent has it (`GET /v1/blocks/?label=L&connected_to_agents_count_gt=1`,
//!   one read per label): a canary's own blocks, the usual case, cost nothing per block.
//!
//! Which blocks and folders matter is decided from the state read so far ([`needs`]), and the
//! reads repeat until nothing new is asked (users only ever add agents, which can only add
//! questions about blocks those agents have attached; bounded by [`MAX_ROUNDS`], after which
//! the whole server is read). Agents read beyond what a question needs are harmless: each is a
//! real agent, whole, and the whole-server state holds it too.
//!
//! Two things cannot be answered narrowly, so they fall back to reading every agent: the
//! production agents a changed tool or MCP server would affect (`Impact::used_by`; the server
//! has no "agents of a tool" read), which only a canary plan with a production impact shows.
//! And a server with at most [`WHOLE_UP_TO`] agents, or with fewer agents than half the names
//! the fleet would read, is simply read whole, which is then no dearer than the narrow reads.
//!
//! The contract, proven against the real server in `tests/engine/tests/scoped_reads.rs`: the
//! plan made from the scoped state has the same fingerprint as the plan made from the whole
//! server, for canary deploy, promote and cleanup, with production agents outside the fleet
//! using the fleet's blocks and folder copies.

use super::super::conversations::Conversation;
use super::super::{enc, ApiError, LettaClient, Transport, AGENT_INCLUDE, PAGE};
use super::needs::{named, needs, Needs};
use super::FleetObjects;
use crate::fleet::Fleet;
use crate::live::LiveState;
use crate::plan::{plan, Mode, Plan, PlanError, PlanOptions};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Servers with at most this many agents are read whole, in one request. Not a whole page:
/// an agent read whole costs the server ~8 ms (0.16.8, 2 cores), a narrow read ~10 ms of which
/// six run at once, so a page of 100 agents (~0.8 s) is dearer than the narrow reads of a
/// usual fleet; 20 agents (~0.16 s) are not.
pub const WHOLE_UP_TO: u64 = 20;

/// A server is also read whole when it has at most one agent for every this many agents the
/// fleet names: a name read costs ~5 ms of a 2-core server's time, an agent read whole ~8 ms,
/// so 2,000 names on a server of 280 agents (~10 s of name reads against ~2.2 s) read whole.
const NAMES_PER_WHOLE_AGENT: u64 = 2;

/// What a cleanup reads of the prefix's agents: everything but their tools. A cleanup plan
/// never looks at an agent's tools (no tool or MCP reconciler runs in cleanup mode:
/// `plan/compute.rs`), and on 0.16.8 the tools are most of an agent read: 100 agents take
/// 0.66 s and 2.1 MB with them, 0.11 s and 0.7 MB without. The plan made from it is the plan
/// the whole read gives (`tests/engine/tests/scoped_reads.rs`, cleanup cases).
const NO_TOOLS_INCLUDE: &str = "include=agent.tags&include=agent.blocks&include=agent.sources";

/// Rounds of narrow reads before giving up and reading the whole server.
const MAX_ROUNDS: usize = 5;

/// Narrow reads in flight at once (the executor's default concurrency).
const IN_FLIGHT: usize = 6;

/// What [`LettaClient::read_and_plan`] read and planned, and the test conversations it listed.
type Planned = (
    LiveState,
    Result<Plan, PlanError>,
    Option<Vec<Conversation>>,
);

/// The narrow reads so far: the agents found (by id) and what was asked.
#[derive(Default)]
struct Seen {
    agents: BTreeMap<String, Value>,
    done: Needs,
}

/// How a plan's read of the agents began.
enum Start {
    /// The server is small: every agent, whole.
    Whole(Vec<Value>),
    /// The first round of narrow reads.
    Narrow(Seen),
}

/// Why a plan against the server could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanLiveError {
    /// Reading the server failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The options cannot be planned (prefix, agent filter).
    #[error(transparent)]
    Plan(#[from] PlanError),
}

fn agent_id(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// How much of each agent a read of the prefix's agents takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parts {
    /// The whole agent, as every other read ([`AGENT_INCLUDE`]).
    Whole,
    /// All but its tools ([`NO_TOOLS_INCLUDE`]): for a pure cleanup, whose plan never looks
    /// at them, and where they are most of the read's cost.
    WithoutTools,
}

/// One narrow read.
enum Read {
    Named(String),
    /// The prefix's agents, with this much of each.
    Prefix(String, Parts),
    BlockUsers(String),
    FolderUsers(String),
}

impl<T: Transport> LettaClient<T> {
    /// How many agents the server has (`GET /v1/agents/count`).
    pub async fn count_agents(&self) -> Result<u64, ApiError> {
        let v = self.get("/agents/count").await?;
        v.as_u64()
            .ok_or_else(|| ApiError::Decode(format!("/agents/count: expected a number, got {v}")))
    }

    /// Agents whose name contains `text` (case-insensitive on Letta 0.16.8: `ILIKE`), whole.
    pub async fn agents_matching(&self, text: &str) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!(
            "/agents/?query_text={}&{AGENT_INCLUDE}",
            enc(text)
        ))
        .await
    }

    /// Ids of the agents that have block `id` attached; none when the block is gone. Read
    /// light (`include=agent.tags` only: an explicit include returns only what it lists); the
    /// agents not yet known are then read whole, by id.
    pub async fn block_agent_ids(&self, id: &str) -> Result<Vec<String>, ApiError> {
        match self
            .list_all(&format!("/blocks/{}/agents?include=agent.tags", enc(id)))
            .await
        {
            Err(ApiError::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
            Ok(list) => Ok(list
                .iter()
                .filter_map(agent_id)
                .map(str::to_string)
                .collect()),
        }
    }

    /// Ids of the agents that have folder `id` attached (paged by id); none when it is gone.
    pub async fn folder_agents(&self, id: &str) -> Result<Vec<String>, ApiError> {
        let mut out: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("/folders/{}/agents?order=asc&limit={PAGE}", enc(id));
            if let Some(a) = &after {
                path.push_str(&format!("&after={}", enc(a)));
            }
            let page: Vec<String> = match self.get(&path).await {
                Err(ApiError::NotFound(_)) => return Ok(out),
                Err(e) => return Err(e),
                Ok(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Ok(other) => {
                    return Err(ApiError::Decode(format!(
                        "{path}: expected a list of agent ids, got {}",
                        other.to_string().chars().take(80).collect::<String>()
                    )))
                }
            };
            let n = page.len();
            let next = page.last().cloned();
            out.extend(page);
            if n < PAGE || next.is_none() {
                return Ok(out);
            }
            if next == after {
                return Err(ApiError::PagingStuck(path));
            }
            after = next;
        }
    }

    /// Of the blocks whose users the plan asks about, those that need a read: a block
    /// attached to an agent already read, which the server says no other agent has
    /// (`GET /v1/blocks/?label=L&connected_to_agents_count_gt=1`, one read per label, lists
    /// those that more than one agent has), has exactly that agent as its user.
    async fn blocks_to_ask(
        &self,
        live: &LiveState,
        blocks: BTreeSet<String>,
    ) -> Result<BTreeSet<String>, ApiError> {
        let users = live.block_users();
        let mut labels: BTreeSet<&str> = BTreeSet::new();
        for id in &blocks {
            if let (Some(b), true) = (live.block(id), users.contains_key(id.as_str())) {
                labels.insert(b.label.as_str());
            }
        }
        let shared: Vec<Vec<Value>> = stream::iter(labels)
            .map(|l| self.blocks_shared_labelled(l))
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        let shared: BTreeSet<&str> = shared.iter().flatten().filter_map(agent_id).collect();
        Ok(blocks
            .into_iter()
            .filter(|id| !users.contains_key(id.as_str()) || shared.contains(id.as_str()))
            .collect())
    }

    /// Blocks with this label that more than one agent has attached.
    pub async fn blocks_shared_labelled(&self, label: &str) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!(
            "/blocks/?label={}&connected_to_agents_count_gt=1",
            enc(label)
        ))
        .await
    }

    /// Reads every agent in `ids` not yet `known`, whole; agents gone meanwhile are left out.
    async fn agents_by_id(
        &self,
        ids: Vec<String>,
        known: &BTreeSet<String>,
    ) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        for a in ids {
            if known.contains(&a) {
                continue;
            }
            match self.get_agent(&a).await {
                Ok(v) => out.push(v),
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn narrow(&self, read: Read, known: &BTreeSet<String>) -> Result<Vec<Value>, ApiError> {
        match read {
            Read::Named(n) => self.agents_named(&n).await,
            Read::Prefix(p, Parts::Whole) => self.agents_matching(&p).await,
            Read::Prefix(p, Parts::WithoutTools) => {
                self.list_all(&format!(
                    "/agents/?query_text={}&{NO_TOOLS_INCLUDE}",
                    enc(&p)
                ))
                .await
            }
            Read::BlockUsers(id) => {
                let ids = self.block_agent_ids(&id).await?;
                self.agents_by_id(ids, known).await
            }
            Read::FolderUsers(id) => {
                let ids = self.folder_agents(&id).await?;
                self.agents_by_id(ids, known).await
            }
        }
    }

    /// Reads what these needs ask and adds the agents found to `seen`.
    async fn read_round(
        &self,
        todo: Needs,
        state: &LiveState,
        opts: &PlanOptions,
        seen: &mut Seen,
    ) -> Result<(), ApiError> {
        let blocks = self.blocks_to_ask(state, todo.blocks).await?;
        let mut reads: Vec<Read> = todo.names.into_iter().map(Read::Named).collect();
        if todo.prefix {
            // A promote that cleans up after plans tools too; a pure cleanup does not.
            let parts = if opts.mode == Mode::Cleanup {
                Parts::WithoutTools
            } else {
                Parts::Whole
            };
            reads.push(Read::Prefix(opts.prefix.clone(), parts));
        }
        reads.extend(blocks.into_iter().map(Read::BlockUsers));
        reads.extend(todo.folders.into_iter().map(Read::FolderUsers));
        let known: BTreeSet<String> = seen.agents.keys().cloned().collect();
        let known = &known;
        let found: Vec<Vec<Value>> = stream::iter(reads)
            .map(|r| self.narrow(r, known))
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        for v in found.into_iter().flatten() {
            if let Some(id) = agent_id(&v).map(str::to_string) {
                // An agent read twice keeps its whole read over one without tools.
                let keep = seen
                    .agents
                    .get(&id)
                    .is_some_and(|old| old.get("tools").is_some() && v.get("tools").is_none());
                if !keep {
                    seen.agents.insert(id, v);
                }
            }
        }
        Ok(())
    }

    /// The first round of narrow reads, which needs nothing read before it: the agents the
    /// fleet names and the prefix's agents (what [`needs`] asks first of a state without
    /// agents). It runs beside the fleet's objects, not after them; the rounds that follow
    /// ask anything it missed.
    async fn first_round(&self, fleet: &Fleet, opts: &PlanOptions) -> Result<Seen, ApiError> {
        let mut seen = Seen::default();
        let empty = LiveState::default();
        let mut want = needs(fleet, opts, &empty);
        want.blocks.clear();
        want.folders.clear();
        let todo = want.take_new(&mut seen.done);
        self.read_round(todo, &empty, opts, &mut seen).await?;
        Ok(seen)
    }

    /// The narrow reads, round after round from what `seen` holds, until the plan needs
    /// nothing more (`Some`: the agents read) or [`MAX_ROUNDS`] pass (`None`: read whole).
    async fn scoped_agents(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
        objects: &FleetObjects,
        mut seen: Seen,
    ) -> Result<Option<Vec<Value>>, ApiError> {
        for _ in 0..MAX_ROUNDS {
            let list: Vec<Value> = seen.agents.values().cloned().collect();
            let state = objects.state(&list);
            let mut want = needs(fleet, opts, &state);
            // Agents first: users of blocks and folders are asked once the agents named are
            // known, so that the usual users (our canaries) need no read of their own.
            let done = &seen.done;
            if want.names.iter().any(|n| !done.names.contains(n)) || (want.prefix && !done.prefix) {
                want.blocks.clear();
                want.folders.clear();
            }
            let todo = want.take_new(&mut seen.done);
            if todo.is_empty() {
                return Ok(Some(list));
            }
            self.read_round(todo, &state, opts, &mut seen).await?;
        }
        Ok(None)
    }

    /// Reads the state a plan needs and plans on it. `auto`: servers with at most
    /// [`WHOLE_UP_TO`] agents are read whole; otherwise (and always when `auto` is false) the
    /// narrow reads, falling back to the whole server when the plan needs it. Also hands back
    /// the test conversations the read listed ([`FleetObjects`]).
    async fn read_and_plan(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
        auto: bool,
    ) -> Result<Planned, ApiError> {
        let limit = WHOLE_UP_TO.max(named(fleet, opts) / NAMES_PER_WHOLE_AGENT);
        // A small server is read whole; a larger one starts its narrow reads. Either way the
        // agents are read beside the fleet's objects, not after them.
        let start = async {
            if auto {
                if let Some(all) = self.agents_if_at_most(limit).await? {
                    return Ok(Start::Whole(all));
                }
            }
            Ok(Start::Narrow(self.first_round(fleet, opts).await?))
        };
        let (start, mut objects) = futures::try_join!(start, self.fleet_objects(fleet))?;
        let seen = match start {
            Start::Whole(agents) => {
                let live = self.assemble(fleet, &agents, &objects).await?;
                let p = plan(fleet, &live, opts);
                return Ok((live, p, objects.test_conversations.take()));
            }
            Start::Narrow(seen) => seen,
        };
        if let Some(agents) = self.scoped_agents(fleet, opts, &objects, seen).await? {
            let live = self.assemble(fleet, &agents, &objects).await?;
            let p = plan(fleet, &live, opts);
            // `used_by` of a production impact needs every agent using a tool.
            let needs_all = p.as_ref().is_ok_and(|p| !p.production_impact.is_empty());
            if !needs_all {
                return Ok((live, p, objects.test_conversations.take()));
            }
        }
        let agents = self.list_agents().await?;
        let live = self.assemble(fleet, &agents, &objects).await?;
        let p = plan(fleet, &live, opts);
        Ok((live, p, objects.test_conversations.take()))
    }

    /// Reads what a plan of `fleet` with `opts` needs: a small server whole, a large one by
    /// narrow reads whose number grows with the fleet, not the server (see the module
    /// documentation). The plan made from it equals the plan made from
    /// [`LettaClient::fetch_live`]. The state holds only the agents read: use it to plan with
    /// these options, not to list the server.
    pub async fn fetch_live_for(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
    ) -> Result<LiveState, ApiError> {
        Ok(self.read_and_plan(fleet, opts, true).await?.0)
    }

    /// [`LettaClient::fetch_live_for`], always by narrow reads (whatever the server's size):
    /// for tests and benchmarks that compare it with the whole read.
    pub async fn fetch_live_scoped(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
    ) -> Result<LiveState, ApiError> {
        Ok(self.read_and_plan(fleet, opts, false).await?.0)
    }

    /// Reads the server as [`LettaClient::fetch_live_for`] does and plans on it: the one call
    /// behind every preview and the executor's stale check, so both read alike.
    pub async fn plan_live(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
    ) -> Result<(LiveState, Plan), PlanLiveError> {
        let (live, p, _) = self.read_and_plan(fleet, opts, true).await?;
        Ok((live, p?))
    }

    /// [`LettaClient::plan_live`] for the executor's stale check, with our open test
    /// conversations when its read listed them (a fleet with shared blocks): a cleanup run
    /// then deletes those without listing them a second time. They are no part of the plan.
    pub(crate) async fn plan_live_for_run(
        &self,
        fleet: &Fleet,
        opts: &PlanOptions,
    ) -> Result<(Plan, Option<Vec<Conversation>>), PlanLiveError> {
        let (_, p, tests) = self.read_and_plan(fleet, opts, true).await?;
        Ok((p?, tests))
    }
}
