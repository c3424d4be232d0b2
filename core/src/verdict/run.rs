//! The runner: a suite (or a replay) is planned against the live state, then run like a
//! deploy: bounded concurrency, progress events, one failure never stopping the rest.
//!
//! Every case runs in fresh test conversations (one on the canary, one on production), so no
//! test message reaches a default conversation. Production's conversation is deleted as soon
//! as its case finishes. The canary's is deleted too unless
//! [`RunOptions::keep_canary_conversations`] asks to keep it for inspection: deleting an agent
//! does not delete its conversations' block copies (engine test
//! `archival_inserts_are_not_isolated`), so a kept one must be deleted before cleanup. A side
//! whose first turn hits a server fault runs once more in a fresh conversation (`side.rs`).

use super::checks::evaluate;
use super::side::SideRun;
pub use super::side::{SideResult, TurnResult};
use super::suite::{Case, Suite};
use super::verdict::{fleet_hash, Verdict};
use crate::canary::{canary_mark, Prefix};
use crate::client::{LettaClient, Transport};
use crate::fleet::Fleet;
use crate::live::LiveState;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

/// The agents one case runs against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Production name (the fleet's name).
    pub production_name: String,
    /// Canary name.
    pub canary_name: String,
    /// Canary agent id.
    pub canary_id: String,
    /// Production agent id, when production has the agent.
    pub production_id: Option<String>,
}

/// One case against one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCase {
    /// The case.
    pub case: Case,
    /// Where it runs.
    pub target: Target,
}

/// What a run will do: plain data, shown before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPlan {
    /// Suite name (or `replay of …`).
    pub suite: String,
    /// Hash of the resolved fleet the verdict will be tied to.
    pub fleet_hash: String,
    /// Canary prefix.
    pub prefix: String,
    /// Cases × targets.
    pub cases: Vec<PlannedCase>,
    /// Cases run at once.
    pub concurrency: usize,
    /// Why the run cannot start (no canary for a target, …).
    pub blockers: Vec<String>,
}

/// Finds the canary (by name and metadata) and the production agent of a production name.
pub fn target_for(live: &LiveState, prefix: &Prefix, production_name: &str) -> Option<Target> {
    let canary = live.agents.iter().find(|a| {
        canary_mark(&a.name, &a.metadata)
            .is_some_and(|m| m.prefix == prefix.as_str() && m.production_name == production_name)
    })?;
    let production = live
        .agents
        .iter()
        .find(|a| a.name == production_name && canary_mark(&a.name, &a.metadata).is_none());
    Some(Target {
        production_name: production_name.to_string(),
        canary_name: canary.name.clone(),
        canary_id: canary.id.clone(),
        production_id: production.map(|p| p.id.clone()),
    })
}

/// Plans a suite: every case against each of its target agents' canary and production.
pub fn plan_suite(suite: &Suite, fleet: &Fleet, live: &LiveState, prefix: &Prefix) -> RunPlan {
    let all: Vec<String> = fleet.agents.iter().map(|a| a.name.clone()).collect();
    let mut cases = Vec::new();
    let mut blockers = Vec::new();
    for case in &suite.cases {
        let names = case
            .agents
            .as_ref()
            .or(suite.agents.as_ref())
            .unwrap_or(&all);
        for name in names {
            match target_for(live, prefix, name) {
                Some(target) => cases.push(PlannedCase {
                    case: case.clone(),
                    target,
                }),
                None => {
                    let b = format!(
                        "agent '{name}' has no canary with prefix {prefix}: deploy the canaries first"
                    );
                    if !blockers.contains(&b) {
                        blockers.push(b);
                    }
                }
            }
        }
    }
    if cases.is_empty() && blockers.is_empty() {
        blockers.push("the suite has no case for any agent of this fleet".into());
    }
    RunPlan {
        suite: suite.name.clone(),
        fleet_hash: fleet_hash(fleet),
        prefix: prefix.as_str().to_string(),
        cases,
        concurrency: suite.max_concurrent.max(1),
        blockers,
    }
}

/// One case against one target, both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    /// Case name.
    pub case: String,
    /// Production name of the target.
    pub agent: String,
    /// The canary's side.
    pub canary: SideResult,
    /// Production's side (`None` when production has no such agent).
    pub production: Option<SideResult>,
    /// Every check held and the canary side finished.
    pub passed: bool,
    /// Both sides gave the same text for every turn.
    pub same: bool,
}

impl CaseResult {
    /// The sides that ran, each with its name: the canary, then production when it has the
    /// agent.
    pub fn sides(&self) -> impl Iterator<Item = (&'static str, &SideResult)> + Clone {
        std::iter::once(("canary", &self.canary))
            .chain(self.production.as_ref().map(|p| ("production", p)))
    }
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Cases × targets.
    pub cases: usize,
    /// Passed.
    pub passed: usize,
    /// Failed (including errors).
    pub failed: usize,
    /// Failed because a send failed.
    pub errors: usize,
    /// Pairs whose replies differ.
    pub different: usize,
    /// Tokens, canary side.
    pub canary_tokens: u64,
    /// Tokens, production side.
    pub production_tokens: u64,
    /// Wall time of the run.
    pub wall_ms: u64,
    /// Sides (canary or production) that ran a second time after a server fault.
    #[serde(default)]
    pub retried: usize,
}

