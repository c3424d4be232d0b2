//! The executor: runs a reviewed [`Plan`] against the server. The only place that writes.
//!
//! Order: fleet-level steps first (shared blocks, tools, folders, archives), then every agent
//! as an independent unit with bounded concurrency; one agent's failure never stops another.
//! Before anything is written the live state is read again and re-planned: if that plan's
//! fingerprint differs from the reviewed one, the run refuses and hands back the new plan.

use crate::canary::keys;
use crate::client::{ApiError, LettaClient, Transport};
use crate::fleet::Fleet;
use crate::plan::{
    folder_hashes, plan as make_plan, Action, AgentPatch, AgentPlan, AgentStep, CreateAgent,
    FleetStep, Kind, Mode, Plan, PlanError, PlanOptions, Ref,
};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Agents worked on at once (default 6).
    pub concurrency: usize,
    /// Current time, ISO-8601 UTC, stamped into canary metadata (the core has no clock).
    pub now: String,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            concurrency: 6,
            now: String::new(),
        }
    }
}

/// Why a run did not start.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExecError {
    /// The server changed since the plan was reviewed; here is the plan as it is now.
    #[error(
        "the server changed since this plan was reviewed; review the new plan and run it again"
    )]
    Stale(Box<Plan>),
    /// The plan has blockers.
    #[error("the plan cannot run: {}", .0.join("; "))]
    Blocked(Vec<String>),
    /// Reading the live state failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Re-planning failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Progress of a run, for a progress bar and live per-agent status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum Progress {
    /// A fleet-level step finished.
    FleetStep {
        /// What it was.
        label: String,
        /// Error text, if it failed.
        error: Option<String>,
    },
    /// An agent started.
    AgentStarted {
        /// Server name.
        name: String,
    },
    /// An agent finished.
    AgentDone {
        /// Server name.
        name: String,
        /// Error text, if it failed.
        error: Option<String>,
    },
    /// An object was deleted (or failed to be).
    Deleted {
        /// Kind of object.
        kind: Kind,
        /// Its name.
        name: String,
        /// Error text, if it failed.
        error: Option<String>,
    },
}

/// Outcome of one step or deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// What it was.
    pub label: String,
    /// Error text, if it failed.
    pub error: Option<String>,
}

/// Outcome for one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentResult {
    /// Server name.
    pub name: String,
    /// Fleet name.
    pub production_name: String,
    /// What the plan said.
    pub action: Action,
    /// Agent id after the run.
    pub id: Option<String>,
    /// Error text, if it failed.
    pub error: Option<String>,
    /// Things that went wrong but did not fail the agent (e.g. its first message).
    pub warnings: Vec<String>,
}

impl AgentResult {
    /// The result of an agent whose steps have not run (yet): no error, the plan's id.
    fn before(a: &AgentPlan) -> AgentResult {
        AgentResult {
            name: a.name.clone(),
            production_name: a.production_name.clone(),
            action: a.action,
            id: a.id.clone(),
            error: None,
            warnings: vec![],
        }
    }
}

/// Outcome of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExecReport {
    /// Fleet-level steps.
    pub fleet: Vec<StepResult>,
    /// Agents.
    pub agents: Vec<AgentResult>,
    /// Deletions.
    pub deletions: Vec<StepResult>,
    /// The cleanup that followed a promote, if any.
    pub cleanup: Option<Box<ExecReport>>,
    /// Why a requested follow-up cleanup did not run.
    pub cleanup_skipped: Option<String>,
}

impl ExecReport {
    /// Whether everything succeeded.
    pub fn ok(&self) -> bool {
        self.fleet.iter().all(|s| s.error.is_none())
            && self.agents.iter().all(|a| a.error.is_none())
            && self.deletions.iter().all(|d| d.error.is_none())
            && self.cleanup.as_ref().is_none_or(|c| c.ok())
    }
}

