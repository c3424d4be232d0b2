//! What `apply` prints: the plan (dry run, in lettactl's dry-run format from the core's
//! renderer), and after a run one line per step and lettactl's apply summary.

use super::Ctx;
use crate::error::exit;
use canary_core::execute::{CleanupReport, DeletionOutcome, ExecReport, StepResult};
use canary_core::plan::{Action, Mode, Plan};
use canary_core::render::render_text;
use serde_json::json;

/// Prints a plan; the exit status says whether it can run.
pub fn print_plan(ctx: &Ctx, plan: &Plan) -> i32 {
    if ctx.json() {
        println!("{}", serde_json::to_string_pretty(plan).unwrap_or_default());
    } else {
        print!("{}", render_text(plan));
    }
    if plan.is_executable() {
        exit::OK
    } else {
        ctx.note(&format!(
            "the plan cannot run: {}",
            plan.blockers.join("; ")
        ));
        exit::FAILED
    }
}

fn step_line(out: &mut String, s: &StepResult) {
    match &s.error {
        None => out.push_str(&format!("OK   {}\n", s.label)),
        Some(e) => out.push_str(&format!("FAIL {}: {e}\n", s.label)),
    }
}

fn report_lines(out: &mut String, r: &ExecReport) {
    for s in &r.fleet {
        step_line(out, s);
    }
    for a in &r.agents {
        let what = match a.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Unchanged => "unchanged",
            Action::Blocked => "blocked",
        };
        match &a.error {
            None => out.push_str(&format!("OK   {} ({what})\n", a.name)),
            Some(e) => out.push_str(&format!("FAIL {}: {e}\n", a.name)),
        }
        for w in &a.warnings {
            out.push_str(&format!("     warning: {w}\n"));
        }
    }
}

fn cleanup_lines(out: &mut String, c: &CleanupReport) {
    match c {
        CleanupReport::Ran { deletions } => {
            for d in deletions {
                match &d.outcome {
                    DeletionOutcome::Deleted => {
                        out.push_str(&format!("OK   Deleted {} {}\n", d.kind, d.name))
                    }
                    DeletionOutcome::AlreadyGone => {
                        out.push_str(&format!("OK   {} {} was already gone\n", d.kind, d.name))
                    }
                    DeletionOutcome::Failed(e) => {
                        out.push_str(&format!("FAIL delete {} {}: {e}\n", d.kind, d.name))
                    }
                    DeletionOutcome::Skipped(e) => {
                        out.push_str(&format!("SKIP delete {} {}: {e}\n", d.kind, d.name))
                    }
                }
            }
        }
        CleanupReport::Skipped { reason } => out.push_str(&format!("Cleanup skipped: {reason}\n")),
    }
}

/// The report of a run: JSON (`{ok, plan, report}`), or one line per step and a summary.
pub fn print_report(ctx: &Ctx, plan: &Plan, report: &ExecReport) {
    if ctx.json() {
        let doc = json!({"ok": report.ok(), "plan": plan, "report": report});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    let mut out = String::new();
    report_lines(&mut out, report);
    if let Some(c) = &report.cleanup {
        if plan.mode != Mode::Cleanup {
            out.push_str("\nCleanup:\n");
        }
        cleanup_lines(&mut out, c);
    }
    out.push('\n');
    out.push_str(&summary(plan, report));
    print!("{out}");
}

/// lettactl's plain apply summary; for a cleanup, what was deleted.
fn summary(plan: &Plan, report: &ExecReport) -> String {
    let fleet_failed = report.fleet.iter().filter(|s| s.error.is_some()).count();
    if plan.mode == Mode::Cleanup {
        let failed = report.deletions().iter().filter(|d| !d.gone()).count();
        let deleted = report.deletions().len() - failed;
        return if failed == 0 {
            format!(
                "Cleanup completed: {} deleted\n",
                canary_core::wording::count(deleted, "object")
            )
        } else {
            format!(
                "Cleanup completed with errors: {} deleted, {failed} failed\n",
                canary_core::wording::count(deleted, "object")
            )
        };
    }
    let failed: Vec<(&str, &str)> = report
        .agents
        .iter()
        .filter_map(|a| a.error.as_deref().map(|e| (a.name.as_str(), e)))
        .collect();
    let unchanged = plan
        .agents
        .iter()
        .filter(|a| a.action == Action::Unchanged)
        .count();
    let succeeded = report
        .agents
        .iter()
        .filter(|a| a.error.is_none() && matches!(a.action, Action::Create | Action::Update))
        .count();
    let total = plan.agents.len();
    let mut s = String::new();
    if !failed.is_empty() || fleet_failed > 0 {
        s.push_str("Apply completed with errors:\n");
        s.push_str(&format!("  Succeeded: {succeeded}/{total} agents\n"));
        s.push_str(&format!("  Failed: {}/{total} agents\n", failed.len()));
        if unchanged > 0 {
            s.push_str(&format!("  Unchanged: {unchanged}/{total} agents\n"));
        }
        if fleet_failed > 0 {
            s.push_str(&format!("  Shared objects failed: {fleet_failed}\n"));
        }
        s.push_str("\nFailures:\n");
        for f in &report.fleet {
            if let Some(e) = &f.error {
                s.push_str(&format!("  - {}: {e}\n", f.label));
            }
        }
        for (name, e) in failed {
            s.push_str(&format!("  - {name}: {e}\n"));
        }
    } else if succeeded > 0 {
        s.push_str(&format!(
            "Apply completed: {succeeded} applied, {unchanged} unchanged\n"
        ));
    } else {
        s.push_str(&format!(
            "Apply completed: all {unchanged} agents already up to date\n"
        ));
    }
    s
}
