//! `test`: runs the canary test suite against the deployed canaries (and production beside
//! them), stores the verdict on the canaries for the promote gate, and exits 1 when it fails.

use super::{now_iso, Ctx};
use crate::args::TestArgs;
use crate::error::{exit, CliError};
use crate::fleet_dir::{read_fleet, resolve};
use canary_core::canary::Prefix;
use canary_core::verdict::{
    parse_suite, plan_suite, report, run_plan, store_verdict, RunOptions, RunProgress,
    DEFAULT_SUITE_PATH,
};
use indicatif::{ProgressBar, ProgressDrawTarget};

/// `test -f fleet.yaml [--suite FILE] [--canary-prefix P]`.
pub async fn test(ctx: &Ctx, a: &TestArgs) -> Result<i32, CliError> {
    let prefix = Prefix::new(&a.canary_prefix).map_err(|e| CliError::Usage(e.to_string()))?;
    let disk = read_fleet(&a.file)?;
    let shown = a.file.display().to_string();
    let (fleet, warnings) = resolve(&shown, &disk.source, &disk.skipped)?;
    for w in warnings {
        ctx.note(&format!("warning: {w}"));
    }
    // The suite is a file of the fleet's folder (its datasets are too), named relative to it.
    let suite_path = a
        .suite
        .clone()
        .unwrap_or_else(|| DEFAULT_SUITE_PATH.to_string());
    let Some(yaml) = disk.source.files.text(&suite_path) else {
        return Err(CliError::Usage(format!(
            "no test suite '{suite_path}' in the fleet's folder; write one there or pass --suite PATH (relative to the fleet's folder)"
        )));
    };
    let parsed = parse_suite(&suite_path, yaml, Some(&fleet), &disk.source.files);
    let Some(suite) = parsed.suite.filter(|_| parsed.ok) else {
        let mut msg = format!(
            "{suite_path} has {}:",
            canary_core::wording::count(parsed.errors.len(), "error")
        );
        for d in &parsed.errors {
            msg.push_str(&format!("\n  {d}"));
        }
        return Err(CliError::Fleet(msg));
    };
    let client = ctx.env.client()?;
    // The canaries of the prefix and the fleet's production agents, not every agent.
    let live = client.read_suite_agents(&fleet, &prefix).await?;
    let planned = plan_suite(&suite, &fleet, &live, &prefix);
    if !planned.blockers.is_empty() {
        return Err(CliError::Blocked(planned.blockers.clone()));
    }
    let bar = ProgressBar::with_draw_target(
        Some(planned.cases.len() as u64),
        if ctx.progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64() * 1000.0;
    let opts = RunOptions {
        now: now_iso(),
        clock: &clock,
        keep_canary_conversations: false,
    };
    let run = run_plan(&client, &planned, &opts, &|e| {
        if let RunProgress::CaseDone { case, .. } = e {
            bar.set_message(case);
            bar.inc(1);
        }
    })
    .await;
    bar.finish_and_clear();
    let canaries: Vec<String> = planned
        .cases
        .iter()
        .map(|c| c.target.canary_id.clone())
        .collect();
    for e in store_verdict(&client, &run.verdict, &canaries).await {
        ctx.note(&format!("warning: {e}"));
    }
    if ctx.json() {
        println!("{}", report::to_json(&run));
    } else {
        print!("{}", report::to_markdown(&run));
    }
    Ok(if run.verdict.ok {
        exit::OK
    } else {
        ctx.note(&format!(
            "the canary test gate failed: {}",
            run.verdict.summary()
        ));
        exit::FAILED
    })
}
