//! The check that follows a run: the fleet planned again against the server, which proves
//! the run converged (every agent unchanged, a re-run writes nothing). The run's report is
//! complete before the check starts, so whatever the check finds — or fails to find — is a
//! note below the report, never in its place.

use crate::plan::Plan;

/// Where the check after a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Convergence {
    /// Reading the server and planning again.
    Checking,
    /// The re-plan is all unchanged: a re-run would write nothing.
    Converged,
    /// The re-plan still has work (a step failed, or the server changed meanwhile): its
    /// counts, to say what is left.
    Differs {
        /// Agents to create.
        create: usize,
        /// Agents to update.
        update: usize,
        /// Shared-object steps.
        fleet_steps: usize,
        /// Objects to delete.
        delete: usize,
        /// Blocked agents.
        blocked: usize,
    },
    /// The re-plan could not be made (the server could not be read): why.
    Failed(String),
}

impl Convergence {
    /// What the re-plan says about the run.
    pub fn of(fresh: &Plan) -> Convergence {
        if fresh.is_noop() {
            return Convergence::Converged;
        }
        let s = &fresh.summary;
        Convergence::Differs {
            create: s.create,
            update: s.update,
            fleet_steps: s.fleet_steps,
            delete: s.delete,
            blocked: s.blocked,
        }
    }

    /// Whether the check failed (the page then offers to retry it).
    pub fn failed(&self) -> bool {
        matches!(self, Convergence::Failed(_))
    }

    /// The note under the run's report.
    pub fn message(&self) -> String {
        match self {
            Convergence::Checking => {
                "Checking that the server now matches the fleet (planning again)…".into()
            }
            Convergence::Converged => {
                "The server now matches the fleet: a re-run would write nothing.".into()
            }
            Convergence::Differs {
                create,
                update,
                fleet_steps,
                delete,
                blocked,
            } => {
                let parts: Vec<String> = [
                    (*create, "to create"),
                    (*update, "to update"),
                    (*fleet_steps, "shared-object step"),
                    (*delete, "to delete"),
                    (*blocked, "blocked"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|&(n, what)| match what {
                    "shared-object step" => super::count(n, what),
                    _ => format!("{n} {what}"),
                })
                .collect();
                format!(
                    "The server does not match the fleet yet: planning again still finds {}. Review that plan in the Plan view; running it again converges.",
                    parts.join(", ")
                )
            }
            Convergence::Failed(e) => format!(
                "The run's report above is complete, but the check that the server now matches the fleet failed: planning again could not read the server ({e}). Retry the check, or re-plan later."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{load_fleet, FileSet};
    use crate::live::LiveState;
    use crate::plan::{plan, PlanOptions};

    #[test]
    fn a_plan_with_work_says_what_is_left_and_a_failure_keeps_the_report() {
        let yaml = "agents:\n  - name: a\n    description: d\n    system_prompt: {value: p}\n    llm_config: {model: x/y, context_window: 2000}\n    tools: []\n";
        let fleet = load_fleet(yaml, &FileSet::new()).fleet.expect("fleet");
        let fresh = plan(&fleet, &LiveState::default(), &PlanOptions::default()).expect("plan");
        let c = Convergence::of(&fresh);
        assert!(matches!(c, Convergence::Differs { create: 1, .. }), "{c:?}");
        assert!(c.message().contains("1 to create"), "{}", c.message());
        assert!(!c.message().contains("to update"));
        let f = Convergence::Failed("network error".into());
        assert!(f.failed());
        assert!(f.message().contains("report above is complete"));
        assert!(f.message().contains("network error"));
    }
}
