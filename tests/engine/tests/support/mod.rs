//! Helpers shared by the per-object-kind safety tests (objects.rs, collisions.rs, requests.rs):
//! run-unique names, plan/deploy shortcuts, and server-state snapshots read through the API.
//! Everything that depends on the shape of the plan and report types is here, in one place.
#![allow(dead_code)]

use canary_core::client::{LettaClient, Transport};
use canary_core::execute::{execute, DeletionResult, ExecOptions, ExecReport, Timestamp};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::{LiveAgent, LiveBlock, LiveFolder, LiveState};
use canary_core::plan::{Kind, Mode, Plan, PlanOptions};
use canary_tests::{now_iso, unique};
use serde_json::Value;
use std::collections::BTreeSet;

/// Run-unique names: agents, tools, labels, folders, archives and the canary prefix.
pub struct Names {
    pub u: String,
    pub prefix: String,
}

impl Names {
    pub fn new(tag: &str) -> Names {
        let u = unique(tag);
        Names {
            prefix: format!("C{u}-"),
            u,
        }
    }
    /// A run-unique production name.
    pub fn name(&self, n: &str) -> String {
        format!("{n}-{}", self.u)
    }
    /// The canary name of a production name made by [`Names::name`].
    pub fn canary(&self, n: &str) -> String {
        format!("{}{}", self.prefix, self.name(n))
    }
    /// A run-unique Python function (tool) or block label (no '-').
    pub fn ident(&self, n: &str) -> String {
        format!("{n}_{}", self.u)
    }
}

pub fn load(yaml: &str, files: &FileSet) -> Fleet {
    let r = load_fleet(yaml, files);
    assert!(r.ok, "fleet invalid: {:?}\n{yaml}", r.errors);
    r.fleet.expect("fleet")
}

pub fn opts(mode: Mode, prefix: &str) -> PlanOptions {
    PlanOptions {
        mode,
        prefix: prefix.into(),
        ..PlanOptions::default()
    }
}

pub fn exec() -> ExecOptions {
    ExecOptions::new(Timestamp::parse(&now_iso()).expect("now is ISO-8601 UTC"))
}

/// The preview the app, the CLI and the JS package make (`plan_live`: narrow on a large
/// server), the same read as the executor's stale check. The state holds only the agents the
/// plan needs: read the server whole (`fetch_live`) to look an agent up.
pub async fn preview<T: Transport>(
    c: &LettaClient<T>,
    fleet: &Fleet,
    o: &PlanOptions,
) -> (LiveState, Plan) {
    c.plan_live(fleet, o).await.expect("plan")
}

/// Plans and executes; the run must succeed.
pub async fn deploy<T: Transport>(
    c: &LettaClient<T>,
    fleet: &Fleet,
    o: &PlanOptions,
) -> ExecReport {
    let (_, p) = preview(c, fleet, o).await;
    assert!(p.is_executable(), "blocked: {:?}", p.blockers);
    let r = execute(c, fleet, &p, o, &exec(), &|_| {})
        .await
        .expect("execute");
    assert!(r.ok(), "run failed: {r:#?}");
    r
}

/// The one agent with this name.
pub fn agent<'a>(live: &'a LiveState, name: &str) -> &'a LiveAgent {
    let found: Vec<_> = live.agents.iter().filter(|a| a.name == name).collect();
    assert_eq!(found.len(), 1, "exactly one agent named {name}");
    found[0]
}

/// The block with this label attached to an agent.
pub fn block_with_label<'a>(live: &'a LiveState, a: &LiveAgent, label: &str) -> &'a LiveBlock {
    a.block_ids
        .iter()
        .filter_map(|id| live.block(id))
        .find(|b| b.label == label)
        .unwrap_or_else(|| panic!("{} has no block {label}", a.name))
}

/// The planned deletions as (kind, id, name), whatever phase of the plan holds them.
pub fn deletions(p: &Plan) -> Vec<(Kind, String, String)> {
    p.deletions()
        .iter()
        .map(|d| (d.kind.kind(), d.id.clone(), d.name.clone()))
        .collect()
}

/// Outcome of each deletion of a run, whatever phase of the report holds them.
pub fn deletion_results(r: &ExecReport) -> Vec<DeletionResult> {
    r.deletions().to_vec()
}

/// A folder as the server has it, read through the API: what a safety claim compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderState {
    pub id: String,
    pub name: String,
    pub metadata: Value,
    /// (file id, file name), sorted.
    pub files: Vec<(String, String)>,
}

/// Every folder on the server with this exact name (names need not be unique).
pub async fn folders_named<T: Transport>(c: &LettaClient<T>, name: &str) -> Vec<FolderState> {
    let mut out = Vec::new();
    for f in c.list_folders().await.expect("folders") {
        if f.get("name").and_then(Value::as_str) != Some(name) {
            continue;
        }
        let id = f
            .get("id")
            .and_then(Value::as_str)
            .expect("folder id")
            .to_string();
        out.push(folder_state(c, &id, &f).await);
    }
    out
}

/// The one folder with this name.
pub async fn folder_named<T: Transport>(c: &LettaClient<T>, name: &str) -> FolderState {
    let mut v = folders_named(c, name).await;
    assert_eq!(v.len(), 1, "exactly one folder named {name}: {v:#?}");
    v.remove(0)
}

/// The folder with this id, or `None` when it is gone.
pub async fn folder_by_id<T: Transport>(c: &LettaClient<T>, id: &str) -> Option<FolderState> {
    for f in c.list_folders().await.expect("folders") {
        if f.get("id").and_then(Value::as_str) == Some(id) {
            return Some(folder_state(c, id, &f).await);
        }
    }
    None
}

async fn folder_state<T: Transport>(c: &LettaClient<T>, id: &str, f: &Value) -> FolderState {
    let live = LiveFolder::from_api(f, &c.folder_files(id).await.expect("files"));
    let mut files: Vec<(String, String)> = live
        .file_ids
        .iter()
        .map(|(name, fid)| (fid.clone(), name.clone()))
        .collect();
    files.sort();
    FolderState {
        id: live.id,
        name: live.name,
        metadata: f.get("metadata").cloned().unwrap_or(Value::Null),
        files,
    }
}

impl FolderState {
    /// File names, sorted.
    pub fn file_names(&self) -> BTreeSet<String> {
        self.files.iter().map(|(_, n)| n.clone()).collect()
    }
    /// The id of the file with this name.
    pub fn file_id(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| id.as_str())
    }
    /// A metadata value.
    pub fn meta(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key)
    }
}

/// Ids of the folders attached to an agent, read from the server.
pub async fn agent_folder_ids<T: Transport>(c: &LettaClient<T>, id: &str) -> BTreeSet<String> {
    let a = c.get_agent(id).await.expect("agent");
    LiveAgent::from_api(&a).folder_ids.into_iter().collect()
}

/// Whether a block still exists, read from the server by label.
pub async fn block_by_id<T: Transport>(
    c: &LettaClient<T>,
    label: &str,
    id: &str,
) -> Option<LiveBlock> {
    c.blocks_labelled(label)
        .await
        .expect("blocks")
        .iter()
        .map(LiveBlock::from_api)
        .find(|b| b.id == id)
}

/// Whether an agent with this id still exists.
pub async fn agent_exists<T: Transport>(c: &LettaClient<T>, id: &str) -> bool {
    match c.get_agent(id).await {
        Ok(_) => true,
        Err(canary_core::client::ApiError::NotFound(_)) => false,
        Err(e) => panic!("reading agent {id}: {e}"),
    }
}