/// Re-reads the server, checks that the reviewed plan still holds, and runs it.
pub async fn execute<T: Transport>(
    client: &LettaClient<T>,
    fleet: &Fleet,
    reviewed: &Plan,
    options: &PlanOptions,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
) -> Result<ExecReport, ExecError> {
    if !reviewed.is_executable() {
        return Err(ExecError::Blocked(reviewed.blockers.clone()));
    }
    let live = client.fetch_live(fleet).await?;
    let fresh = make_plan(fleet, &live, options)?;
    if fresh.fingerprint != reviewed.fingerprint {
        return Err(ExecError::Stale(Box::new(fresh)));
    }
    let mut report = run_plan(client, reviewed, exec, progress).await;
    if reviewed.mode == Mode::Promote && reviewed.cleanup_after {
        if report.ok() {
            let live = client.fetch_live(fleet).await?;
            let cleanup_opts = PlanOptions {
                mode: Mode::Cleanup,
                cleanup_after: false,
                ..options.clone()
            };
            let cleanup = make_plan(fleet, &live, &cleanup_opts)?;
            report.cleanup = Some(Box::new(run_plan(client, &cleanup, exec, progress).await));
        } else {
            report.cleanup_skipped =
                Some("not every agent was promoted successfully, so the canaries were kept".into());
        }
    }
    Ok(report)
}

