//! What the plan view says around a plan: the production banner, the warning when the fleet
//! is not the one the canaries were deployed from, the order agents are reviewed in, and the
//! in-place explanations of the plan's terms. Kept here, beside [`crate::render`], so the page
//! and the command line word a plan the same way and the views only draw.

use crate::plan::{Action, AgentPlan, Mode, Plan};

mod convergence;
mod count;
mod next_steps;
pub use convergence::Convergence;
pub use count::{count, count_as, pick};
pub use next_steps::{next_steps, NextStep};

/// What "Prune" does, for the help next to the option.
pub const HELP_PRUNE: &str = "Prune removes what the fleet file no longer lists: tools, blocks \
and folders attached to an agent on the server but absent from its YAML are detached. Without \
it, extra attachments are left alone. Nothing is deleted from the server.";

/// What "(drift)" means in the plan's summary.
pub const HELP_DRIFT: &str = "Drift: the agent on the server no longer matches the fleet file \
(someone edited it, or the file changed). \"To update\" counts the agents whose fields will be \
written back to what the file says.";

/// What a "shared block: other block → shared" change means.
pub const HELP_SHARED_BLOCK: &str = "The agent has a block with this label, but not the fleet's \
shared block: the plan detaches the agent's own block and attaches the shared one (or, for a \
canary, its canary copy). The detached block itself is not deleted.";

/// The help text for a change row, when its wording needs one: the shared-block swap.
pub fn change_help(field: &str, old: Option<&str>) -> Option<&'static str> {
    (field.starts_with("shared block ") && old == Some("other block")).then_some(HELP_SHARED_BLOCK)
}

fn rank(a: Action) -> u8 {
    match a {
        Action::Blocked => 0,
        Action::Update => 1,
        Action::Create => 2,
        Action::Unchanged => 3,
    }
}

/// The agents in the order a reviewer reads them: blocked, then updated, then created, then
/// unchanged; the fleet's order within each group. An update among dozens of unchanged agents
/// must not be hidden in the middle of the list.
pub fn review_order(agents: &[AgentPlan]) -> Vec<&AgentPlan> {
    review_positions(agents)
        .into_iter()
        .map(|i| &agents[i])
        .collect()
}

/// [`review_order`] as positions in `agents`: a view that draws the first cards now and the
/// rest on request keeps the order without holding borrows of the plan.
pub fn review_positions(agents: &[AgentPlan]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..agents.len()).collect();
    v.sort_by_key(|&i| rank(agents[i].action));
    v
}

/// The banner of a plan that writes to production (promote, production apply); `None` for
/// canary deploys and cleanups, which never touch production agents.
pub fn production_banner(plan: &Plan) -> Option<String> {
    let live = live_writes(plan.summary.create, plan.summary.update);
    match plan.mode {
        Mode::Promote => Some(format!(
            "PRODUCTION — promote: this plan writes the fleet to the live agents your users talk \
             to ({live}), not to canaries.{}",
            if plan.cleanup_follows() {
                " Then it deletes the canaries."
            } else {
                ""
            }
        )),
        Mode::Apply => Some(format!(
            "PRODUCTION — apply: this plan writes the fleet straight to the live agents your \
             users talk to ({live}), without canaries."
        )),
        Mode::Canary | Mode::Cleanup => None,
    }
}

/// "1 agent updated", "2 agents created, 1 updated", "no agent changed": what the banner's
/// plan does to live agents, naming only the parts it has.
fn live_writes(created: usize, updated: usize) -> String {
    match (created, updated) {
        (0, 0) => "no agent changed".to_string(),
        (c, 0) => format!("{} created", count(c, "agent")),
        (0, u) => format!("{} updated", count(u, "agent")),
        (c, u) => format!("{} created, {u} updated", count(c, "agent")),
    }
}

/// `1 side ran again after a server fault` (`2 sides ran …`); `None` when no side did. The
/// totals line and the verdict's detail both end with it.
pub fn retried_sides(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{} again after a server fault",
            count_as(n, "side ran", "sides ran")
        )
    })
}

/// An ISO-8601 UTC time to the minute (`2026-12-02T14:16:02.296Z` → `2026-12-02 14:16 UTC`);
/// anything else as it is (a time written by another tool stays as it was).
pub fn readable_time(at: &str) -> String {
    readable_to(at, 16)
}

/// The same to the second (`2026-12-02 14:16:02 UTC`), where entries minutes apart must be
/// told apart (History).
pub fn readable_time_to_second(at: &str) -> String {
    readable_to(at, 19)
}

/// `at` up to byte `end` (16: minutes, 19: seconds) with a space for the `T` and a `UTC`.
fn readable_to(at: &str, end: usize) -> String {
    let b = at.as_bytes();
    let shaped = b.len() > end
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && (end < 19 || b[16] == b':')
        && at.ends_with('Z')
        && at.is_char_boundary(end);
    if shaped {
        format!("{} {} UTC", &at[..10], &at[11..end])
    } else {
        at.to_string()
    }
}

/// The warning when the fleet about to be promoted differs from the one the canaries of
/// `prefix` were deployed from (at `deployed_at`): what production gets was never tested.
pub fn deployed_version_warning(prefix: &str, deployed_at: &str) -> String {
    format!(
        "This fleet differs from the version the {prefix} canaries were deployed from \
         ({}): promoting it puts changes into production that the canaries never \
         ran. Deploy the canaries again and test them, or promote the deployed version.",
        readable_time(deployed_at)
    )
}

/// Said when no deployment of the canaries is on record here (deployed elsewhere, or the
/// history was cleared), so the reviewer knows the check could not be made.
pub fn deployed_version_unknown(prefix: &str) -> String {
    format!(
        "No canary deploy with prefix {prefix} is recorded in this browser's history, so it \
         cannot be checked that this is the fleet the canaries run."
    )
}

