//! The executor: runs a reviewed [`Plan`] against the server. The only place that writes.
//!
//! Before anything is written the live state is read again and re-planned: if that plan's
//! fingerprint differs from the reviewed one, the run refuses and hands back the new plan.
//! Then phase one: fleet-level steps first (shared blocks, tools, folders, archives), then
//! every agent as an independent unit with bounded concurrency; one agent's failure never
//! stops another. Then phase two, the plan's [`crate::plan::CleanupPhase`] — in a promote
//! "then clean up" only when every agent of phase one succeeded. Phase two is part of the
//! reviewed plan: nothing is re-read or re-planned between the phases, so the promote's
//! report can never be lost to a failing second read.

mod agents;
mod create;
mod deletions;
mod fleet_steps;
mod mcp;

use crate::client::conversations::Conversation;
use crate::client::{ApiError, LettaClient, PlanLiveError, Transport};
use crate::fleet::Fleet;
use crate::plan::{Action, AgentPlan, DeleteKind, Kind, Mode, Plan, PlanError, PlanOptions};
use crate::wording::count;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Ids of objects the fleet-level steps created, by kind and name.
type Ids = BTreeMap<(Kind, String), String>;

/// An ISO-8601 UTC time (`2026-12-01T08:00:00.000Z`), checked: the core has no clock, so the
/// caller passes the time, and a run cannot stamp an empty or malformed `createdAt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(String);

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO-8601 UTC time such as 2026-12-01T08:00:00Z")]
pub struct BadTimestamp(pub String);

impl Timestamp {
    /// Checks an ISO-8601 UTC time.
    pub fn parse(s: &str) -> Result<Timestamp, BadTimestamp> {
        let utc = s.ends_with('Z') || s.ends_with("+00:00");
        match crate::inspect::epoch_seconds(s) {
            Some(_) if utc => Ok(Timestamp(s.to_string())),
            _ => Err(BadTimestamp(s.to_string())),
        }
    }

    /// The time as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Timestamp {
    type Error = BadTimestamp;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Timestamp::parse(&s)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.0
    }
}

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Agents worked on at once (default 6).
    pub concurrency: usize,
    /// Current time, stamped into canary metadata and each create's marker.
    pub now: Timestamp,
}

impl ExecOptions {
    /// Settings with the default concurrency (6) at time `now`.
    pub fn new(now: Timestamp) -> ExecOptions {
        ExecOptions {
            concurrency: 6,
            now,
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
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
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
    /// An object was deleted (or failed to be, or was skipped).
    Deleted {
        /// Kind of object.
        kind: DeleteKind,
        /// Its name.
        name: String,
        /// Error text, if it was not deleted.
        error: Option<String>,
    },
}

/// Outcome of one fleet step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// What it was.
    pub label: String,
    /// Error text, if it failed.
    pub error: Option<String>,
}

/// Outcome for one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// What happened to one planned deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "camelCase")]
pub enum DeletionOutcome {
    /// Deleted.
    Deleted,
    /// Already gone (404): nothing left to do.
    AlreadyGone,
    /// The server refused or failed.
    Failed(String),
    /// Not attempted, and why (something it depends on failed).
    Skipped(String),
}

/// Outcome of one deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionResult {
    /// Kind of object.
    pub kind: DeleteKind,
    /// Server id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What happened.
    pub outcome: DeletionOutcome,
}

impl DeletionResult {
    /// Whether the object is gone now.
    pub fn gone(&self) -> bool {
        matches!(
            self.outcome,
            DeletionOutcome::Deleted | DeletionOutcome::AlreadyGone
        )
    }

    /// Error text when it is not gone.
    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            DeletionOutcome::Failed(e) | DeletionOutcome::Skipped(e) => Some(e),
            _ => None,
        }
    }
}

/// Phase two's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CleanupReport {
    /// The cleanup ran; each deletion's outcome.
    Ran {
        /// Per deletion.
        deletions: Vec<DeletionResult>,
    },
    /// The cleanup did not run (a promote whose agents did not all succeed).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// Outcome of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecReport {
    /// Fleet-level steps.
    pub fleet: Vec<StepResult>,
    /// Agents.
    pub agents: Vec<AgentResult>,
    /// Phase two, when the plan has one.
    pub cleanup: Option<CleanupReport>,
}

impl ExecReport {
    /// Whether phase one (fleet steps and agents) succeeded.
    pub fn phase_one_ok(&self) -> bool {
        self.fleet.iter().all(|s| s.error.is_none())
            && self.agents.iter().all(|a| a.error.is_none())
    }

    /// Deletions of phase two (empty when it did not run).
    pub fn deletions(&self) -> &[DeletionResult] {
        match &self.cleanup {
            Some(CleanupReport::Ran { deletions }) => deletions,
            _ => &[],
        }
    }