/// Runs a plan as it is (no staleness check). Prefer [`execute`].
pub async fn run_plan<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
) -> ExecReport {
    let mut report = ExecReport::default();
    let ids: RefCell<BTreeMap<(Kind, String), String>> = RefCell::new(BTreeMap::new());
    // Fleet-level objects are independent of each other: create them side by side.
    let steps = stream::iter(
        plan.fleet_steps
            .iter()
            .map(|step| async move { (step, run_fleet_step(client, step).await) }),
    )
    .buffered(exec.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    for (step, result) in steps {
        let label = step.describe();
        let error = match result {
            Ok(Some(id)) => {
                let (kind, name) = step.target();
                ids.borrow_mut().insert((kind, name.to_string()), id);
                None
            }
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        };
        progress(Progress::FleetStep {
            label: label.clone(),
            error: error.clone(),
        });
        report.fleet.push(StepResult { label, error });
    }
    let ids = ids.into_inner();
    let ids = &ids;
    let work: Vec<&AgentPlan> = plan.agents.iter().filter(|a| !a.steps.is_empty()).collect();
    let units = work.into_iter().map(|a| async move {
        progress(Progress::AgentStarted {
            name: a.name.clone(),
        });
        let r = run_agent(client, plan, a, ids, exec).await;
        progress(Progress::AgentDone {
            name: a.name.clone(),
            error: r.error.clone(),
        });
        r
    });
    let mut results: Vec<AgentResult> = stream::iter(units)
        .buffer_unordered(exec.concurrency.max(1))
        .collect()
        .await;
    for a in plan.agents.iter().filter(|a| a.steps.is_empty()) {
        results.push(AgentResult::before(a));
    }
    let order: BTreeMap<&str, usize> = plan
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    results.sort_by_key(|r| order.get(r.name.as_str()).copied().unwrap_or(usize::MAX));
    report.agents = results;
    report.deletions = run_deletions(client, plan, exec, progress).await;
    report
}

fn id_of(v: &Value) -> Result<String, ApiError> {
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

/// Runs one fleet step; returns the id of a created object.
async fn run_fleet_step<T: Transport>(
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
            for (file_id, _) in delete {
                match client.delete_file(id, file_id).await {
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
    }
}

fn resolve(ids: &BTreeMap<(Kind, String), String>, kind: Kind, r: &Ref) -> Result<String, String> {
    if let Some(id) = &r.id {
        return Ok(id.clone());
    }
    ids.get(&(kind, r.name.clone())).cloned().ok_or_else(|| {
        format!(
            "{kind} '{}' was not created (its fleet step failed); fix that and run again",
            r.name
        )
    })
}

fn create_body(
    c: &CreateAgent,
    ids: &BTreeMap<(Kind, String), String>,
    plan: &Plan,
    now: &str,
) -> Result<Value, String> {
    let all = |kind: Kind, refs: &[Ref]| {
        refs.iter()
            .map(|r| resolve(ids, kind, r))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut metadata = c.metadata.clone();
    if plan.mode.is_canary() {
        metadata.insert(keys::CREATED_AT.into(), json!(now));
    }
    let blocks: Vec<Value> = c
        .memory_blocks
        .iter()
        .map(|b| json!({"label": b.label, "value": b.value, "limit": b.limit, "description": b.description}))
        .collect();
    let mut body = json!({
        "name": c.name,
        "description": c.description,
        "system": c.system,
        "model": c.model,
        "context_window_limit": c.context_window,
        "memory_blocks": blocks,
        "block_ids": all(Kind::Block, &c.blocks)?,
        "tool_ids": all(Kind::Tool, &c.tools)?,
        "source_ids": all(Kind::Folder, &c.folders)?,
        "tags": c.tags,
        "metadata": metadata,
        "include_base_tools": c.include_base_tools,
        "reasoning": c.reasoning,
    });
    if let Some(m) = c.max_tokens {
        body["max_tokens"] = json!(m);
    }
    if let Some(e) = &c.embedding {
        body["embedding"] = json!(e);
    }
    Ok(body)
}

fn attach_path(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool => "tools",
        Kind::Block => "core-memory/blocks",
        Kind::Folder => "folders",
        Kind::Archive => "archives",
        Kind::Agent => "agents",
    }
}

async fn patch_body<T: Transport>(
    client: &LettaClient<T>,
    id: &str,
    p: &AgentPatch,
) -> Result<Value, ApiError> {
    let mut body = Map::new();
    if let Some(d) = &p.description {
        body.insert("description".into(), json!(d));
    }
    if let Some(s) = &p.system {
        body.insert("system".into(), json!(s));
    }
    if let Some((model, cw, mt)) = &p.llm {
        body.insert("model".into(), json!(model));
        body.insert("context_window_limit".into(), json!(cw));
        if let Some(mt) = mt {
            body.insert("max_tokens".into(), json!(mt));
        }
    }
    if let Some(e) = &p.embedding {
        body.insert("embedding".into(), json!(e));
    }
    if let Some(t) = &p.tags {
        body.insert("tags".into(), json!(t));
    }
    if let Some(r) = p.reasoning {
        body.insert("reasoning".into(), json!(r));
    }
    if let Some(keys) = &p.metadata {
        // PATCH replaces metadata whole: read, merge, write.
        let current = client.get_agent(id).await?;
        let mut merged = current
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (k, v) in keys {
            merged.insert(k.clone(), v.clone());
        }
        body.insert("metadata".into(), Value::Object(merged));
    }
    Ok(Value::Object(body))
}

/// Creates an agent; after an ambiguous failure, looks it up by name before trying again.
async fn create_agent<T: Transport>(
    client: &LettaClient<T>,
    body: Value,
    name: &str,
) -> Result<String, ApiError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match client.create_agent(body.clone()).await {
            Ok(v) => return id_of(&v),
            Err(e) if e.is_ambiguous() && attempts < 4 => {
                let found = client.agents_named(name).await?;
                let want_meta = body.get("metadata");
                if let Some(a) = found.iter().find(|a| a.get("metadata") == want_meta) {
                    return id_of(a);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

async fn run_agent<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    a: &AgentPlan,
    ids: &BTreeMap<(Kind, String), String>,
    exec: &ExecOptions,
) -> AgentResult {
    let mut result = AgentResult::before(a);
    for step in &a.steps {
        let outcome: Result<(), String> = async {
            match step {
                AgentStep::Create(c) => {
                    let body = create_body(c, ids, plan, &exec.now)?;
                    let id = create_agent(client, body, &c.name)
                        .await
                        .map_err(|e| e.to_string())?;
                    result.id = Some(id);
                    Ok(())
                }
                other => {
                    let id = result
                        .id
                        .clone()
                        .ok_or("the agent has no id (its create failed)")?;
                    run_agent_step(client, &id, other, ids, &mut result.warnings).await
                }
            }
        }
        .await;
        if let Err(e) = outcome {
            result.error = Some(e);
            break;
        }
    }
    result
}

async fn run_agent_step<T: Transport>(
    client: &LettaClient<T>,
    id: &str,
    step: &AgentStep,
    ids: &BTreeMap<(Kind, String), String>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let e = |e: ApiError| e.to_string();
    match step {
        AgentStep::Create(_) => Ok(()),
        AgentStep::Patch(p) => {
            let body = patch_body(client, id, p).await.map_err(e)?;
            client.patch_agent(id, body).await.map(|_| ()).map_err(e)
        }
        AgentStep::CreateBlock(spec) => {
            let block = client.create_block(spec, Map::new()).await.map_err(e)?;
            let bid = id_of(&block).map_err(e)?;
            client
                .attachment(id, attach_path(Kind::Block), &bid, true)
                .await
                .map_err(e)
        }
        AgentStep::UpdateBlock { id: bid, spec } => {
            client.update_block(bid, spec).await.map(|_| ()).map_err(e)
        }
        AgentStep::Attach { kind, target } => {
            let tid = resolve(ids, *kind, target)?;
            client
                .attachment(id, attach_path(*kind), &tid, true)
                .await
                .map_err(e)
        }
        AgentStep::Detach { kind, target } => {
            let tid = resolve(ids, *kind, target)?;
            match client.attachment(id, attach_path(*kind), &tid, false).await {
                Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
                Err(x) => Err(x.to_string()),
            }
        }
        AgentStep::FirstMessage { text } => {
            if let Err(x) = client.send_message(id, text).await {
                warnings.push(format!("first message not delivered: {x}"));
            }
            Ok(())
        }
    }
}

async fn run_deletions<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
) -> Vec<StepResult> {
    let delete = |kind: Kind, id: String, name: String| async move {
        let r = match kind {
            Kind::Agent => client.delete_agent(&id).await,
            Kind::Block => client.delete_block(&id).await,
            Kind::Folder => client.delete_folder(&id).await,
            Kind::Tool | Kind::Archive => Ok(()),
        };
        let error = match r {
            Ok(()) | Err(ApiError::NotFound(_)) => None,
            Err(e) => Some(e.to_string()),
        };
        progress(Progress::Deleted {
            kind,
            name: name.clone(),
            error: error.clone(),
        });
        StepResult {
            label: format!("delete {kind} {name}"),
            error,
        }
    };
    let n = exec.concurrency.max(1);
    // Each canary goes with the blocks only it used, right after it (no barrier between
    // the agents and their blocks); a block is never deleted while its agent still exists.
    let delete = &delete;
    let agents: Vec<_> = plan
        .deletions
        .iter()
        .filter(|d| d.kind == Kind::Agent)
        .collect();
    let units = agents.into_iter().map(|agent| {
        let own: Vec<_> = plan
            .deletions
            .iter()
            .filter(|d| d.after_agent.as_deref() == Some(agent.id.as_str()))
            .collect();
        async move {
            let first = delete(agent.kind, agent.id.clone(), agent.name.clone()).await;
            let failed = first.error.is_some();
            let mut results = vec![first];
            for d in own {
                results.push(if failed {
                    StepResult {
                        label: format!("delete {} {}", d.kind, d.name),
                        error: Some(
                            "skipped: its agent could not be deleted; run cleanup again".into(),
                        ),
                    }
                } else {
                    delete(d.kind, d.id.clone(), d.name.clone()).await
                });
            }
            results
        }
    });
    let mut out: Vec<StepResult> = stream::iter(units)
        .buffer_unordered(n)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    let rest: Vec<_> = plan
        .deletions
        .iter()
        .filter(|d| d.kind != Kind::Agent && d.after_agent.is_none())
        .collect();
    if out.iter().any(|r| r.error.is_some()) {
        for d in rest {
            out.push(StepResult {
                label: format!("delete {} {}", d.kind, d.name),
                error: Some("skipped: an agent deletion failed, so its objects may still be in use; run cleanup again".into()),
            });
        }
        return out;
    }
    let more: Vec<StepResult> = stream::iter(rest)
        .map(|d| delete(d.kind, d.id.clone(), d.name.clone()))
        .buffer_unordered(n)
        .collect()
        .await;
    out.extend(more);
    out
}