impl Totals {
    /// `"; 1 side ran again after a server fault"`, or nothing when none did: the clause the
    /// totals line of the page and of the Markdown report end with.
    pub fn retried_note(&self) -> String {
        crate::wording::retried_sides(self.retried)
            .map(|s| format!("; {s}"))
            .unwrap_or_default()
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Per case and target.
    pub cases: Vec<CaseResult>,
    /// Totals.
    pub totals: Totals,
    /// The verdict (stored on the canaries by [`super::store_verdict`]).
    pub verdict: Verdict,
}

/// Progress of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum RunProgress {
    /// A case started on a target.
    CaseStarted {
        /// Case name.
        case: String,
        /// Production name.
        agent: String,
    },
    /// A case finished.
    CaseDone {
        /// Case name.
        case: String,
        /// Production name.
        agent: String,
        /// Whether it passed.
        passed: bool,
    },
}

/// Runner settings.
pub struct RunOptions<'a> {
    /// ISO-8601 UTC start time (the core has no clock).
    pub now: String,
    /// Milliseconds from any fixed origin, for latencies (`performance.now()`, `Instant`).
    pub clock: &'a dyn Fn() -> f64,
    /// Keep canary test conversations for inspection (delete them before cleanup, see above).
    pub keep_canary_conversations: bool,
}

/// Runs one planned case on both sides at once.
pub async fn run_case<T: Transport>(
    client: &LettaClient<T>,
    plan: &RunPlan,
    pc: &PlannedCase,
    opts: &RunOptions<'_>,
) -> CaseResult {
    let purpose = format!("{} / {}", plan.suite, pc.case.name);
    let t = &pc.target;
    let canary = SideRun {
        client,
        agent_id: &t.canary_id,
        agent: &t.canary_name,
        case: &pc.case,
        purpose: &purpose,
        keep: opts.keep_canary_conversations,
        clock: opts.clock,
    };
    let canary = canary.run();
    let production = async {
        match &t.production_id {
            // Production's test conversation never outlives its case.
            Some(id) => Some(
                SideRun {
                    client,
                    agent_id: id,
                    agent: &t.production_name,
                    case: &pc.case,
                    purpose: &purpose,
                    keep: false,
                    clock: opts.clock,
                }
                .run()
                .await,
            ),
            None => None,
        }
    };
    let (mut canary, production) = futures::join!(canary, production);
    canary.checks = pc
        .case
        .checks
        .iter()
        .map(|c| evaluate(c, &canary, production.as_ref()))
        .collect();
    let passed = canary.error.is_none() && canary.checks.iter().all(|c| c.passed);
    let same = production.as_ref().is_some_and(|p| {
        p.error.is_none()
            && canary.error.is_none()
            && p.turns.len() == canary.turns.len()
            && p.text() == canary.text()
    });
    CaseResult {
        case: pc.case.name.clone(),
        agent: t.production_name.clone(),
        canary,
        production,
        passed,
        same,
    }
}

/// Runs a plan: `concurrency` cases at once; a failed send fails its case, never the run.
pub async fn run_plan<T: Transport>(
    client: &LettaClient<T>,
    plan: &RunPlan,
    opts: &RunOptions<'_>,
    progress: &dyn Fn(RunProgress),
) -> RunReport {
    let start = (opts.clock)();
    let units = plan.cases.iter().map(|pc| async move {
        progress(RunProgress::CaseStarted {
            case: pc.case.name.clone(),
            agent: pc.target.production_name.clone(),
        });
        let r = run_case(client, plan, pc, opts).await;
        progress(RunProgress::CaseDone {
            case: r.case.clone(),
            agent: r.agent.clone(),
            passed: r.passed,
        });
        r
    });
    let mut cases: Vec<CaseResult> = stream::iter(units)
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    let order = |c: &CaseResult| {
        plan.cases
            .iter()
            .position(|p| p.case.name == c.case && p.target.production_name == c.agent)
            .unwrap_or(usize::MAX)
    };
    cases.sort_by_key(order);
    let totals = Totals {
        cases: cases.len(),
        passed: cases.iter().filter(|c| c.passed).count(),
        failed: cases.iter().filter(|c| !c.passed).count(),
        errors: cases.iter().filter(|c| c.canary.error.is_some()).count(),
        different: cases
            .iter()
            .filter(|c| c.production.is_some() && !c.same)
            .count(),
        canary_tokens: cases.iter().map(|c| c.canary.tokens()).sum(),
        production_tokens: cases
            .iter()
            .filter_map(|c| c.production.as_ref())
            .map(SideResult::tokens)
            .sum(),
        wall_ms: ((opts.clock)() - start).max(0.0) as u64,
        retried: cases
            .iter()
            .flat_map(CaseResult::sides)
            .filter(|(_, s)| s.retried)
            .count(),
    };
    let verdict = Verdict::from_run(plan, &cases, &totals, &opts.now);
    RunReport {
        cases,
        totals,
        verdict,
    }
}