/// What a cleanup of chosen canaries covers: their prefix, and the production agents whose
/// canaries go (`None`: every canary of the prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupScope {
    /// The canaries' prefix.
    pub prefix: String,
    /// Production names to clean up; `None` for the whole prefix.
    pub agents: Option<Vec<String>>,
}

/// Turns canaries chosen in a list, as `(prefix, production name)`, into a cleanup's scope, or
/// says in a sentence why it cannot be one. A cleanup covers one prefix; choosing every canary
/// of it (`canaries_of_prefix` counts them) is the whole prefix, otherwise the cleanup is
/// scoped through the page's fleet (`fleet_agents`), so each chosen canary's production agent
/// must be in it — never a wider cleanup than what was chosen.
pub fn bulk_cleanup(
    picked: &[(&str, &str)],
    fleet_agents: &[String],
    canaries_of_prefix: impl Fn(&str) -> usize,
) -> Result<CleanupScope, String> {
    let Some((prefix, _)) = picked.first() else {
        return Err("Select the canaries to clean up first.".into());
    };
    if let Some((other, _)) = picked.iter().find(|(p, _)| p != prefix) {
        return Err(format!(
            "A cleanup covers one prefix: the selection mixes {prefix} and {other}. Select the \
             canaries of one prefix."
        ));
    }
    if picked.len() == canaries_of_prefix(prefix) {
        return Ok(CleanupScope {
            prefix: prefix.to_string(),
            agents: None,
        });
    }
    let mut agents: Vec<String> = picked.iter().map(|(_, n)| n.to_string()).collect();
    agents.sort();
    agents.dedup();
    let missing: Vec<&str> = agents
        .iter()
        .filter(|n| !fleet_agents.contains(n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "Only part of prefix {prefix} is selected, and {} not in the page's fleet: a partial \
             cleanup is scoped through the fleet's agents. Load the fleet these canaries come \
             from, or select every canary of {prefix}.",
            match missing.as_slice() {
                [one] => format!("{one} is"),
                many => format!("{} are", many.join(", ")),
            }
        ));
    }
    Ok(CleanupScope {
        prefix: prefix.to_string(),
        agents: Some(agents),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_to_the_minute_or_the_second() {
        let at = "2026-12-02T14:16:02.296Z";
        assert_eq!(readable_time(at), "2026-12-02 14:16 UTC");
        assert_eq!(readable_time_to_second(at), "2026-12-02 14:16:02 UTC");
        assert_eq!(
            readable_time_to_second("2026-12-02T14:16:02Z"),
            "2026-12-02 14:16:02 UTC"
        );
        // Not ours: as written.
        for other in [
            "2026-12-02 14:16",
            "yesterday",
            "2026-12-02T14:16+01:00",
            "2026-12-02T14:16Z",
            "",
        ] {
            assert_eq!(readable_time_to_second(other), other);
        }
        // A time to the minute reads to the minute, not to the second.
        assert_eq!(readable_time("2026-12-02T14:16Z"), "2026-12-02 14:16 UTC");
    }

    fn agent(name: &str, action: Action) -> AgentPlan {
        AgentPlan {
            production_name: name.into(),
            name: name.into(),
            action,
            id: None,
            changes: vec![],
            unchanged: vec![],
            steps: vec![],
        }
    }

    #[test]
    fn changed_agents_come_first_in_fleet_order() {
        let agents = vec![
            agent("a", Action::Unchanged),
            agent("b", Action::Create),
            agent("c", Action::Update),
            agent("d", Action::Unchanged),
            agent("e", Action::Update),
            agent("f", Action::Blocked),
        ];
        let order: Vec<_> = review_order(&agents)
            .into_iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(order, ["f", "c", "e", "b", "a", "d"]);
    }

    #[test]
    fn bulk_cleanup_is_never_wider_than_the_selection() {
        let fleet = vec!["a".to_string(), "b".to_string()];
        let three = |_: &str| 3;
        let whole = bulk_cleanup(&[("X-", "a"), ("X-", "b"), ("X-", "z")], &fleet, three);
        assert_eq!(
            whole.map(|s| s.agents),
            Ok(None),
            "every canary chosen: the prefix"
        );
        let part = bulk_cleanup(&[("X-", "b"), ("X-", "a")], &fleet, three);
        assert_eq!(
            part,
            Ok(CleanupScope {
                prefix: "X-".into(),
                agents: Some(vec!["a".into(), "b".into()])
            })
        );
        let outside = bulk_cleanup(&[("X-", "z")], &fleet, three).unwrap_err();
        assert!(
            outside.contains("z is not in the page's fleet"),
            "{outside}"
        );
        let mixed = bulk_cleanup(&[("X-", "a"), ("Y-", "a")], &fleet, three).unwrap_err();
        assert!(mixed.contains("one prefix"), "{mixed}");
        assert!(bulk_cleanup(&[], &fleet, three).is_err());
    }

    #[test]
    fn shared_block_swap_has_help() {
        assert!(change_help("shared block policies", Some("other block")).is_some());
        assert!(change_help("shared block policies", None).is_none());
        assert!(change_help("system_prompt", Some("other block")).is_none());
    }

    #[test]
    fn the_banner_names_only_the_live_writes_it_has() {
        assert_eq!(live_writes(0, 1), "1 agent updated");
        assert_eq!(live_writes(2, 0), "2 agents created");
        assert_eq!(live_writes(2, 1), "2 agents created, 1 updated");
        assert_eq!(live_writes(0, 0), "no agent changed");
    }
}
