//! `plan(fleet, live, options)`: the one pure function behind every preview and every run.
//! It validates the options, then asks each object kind's reconciler (`reconcile/`) for its
//! part, in dependency order: shared blocks, folders, tools, archives, agents, cleanup.

use super::reconcile::{self, Ctx, Phase1};
use super::*;
use crate::canary::{Prefix, PrefixError};
use crate::fleet::{AgentSpec, Fleet};
use crate::live::LiveState;

/// Why no plan can be made at all (as opposed to a plan with blockers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The prefix is unusable.
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    /// The agent filter names an agent that is not in the fleet.
    #[error(
        "agent '{0}' is not in the fleet; the filter takes production names from the fleet file"
    )]
    UnknownAgent(String),
}

/// The blocker of a plan made without reading a server.
pub const NOT_READ: &str = "the server was not read: this is a preview against an empty server (every agent and object is new; Letta's built-in tools are assumed present) and cannot be executed; connect to a server and plan again";

/// Computes the plan. Pure: the same inputs give the same plan, byte for byte.
pub fn plan(fleet: &Fleet, live: &LiveState, opts: &PlanOptions) -> Result<Plan, PlanError> {
    let prefix = Prefix::new(&opts.prefix)?;
    let selected: Vec<&AgentSpec> = match &opts.agents {
        None => fleet.agents.iter().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                fleet
                    .agent(n)
                    .ok_or_else(|| PlanError::UnknownAgent(n.clone()))
            })
            .collect::<Result<_, _>>()?,
    };
    if opts.mode.is_canary() || opts.cleanup_after {
        for a in &selected {
            prefix.canary_name(&a.name)?;
        }
    }
    let ctx = Ctx {
        fleet,
        live,
        opts,
        prefix,
        selected,
        users: live.block_users(),
        ix: reconcile::Index::new(live),
    };
    let mut phase1 = Phase1::default();
    let mut agents = Vec::new();
    if opts.mode != Mode::Cleanup {
        reconcile::shared_blocks::reconcile(&ctx, &mut phase1);
        reconcile::folders::reconcile(&ctx, &mut phase1);
        reconcile::tools::reconcile(&ctx, &mut phase1);
        reconcile::mcp::reconcile(&ctx, &mut phase1);
        reconcile::archives::reconcile(&ctx, &mut phase1);
        let mut blockers = Vec::new();
        agents = reconcile::agents::reconcile(&ctx, &phase1, &mut blockers);
        phase1.blockers.extend(blockers);
    }
    if live.not_read {
        phase1.blockers.insert(0, NOT_READ.to_string());
    }
    let cleanup = match opts.mode {
        Mode::Cleanup => Some(reconcile::cleanup::reconcile(&ctx)),
        Mode::Promote if opts.cleanup_after => Some(reconcile::cleanup::reconcile(&ctx)),
        _ => None,
    };
    let summary = summarise(&agents, &phase1.steps, cleanup.as_ref());
    let mut out = Plan {
        mode: opts.mode,
        prefix: (opts.mode.is_canary() || cleanup.is_some())
            .then(|| ctx.prefix.as_str().to_string()),
        fleet_steps: phase1.steps,
        agents,
        production_impact: phase1.impact,
        cleanup,
        blockers: phase1.blockers,
        summary,
        fingerprint: String::new(),
    };
    // The hash of the plan's JSON, hashed as it is written (never built whole). Every plan
    // type serialises (a test in tests/plan_cases.rs holds us to it); should that ever
    // break, the error text still differs from any real plan's JSON.
    let mut h = Fnv::default();
    out.fingerprint = match serde_json::to_writer(&mut h, &out) {
        Ok(()) => h.hex(),
        Err(e) => fingerprint(format!("unserialisable plan: {e} {out:?}").as_bytes()),
    };
    Ok(out)
}

fn summarise(
    agents: &[AgentPlan],
    fleet_steps: &[FleetStep],
    cleanup: Option<&CleanupPhase>,
) -> Summary {
    let mut s = Summary::default();
    for a in agents {
        match a.action {
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Unchanged => s.unchanged += 1,
            Action::Blocked => s.blocked += 1,
        }
    }
    s.delete = cleanup.map_or(0, |c| c.deletions.len());
    s.fleet_steps = fleet_steps.len();
    s.total_changes = s.create
        + agents
            .iter()
            .filter(|a| a.action == Action::Update)
            .map(|a| a.changes.len())
            .sum::<usize>()
        + s.fleet_steps
        + s.delete;
    s
}
