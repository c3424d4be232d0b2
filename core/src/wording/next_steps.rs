//! What to do after a run: the next step of the canary workflow, offered at the end of the
//! report so that deploy → try → test → promote → clean up is one click each, never a hunt
//! through the navigation. The page draws these; the rules and words live here.

use crate::execute::{CleanupReport, ExecReport};
use crate::plan::{Action, Mode};

/// A step offered after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Chat with a canary beside its production agent.
    Chat {
        /// The canary's name on the server.
        canary: String,
        /// Its id, when the run knows it.
        canary_id: Option<String>,
        /// The production agent's name.
        production: String,
    },
    /// Run the test suite against the canaries and their production agents.
    RunSuite,
    /// Review the promote of this fleet to production.
    Promote {
        /// The canaries' prefix.
        prefix: String,
    },
    /// Review the cleanup of the canaries of a prefix.
    CleanUp {
        /// The canaries' prefix.
        prefix: String,
        /// Whether part of it already ran (a cleanup that did not finish).
        again: bool,
    },
    /// Edit the fleet: the start of the next version.
    EditFleet,
    /// See the applied version in History (where production's version is marked).
    History,
}

impl NextStep {
    /// The button's words.
    pub fn label(&self) -> String {
        match self {
            NextStep::Chat { canary, .. } => format!("Chat with {canary}"),
            NextStep::RunSuite => "Run the suite".into(),
            NextStep::Promote { .. } => "Promote".into(),
            NextStep::CleanUp { again: false, .. } => "Clean up the canaries".into(),
            NextStep::CleanUp { again: true, .. } => "Clean up the remaining canaries".into(),
            NextStep::EditFleet => "Edit the fleet for the next version".into(),
            NextStep::History => "See it in History".into(),
        }
    }

    /// One sentence on what the step does, beside the button.
    pub fn why(&self) -> String {
        match self {
            NextStep::Chat { production, .. } => format!(
                "Send the same message to the canary and to {production} and compare the replies."
            ),
            NextStep::RunSuite => "Test every canary against its production agent; the verdict \
                                   gates the promote."
                .into(),
            NextStep::Promote { prefix } => format!(
                "Review the plan that writes this fleet to the production agents (the {prefix} \
                 canaries' version)."
            ),
            NextStep::CleanUp { prefix, .. } => format!(
                "Review the plan that deletes the {prefix} canaries; production stays as it is."
            ),
            NextStep::EditFleet => "Change fleet.yaml, then deploy it as canaries again.".into(),
            NextStep::History => {
                "The version production runs now is marked there, with earlier ones to roll \
                 back to."
                    .into()
            }
        }
    }

    /// A stable name for the step (element ids, tests).
    pub fn key(&self) -> &'static str {
        match self {
            NextStep::Chat { .. } => "chat",
            NextStep::RunSuite => "suite",
            NextStep::Promote { .. } => "promote",
            NextStep::CleanUp { .. } => "cleanup",
            NextStep::EditFleet => "fleet",
            NextStep::History => "history",
        }
    }
}