    /// Whether everything succeeded (a skipped cleanup is not success).
    pub fn ok(&self) -> bool {
        self.phase_one_ok()
            && match &self.cleanup {
                None => true,
                Some(CleanupReport::Ran { deletions }) => deletions.iter().all(|d| d.gone()),
                Some(CleanupReport::Skipped { .. }) => false,
            }
    }

    /// The run in one sentence per phase, for a heading or a CLI's last line.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let failed_agents = self.agents.iter().filter(|a| a.error.is_some()).count();
        let worked = self
            .agents
            .iter()
            .filter(|a| a.error.is_none() && a.action != Action::Unchanged)
            .count();
        if !self.agents.is_empty() {
            parts.push(if failed_agents == 0 {
                format!(
                    "{} written, {} unchanged",
                    count(worked, "agent"),
                    self.agents.len() - worked
                )
            } else {
                format!(
                    "{failed_agents} of {} failed, {worked} written",
                    count(self.agents.len(), "agent")
                )
            });
        }
        let failed_steps = self.fleet.iter().filter(|s| s.error.is_some()).count();
        if failed_steps > 0 {
            parts.push(format!(
                "{failed_steps} of {} failed",
                count(self.fleet.len(), "shared object step")
            ));
        }
        match &self.cleanup {
            None => {}
            Some(CleanupReport::Skipped { reason }) => {
                parts.push(format!("cleanup not run: {reason}"))
            }
            Some(CleanupReport::Ran { deletions }) => {
                let gone = deletions.iter().filter(|d| d.gone()).count();
                let failed = deletions
                    .iter()
                    .filter(|d| matches!(d.outcome, DeletionOutcome::Failed(_)))
                    .count();
                let skipped = deletions.len() - gone - failed;
                let mut s = format!("{gone} of {} deleted", count(deletions.len(), "object"));
                if failed > 0 {
                    s.push_str(&format!(", {failed} failed"));
                }
                if skipped > 0 {
                    s.push_str(&format!(", {skipped} skipped"));
                }
                parts.push(s);
            }
        }
        if parts.is_empty() {
            "nothing to do".into()
        } else {
            parts.join("; ")
        }
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
    // The same read as every preview's (the page, the CLI, the JS package):
    // `LettaClient::plan_live`, narrow on a large server, so the check costs what the fleet
    // costs, not what the server holds; it plans as the whole read does
    // (tests/engine/tests/scoped_reads.rs).
    let (fresh, listed) = client
        .plan_live_for_run(fleet, options)
        .await
        .map_err(|e| match e {
            PlanLiveError::Api(e) => ExecError::Api(e),
            PlanLiveError::Plan(e) => ExecError::Plan(e),
        })?;
    if fresh.fingerprint != reviewed.fingerprint {
        return Err(ExecError::Stale(Box::new(fresh)));
    }
    // The check's read listed our test conversations (a fleet with shared blocks): a pure
    // cleanup, whose deletions follow at once, deletes those instead of listing them again. A
    // promote runs first, and the chats open meanwhile must go too: its cleanup lists anew.
    let listed = listed.filter(|_| fresh.mode == Mode::Cleanup);
    // Run the fresh plan: it is the reviewed one (same fingerprint), and it carries what a
    // plan never serialises (MCP server definitions and secret values, which stay in memory).
    Ok(run(client, &fresh, exec, progress, listed).await)
}

/// Runs a plan as it is (no staleness check). Prefer [`execute`].
pub async fn run_plan<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
) -> ExecReport {
    run(client, plan, exec, progress, None).await
}

/// [`run_plan`], with our test conversations when they were just listed (the cleanup's
/// deletions then do not list them again).
async fn run<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
    listed: Option<Vec<Conversation>>,
) -> ExecReport {
    let mut report = ExecReport::default();
    let ids: RefCell<Ids> = RefCell::new(BTreeMap::new());
    // Fleet-level objects are independent of each other: create them side by side.
    let steps = stream::iter(
        plan.fleet_steps
            .iter()
            .map(|step| async move { (step, fleet_steps::run_fleet_step(client, step).await) }),
    )
    .buffered(exec.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    for (step, result) in steps {
        let label = step.describe();
        let error = match result {
            Ok(created) => {
                ids.borrow_mut().extend(created);
                None
            }
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
        let r = agents::run_agent(client, plan, a, ids, exec).await;
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
    if let Some(phase) = &plan.cleanup {
        report.cleanup = Some(if plan.cleanup_follows() && !report.phase_one_ok() {
            CleanupReport::Skipped {
                reason: "not every agent was promoted successfully, so the canaries were kept; fix the failures and promote again".into(),
            }
        } else {
            CleanupReport::Ran {
                deletions: deletions::run(client, phase, exec, progress, listed).await,
            }
        });
    }
    report
}
