//! Canary verdicts: test suites, replay of production traffic, and the promote gate.
//!
//! Like a deploy, a test run is plain data first ([`RunPlan`], from [`plan_suite`] or
//! [`replay::plan_replay`]), then executed by the core ([`run_plan`]) through the same client
//! in the browser and natively. Every test message goes through a marked test conversation
//! ([`crate::client::conversations`]), never a default conversation. The run's [`Verdict`] is
//! tied to the fleet's hash and the prefix, stored on the canaries' metadata, and read back by
//! the pure promote [`gate`].
//!
//! Modules: [`suite`] (the test file and its errors), [`dataset`] (letta-evals JSONL),
//! [`checks`], [`run`] (plan and runner; one side of a case and its retry in `side`), [`replay`], [`verdict`] (the record and its storage),
//! [`gate`], [`report`] (JSON and Markdown), [`write`] (saving cases), [`isolation`] (what a test
//! conversation is proven to isolate).

pub mod checks;
pub mod dataset;
pub mod gate;
pub mod isolation;
pub mod replay;
pub mod report;
pub mod run;
mod side;
pub mod suite;
#[allow(clippy::module_inception)]
pub mod verdict;
mod walk;
pub mod write;

pub use checks::{Check, CheckResult};
pub use gate::{gate, GateDecision, OverrideRecord, Refusal};
pub use run::{
    plan_suite, run_plan, target_for, CaseResult, RunOptions, RunPlan, RunProgress, RunReport,
    SideResult, Target, Totals,
};
pub use suite::{parse_suite, Case, CaseCheck, Suite, SuiteDiagnostic, SuiteProblem, SuiteReport};
pub use verdict::{
    fleet_hash, latest_verdict, merge_metadata, read_verdict, store_verdict, Verdict, OVERRIDE_KEY,
    VERDICT_KEY,
};

/// Where the Test view looks for a suite in the fleet's files when none is chosen.
pub const DEFAULT_SUITE_PATH: &str = "tests/suite.yaml";

/// Whether a file of the fleet's file set looks like a test file (shown in the suite picker).
pub fn is_suite_path(path: &str) -> bool {
    (path.ends_with(".yaml") || path.ends_with(".yml"))
        && (path.starts_with("tests/") || path.contains("suite"))
}

/// Whether a file belongs to the tests rather than to the fleet: a suite, or a JSONL dataset
/// (the format a suite's `dataset:` reads). The Files panel does not call these unused.
pub fn is_test_file(path: &str) -> bool {
    is_suite_path(path) || path.ends_with(".jsonl")
}

#[cfg(test)]
mod tests;
