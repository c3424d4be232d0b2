//! The verdict of a suite run: plain data tied to the resolved fleet (its hash) and the prefix,
//! stored on the canary agents' metadata so that another browser or a pipeline reads it.

use super::run::{CaseResult, RunPlan, Totals};
use crate::client::{ApiError, LettaClient, Transport};
use crate::fleet::Fleet;
use crate::live::LiveState;
use crate::plan::fingerprint;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Metadata key of the verdict on each canary of the run.
pub const VERDICT_KEY: &str = "fleetcanary.verdict";
/// Metadata key of a promote override on each promoted agent.
pub const OVERRIDE_KEY: &str = "fleetcanary.promoteOverride";

/// How many failed case names a verdict carries (metadata stays small).
const MAX_FAILED_NAMES: usize = 20;

/// Hash of a resolved fleet: equal fleets (same agents, prompts, blocks, tools, files) give
/// equal hashes, so a verdict is valid only for the version it tested.
pub fn fleet_hash(fleet: &Fleet) -> String {
    fingerprint(serde_json::to_string(fleet).unwrap_or_default().as_bytes())
}

/// The outcome of a suite run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Suite name.
    pub suite: String,
    /// Hash of the fleet that was tested ([`fleet_hash`]).
    pub fleet_hash: String,
    /// Canary prefix tested.
    pub prefix: String,
    /// When the run started (ISO-8601 UTC).
    pub at: String,
    /// Cases × targets.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Every case passed (and there was at least one).
    pub ok: bool,
    /// Names of failed cases (`case @ agent`, at most 20).
    pub failed_cases: Vec<String>,
    /// Sides that ran a second time after a server fault on their first turn (the verdict is
    /// theirs too; the count says the run met faults).
    #[serde(default)]
    pub retried: usize,
}

impl Verdict {
    /// The verdict of a finished run.
    pub fn from_run(plan: &RunPlan, cases: &[CaseResult], totals: &Totals, now: &str) -> Verdict {
        Verdict {
            suite: plan.suite.clone(),
            fleet_hash: plan.fleet_hash.clone(),
            prefix: plan.prefix.clone(),
            at: now.to_string(),
            total: totals.cases,
            passed: totals.passed,
            failed: totals.failed,
            ok: totals.cases > 0 && totals.failed == 0,
            failed_cases: cases
                .iter()
                .filter(|c| !c.passed)
                .take(MAX_FAILED_NAMES)
                .map(|c| format!("{} @ {}", c.case, c.agent))
                .collect(),
            retried: totals.retried,
        }
    }

    /// Reads a verdict from agent metadata.
    pub fn from_metadata(m: &Map<String, Value>) -> Option<Verdict> {
        serde_json::from_value(m.get(VERDICT_KEY)?.clone()).ok()
    }

    /// One line for the plan view, the gate's messages and the CLI: the outcome first, then
    /// [`Verdict::detail`].
    pub fn summary(&self) -> String {
        format!("{}: {}", self.outcome(), self.detail())
    }

    /// `PASSED` or `FAILED`, for a view that shows the outcome on its own.
    pub fn outcome(&self) -> &'static str {
        if self.ok {
            "PASSED"
        } else {
            "FAILED"
        }
    }

    /// What ran, when and on which fleet, without the outcome: `suite 'smoke', 1 of 2 cases
    /// passed, run 2026-12-02 14:16 UTC, fleet 13b1…` (and how many sides ran again after a
    /// server fault, when any did).
    pub fn detail(&self) -> String {
        let retried = crate::wording::retried_sides(self.retried)
            .map(|s| format!(", {s}"))
            .unwrap_or_default();
        format!(
            "suite '{}', {} of {} cases passed, run {}, fleet {}{retried}",
            self.suite,
            self.passed,
            self.total,
            crate::wording::readable_time(&self.at),
            self.fleet_hash
        )
    }
}

/// Reads an agent's metadata, merges `key: value` into it and writes it back whole (the
/// server's PATCH replaces `metadata`, so a blind write would drop the canary mark).
pub async fn merge_metadata<T: Transport>(
    client: &LettaClient<T>,
    agent_id: &str,
    key: &str,
    value: Value,
) -> Result<(), ApiError> {
    let agent = client.get_agent(agent_id).await?;
    let mut m = agent
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    m.insert(key.to_string(), value);
    client
        .patch_agent(agent_id, serde_json::json!({ "metadata": m }))
        .await
        .map(|_| ())
}

