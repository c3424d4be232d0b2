//! The runner: a suite (or a replay) is planned against the live state, then run like a
//! deploy: bounded concurrency, progress events, one failure never stopping the rest.
//!
//! Every case runs in fresh test conversations (one on the canary, one on production), so no
//! test message reaches a default conversation. Production's conversation is deleted as soon
//! as its case finishes. The canary's is deleted too unless
//! [`RunOptions::keep_canary_conversations`] asks to keep it for inspection: deleting an agent
//! does not delete its conversations' block copies (engine test
//! `archival_inserts_are_not_isolated`), so a kept one must be deleted before cleanup.

use super::checks::{evaluate, CheckResult};
use super::suite::{Case, Suite};
use super::verdict::{fleet_hash, Verdict};
use crate::canary::{canary_mark, Prefix};
use crate::client::conversations::MeasuredReply;
use crate::client::{ApiError, ChatReply, LettaClient, Transport};
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

/// One turn of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnResult {
    /// What was sent.
    pub user: String,
    /// What came back.
    pub reply: ChatReply,
    /// Wall time of the turn.
    pub latency_ms: u64,
    /// Tokens the server reported.
    pub tokens: Option<u64>,
}

/// One side (canary or production) of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SideResult {
    /// Agent name.
    pub agent: String,
    /// The test conversation used.
    pub conversation_id: Option<String>,
    /// Turns that completed.
    pub turns: Vec<TurnResult>,
    /// Why the side did not finish.
    pub error: Option<String>,
    /// Check outcomes (canary side only).
    pub checks: Vec<CheckResult>,
    /// Problems that did not fail the side (e.g. deleting its conversation).
    pub warnings: Vec<String>,
}

impl SideResult {
    /// Every turn's assistant text, joined by blank lines (what replay diffs).
    pub fn text(&self) -> String {
        self.turns
            .iter()
            .map(|t| t.reply.assistant_text())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Tokens over all turns.
    pub fn tokens(&self) -> u64 {
        self.turns.iter().filter_map(|t| t.tokens).sum()
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

/// Whether a side that failed with `e` earns one more attempt in a fresh test conversation:
/// the server or its model provider failed, or the answer was lost on the way. A refusal of
/// the request itself (invalid, not found, unauthorized, quota) would fail again the same way.
fn worth_another_attempt(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Server {
            status: 500..=599,
            ..
        } | ApiError::Llm(_)
            | ApiError::Network { .. }
            | ApiError::Busy(_)
    )
}

/// One attempt at a side: a fresh test conversation, every turn, then the conversation's
/// deletion unless `keep`. Returns the fault that stopped it, if any.
async fn attempt_side<T: Transport>(
    client: &LettaClient<T>,
    agent_id: &str,
    agent: &str,
    case: &Case,
    purpose: &str,
    keep: bool,
    clock: &dyn Fn() -> f64,
) -> (SideResult, Option<ApiError>) {
    let mut side = SideResult {
        agent: agent.to_string(),
        ..SideResult::default()
    };
    let conv = match client.open_test_conversation(agent_id, purpose).await {
        Ok(c) => c,
        Err(e) => {
            side.error = Some(format!("could not open a test conversation: {e}"));
            return (side, Some(e));
        }
    };
    side.conversation_id = Some(conv.id.clone());
    let mut fault = None;
    for text in &case.turns {
        let start = clock();
        match client.send_in_conversation(&conv.id, text).await {
            Ok(MeasuredReply {
                reply,
                total_tokens,
            }) => side.turns.push(TurnResult {
                user: text.clone(),
                reply,
                latency_ms: (clock() - start).max(0.0) as u64,
                tokens: total_tokens,
            }),
            Err(e) => {
                side.error = Some(e.to_string());
                fault = Some(e);
                break;
            }
        }
    }
    // A failed attempt's conversation goes even when kept conversations were asked for: the
    // kept one is the attempt the report shows.
    if !keep || fault.is_some() {
        if let Err(e) = client.delete_conversation(&conv.id).await {
            side.warnings.push(format!(
                "Test conversation {} was not deleted: {e}.",
                conv.id
            ));
        }
    }
    (side, fault)
}

/// One side of a case. A server fault (a 5xx, the model provider failing, a lost answer, a
/// busy agent) gets one more attempt in a fresh test conversation, so a one-off fault of the
/// server does not turn into a failed verdict; the side's warnings say it happened. A fault
/// that persists fails the side with the second attempt's error. Turns the first attempt
/// completed run again: their effects inside the conversation are gone with it, effects
/// outside it (an archival insert, a tool's own side effects) happen twice.
async fn run_side<T: Transport>(
    client: &LettaClient<T>,
    agent_id: &str,
    agent: &str,
    case: &Case,
    purpose: &str,
    keep: bool,
    clock: &dyn Fn() -> f64,
) -> SideResult {
    let (first, fault) = attempt_side(client, agent_id, agent, case, purpose, keep, clock).await;
    let Some(fault) = fault.filter(worth_another_attempt) else {
        return first;
    };
    let (mut again, _) = attempt_side(client, agent_id, agent, case, purpose, keep, clock).await;
    let mut warnings = vec![format!(
        "The first attempt stopped after {} of {} ({fault}); the case ran again in a fresh test conversation.",
        first.turns.len(),
        crate::wording::count(case.turns.len(), "turn"),
    )];
    warnings.extend(first.warnings);
    warnings.append(&mut again.warnings);
    again.warnings = warnings;
    again
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
    let canary = run_side(
        client,
        &t.canary_id,
        &t.canary_name,
        &pc.case,
        &purpose,
        opts.keep_canary_conversations,
        opts.clock,
    );
    let production = async {
        match &t.production_id {
            // Production's test conversation never outlives its case.
            Some(id) => Some(
                run_side(
                    client,
                    id,
                    &t.production_name,
                    &pc.case,
                    &purpose,
                    false,
                    opts.clock,
                )
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
    };
    let verdict = Verdict::from_run(plan, &cases, &totals, &opts.now);
    RunReport {
        cases,
        totals,
        verdict,
    }
}