/// The steps to offer after a run of a plan in `mode` with canary `prefix`. A run that failed
/// offers none of these: re-planning (which converges) comes first.
pub fn next_steps(mode: Mode, report: &ExecReport, prefix: &str) -> Vec<NextStep> {
    if !report.phase_one_ok() {
        return Vec::new();
    }
    let prefix = prefix.to_string();
    match mode {
        Mode::Canary => {
            // The canary the run changed first; an unchanged one when nothing changed.
            let pick = report
                .agents
                .iter()
                .filter(|a| a.action != Action::Blocked)
                .min_by_key(|a| a.action == Action::Unchanged);
            let mut steps: Vec<NextStep> = pick
                .map(|a| NextStep::Chat {
                    canary: a.name.clone(),
                    canary_id: a.id.clone(),
                    production: a.production_name.clone(),
                })
                .into_iter()
                .collect();
            steps.push(NextStep::RunSuite);
            steps.push(NextStep::Promote { prefix });
            steps
        }
        Mode::Promote => match &report.cleanup {
            None => vec![
                NextStep::CleanUp {
                    prefix,
                    again: false,
                },
                NextStep::History,
            ],
            Some(CleanupReport::Ran { .. }) if report.ok() => {
                vec![NextStep::History, NextStep::EditFleet]
            }
            Some(c) => vec![
                NextStep::CleanUp {
                    prefix,
                    again: matches!(c, CleanupReport::Ran { .. }),
                },
                NextStep::History,
            ],
        },
        Mode::Apply => vec![NextStep::History, NextStep::EditFleet],
        Mode::Cleanup => vec![NextStep::EditFleet],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::AgentResult;

    fn agent(name: &str, action: Action, error: Option<&str>) -> AgentResult {
        AgentResult {
            name: format!("CANARY-{name}"),
            production_name: name.into(),
            action,
            id: Some(format!("agent-{name}")),
            error: error.map(str::to_string),
            warnings: vec![],
        }
    }

    fn report(agents: Vec<AgentResult>, cleanup: Option<CleanupReport>) -> ExecReport {
        ExecReport {
            fleet: vec![],
            agents,
            cleanup,
        }
    }

    fn labels(steps: &[NextStep]) -> Vec<String> {
        steps.iter().map(NextStep::label).collect()
    }

    #[test]
    fn after_a_canary_deploy_chat_test_promote() {
        let r = report(
            vec![
                agent("a", Action::Unchanged, None),
                agent("support-agent", Action::Update, None),
                agent("c", Action::Create, None),
            ],
            None,
        );
        let steps = next_steps(Mode::Canary, &r, "CANARY-");
        assert_eq!(
            labels(&steps),
            ["Chat with CANARY-support-agent", "Run the suite", "Promote"]
        );
        assert_eq!(
            steps[0],
            NextStep::Chat {
                canary: "CANARY-support-agent".into(),
                canary_id: Some("agent-support-agent".into()),
                production: "support-agent".into()
            }
        );
        assert!(steps[2].why().contains("CANARY- canaries"));
        // Nothing changed: still an agent to chat with.
        let same = report(vec![agent("a", Action::Unchanged, None)], None);
        assert_eq!(
            labels(&next_steps(Mode::Canary, &same, "CANARY-"))[0],
            "Chat with CANARY-a"
        );
    }

    #[test]
    fn a_failed_run_offers_nothing_but_the_re_plan() {
        let r = report(vec![agent("a", Action::Create, Some("boom"))], None);
        for m in [Mode::Canary, Mode::Promote, Mode::Apply, Mode::Cleanup] {
            assert!(next_steps(m, &r, "CANARY-").is_empty(), "{m:?}");
        }
    }

    #[test]
    fn after_a_promote_clean_up_unless_done() {
        let ok = vec![agent("a", Action::Update, None)];
        let alone = next_steps(Mode::Promote, &report(ok.clone(), None), "QA-");
        assert_eq!(
            labels(&alone),
            ["Clean up the canaries", "See it in History"]
        );
        assert!(alone[0].why().contains("QA- canaries"));
        let cleaned = report(ok.clone(), Some(CleanupReport::Ran { deletions: vec![] }));
        assert_eq!(
            labels(&next_steps(Mode::Promote, &cleaned, "QA-")),
            ["See it in History", "Edit the fleet for the next version"]
        );
        let skipped = report(ok, Some(CleanupReport::Skipped { reason: "x".into() }));
        assert_eq!(
            labels(&next_steps(Mode::Promote, &skipped, "QA-"))[0],
            "Clean up the canaries"
        );
        let unfinished = report(
            vec![agent("a", Action::Update, None)],
            Some(CleanupReport::Ran {
                deletions: vec![crate::execute::DeletionResult {
                    kind: crate::plan::DeleteKind::Agent,
                    id: "agent-1".into(),
                    name: "QA-a".into(),
                    outcome: crate::execute::DeletionOutcome::Failed("500".into()),
                }],
            }),
        );
        assert_eq!(
            labels(&next_steps(Mode::Promote, &unfinished, "QA-"))[0],
            "Clean up the remaining canaries"
        );
    }

    #[test]
    fn after_apply_and_cleanup() {
        let r = report(vec![agent("a", Action::Create, None)], None);
        assert_eq!(
            labels(&next_steps(Mode::Apply, &r, "CANARY-")),
            ["See it in History", "Edit the fleet for the next version"]
        );
        assert_eq!(
            labels(&next_steps(Mode::Cleanup, &report(vec![], None), "CANARY-")),
            ["Edit the fleet for the next version"]
        );
    }
}