/// Writes the verdict onto each canary agent; returns an error text per agent that failed.
pub async fn store_verdict<T: Transport>(
    client: &LettaClient<T>,
    verdict: &Verdict,
    canary_ids: &[String],
) -> Vec<String> {
    let value = serde_json::to_value(verdict).unwrap_or(Value::Null);
    let mut errors = Vec::new();
    let mut ids = canary_ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        if let Err(e) = merge_metadata(client, &id, VERDICT_KEY, value.clone()).await {
            errors.push(format!("verdict not stored on {id}: {e}"));
        }
    }
    errors
}

/// The latest verdict stored on canaries of `prefix`: the newest for `fleet_hash` when there
/// is one, else the newest of any fleet (so the gate can say "tested another version").
pub fn latest_verdict(live: &LiveState, prefix: &str, fleet_hash: &str) -> Option<Verdict> {
    let all: Vec<Verdict> = live
        .agents
        .iter()
        .filter(|a| {
            crate::canary::canary_mark(&a.name, &a.metadata).is_some_and(|m| m.prefix == prefix)
        })
        .filter_map(|a| Verdict::from_metadata(&a.metadata))
        .filter(|v| v.prefix == prefix)
        .collect();
    let newest = |vs: Vec<&Verdict>| vs.into_iter().max_by(|a, b| a.at.cmp(&b.at)).cloned();
    newest(all.iter().filter(|v| v.fleet_hash == fleet_hash).collect())
        .or_else(|| newest(all.iter().collect()))
}

/// Reads the server and returns [`latest_verdict`].
pub async fn read_verdict<T: Transport>(
    client: &LettaClient<T>,
    prefix: &str,
    fleet_hash: &str,
) -> Result<Option<Verdict>, ApiError> {
    // Only the prefix's agents carry its verdicts (`?query_text=`: names containing it).
    let agents = client.agents_matching(prefix).await?;
    let live = LiveState::from_api(&agents, &[], &[], &[], &[]);
    Ok(latest_verdict(&live, prefix, fleet_hash))
}

/// A verdict of suite `smoke` (2 cases; both passed when `ok`, else 1) for the tests here and
/// in the gate.
#[cfg(test)]
pub(crate) fn sample(ok: bool, fleet_hash: &str, at: &str) -> Verdict {
    Verdict {
        suite: "smoke".into(),
        fleet_hash: fleet_hash.into(),
        prefix: "CANARY-".into(),
        at: at.into(),
        total: 2,
        passed: if ok { 2 } else { 1 },
        failed: if ok { 0 } else { 1 },
        ok,
        failed_cases: vec![],
        retried: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(ok: bool, at: &str) -> Verdict {
        sample(ok, "13b147ce652b8b5f", at)
    }

    #[test]
    fn the_summary_leads_with_the_outcome_once_and_a_readable_time() {
        let v = verdict(false, "2026-12-02T14:16:02.296Z");
        assert_eq!(
            v.summary(),
            "FAILED: suite 'smoke', 1 of 2 cases passed, run 2026-12-02 14:16 UTC, fleet 13b147ce652b8b5f"
        );
        assert_eq!(v.outcome(), "FAILED");
        assert!(!v.detail().contains("FAILED"));
        assert!(verdict(true, "2026-12-02T14:16:02Z")
            .summary()
            .starts_with("PASSED: suite 'smoke', 2 of 2 cases passed, run 2026-12-02 14:16 UTC"));
        let retried = Verdict {
            retried: 2,
            ..verdict(true, "2026-12-02T14:16:02Z")
        };
        assert!(
            retried
                .detail()
                .ends_with(", fleet 13b147ce652b8b5f, 2 sides ran again after a server fault"),
            "{}",
            retried.detail()
        );
        // A verdict stored before the count existed still reads.
        let old = serde_json::json!({"suite": "smoke", "fleetHash": "h", "prefix": "CANARY-", "at": "2026-12-02T14:16:02Z", "total": 1, "passed": 1, "failed": 0, "ok": true, "failedCases": []});
        assert_eq!(
            serde_json::from_value::<Verdict>(old)
                .map(|v| v.retried)
                .ok(),
            Some(0)
        );
    }

    #[test]
    fn a_time_in_another_shape_is_kept_as_it_is() {
        for at in [
            "yesterday",
            "2026-12-02 14:16",
            "2026-12-02T14:16:02+01:00",
            "2026-12-02T14:1é:00Z",
        ] {
            assert!(
                verdict(true, at).detail().contains(&format!("run {at},")),
                "{at}"
            );
        }
    }
}
