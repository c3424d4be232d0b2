//! lettactl's apply flags → the planner's options, with lettactl's rules and messages
//! (`--promote requires --canary flag`, prune targets checked before anything is read).

use crate::args::FleetArgs;
use crate::error::CliError;
use canary_core::fleet::Fleet;
use canary_core::plan::{Mode, PlanOptions};

/// lettactl's `--prune` targets.
const PRUNE_TARGETS: &[&str] = &["blocks", "tools", "secrets", "agents", "all"];

/// What `--prune` asks for, as far as this tool acts on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prune {
    /// Detach what the fleet no longer lists.
    pub detach: bool,
    /// Notes for stderr: targets this tool treats differently from lettactl.
    pub notes: Vec<String>,
}

/// Parses a `--prune` value. Unknown or empty targets are errors (a typo must not prune
/// the wrong thing); `agents` is refused because this tool never deletes production agents.
pub fn parse_prune(raw: Option<&str>) -> Result<Prune, CliError> {
    let Some(raw) = raw else {
        return Ok(Prune::default());
    };
    let parts: Vec<String> = raw
        .split(',')
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(CliError::Usage(format!(
            "--prune requires at least one target: {}",
            PRUNE_TARGETS.join(", ")
        )));
    }
    let unknown: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !PRUNE_TARGETS.contains(p))
        .collect();
    if !unknown.is_empty() {
        return Err(CliError::Usage(format!(
            "Unknown --prune {}: {}. Valid: {}",
            canary_core::wording::pick(unknown.len(), "target", "targets"),
            unknown.join(", "),
            PRUNE_TARGETS.join(", ")
        )));
    }
    let has = |t: &str| parts.iter().any(|p| p == t);
    if has("agents") {
        return Err(CliError::Usage(
            "--prune agents is not supported: fleet-canary never deletes agents the fleet does not list; delete them explicitly (lettactl delete agent NAME)".into(),
        ));
    }
    let mut notes = Vec::new();
    if has("all") {
        notes.push("--prune all: agents the fleet does not list are kept (fleet-canary never deletes them)".into());
    }
    // The planner has one prune switch for every kind: any target turns it on.
    let detach = has("blocks") || has("tools") || has("secrets") || has("all");
    if detach {
        notes.push("fleet-canary's prune detaches every block, tool, folder and archive the fleet no longer lists and removes undeclared secrets (never one in preserve_secrets); it deletes no block, tool, folder or archive".into());
    }
    Ok(Prune { detach, notes })
}

/// The mode lettactl's flags select.
pub fn mode(a: &FleetArgs) -> Result<Mode, CliError> {
    if a.promote && !a.canary {
        return Err(CliError::Usage("--promote requires --canary flag".into()));
    }
    if a.cleanup && !a.canary {
        return Err(CliError::Usage("--cleanup requires --canary flag".into()));
    }
    Ok(match (a.canary, a.promote, a.cleanup) {
        (false, _, _) => Mode::Apply,
        (true, true, _) => Mode::Promote,
        (true, false, true) => Mode::Cleanup,
        (true, false, false) => Mode::Canary,
    })
}

/// `--agent` patterns → the fleet's agent names. Like lettactl, a pattern selects every agent
/// whose name contains it; a pattern that selects nothing is an error, not an empty deploy.
pub fn agent_filter(patterns: &[String], fleet: &Fleet) -> Result<Option<Vec<String>>, CliError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for p in patterns {
        if !fleet.agents.iter().any(|a| a.name.contains(p.as_str())) {
            let names: Vec<&str> = fleet.agents.iter().map(|a| a.name.as_str()).collect();
            return Err(CliError::Usage(format!(
                "--agent '{p}' matches no agent in the fleet; its agents are: {}",
                names.join(", ")
            )));
        }
    }
    Ok(Some(
        fleet
            .agents
            .iter()
            .filter(|a| patterns.iter().any(|p| a.name.contains(p.as_str())))
            .map(|a| a.name.clone())
            .collect(),
    ))
}

/// The planner's options for these flags and this fleet.
pub fn plan_options(a: &FleetArgs, fleet: &Fleet, prune: &Prune) -> Result<PlanOptions, CliError> {
    let mode = mode(a)?;
    Ok(PlanOptions {
        mode,
        prefix: a.canary_prefix.clone(),
        agents: agent_filter(&a.agents, fleet)?,
        prune: prune.detach,
        accept_tool_updates: a.accept_tool_updates,
        all_canaries: a.all_canaries,
        cleanup_after: mode == Mode::Promote && a.cleanup,
        // `${VAR}` in MCP server definitions come from the environment, as in lettactl
        // (variables whose name or value is not Unicode are left out: unset, so empty).
        vars: super::apply::environment_vars(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_targets_are_checked() {
        assert_eq!(parse_prune(None).ok(), Some(Prune::default()));
        assert!(parse_prune(Some("blocks,tools")).is_ok_and(|p| p.detach));
        assert!(
            matches!(parse_prune(Some("blokcs")), Err(CliError::Usage(m)) if m.contains("blokcs"))
        );
        assert!(matches!(parse_prune(Some(" , ")), Err(CliError::Usage(_))));
        assert!(matches!(
            parse_prune(Some("agents")),
            Err(CliError::Usage(_))
        ));
        assert!(parse_prune(Some("secrets")).is_ok_and(|p| p.detach && !p.notes.is_empty()));
    }
}
