//! `apply` (lettactl's canary command lines, and `--plan FILE`) and `plan --out FILE`.

use super::gate::{self, Cleared};
use super::options::{mode, parse_prune, plan_options, Prune};
use super::report::{print_plan, print_report};
use super::{now_iso, Ctx};
use crate::args::{ApplyArgs, FleetArgs, PlanArgs};
use crate::error::{exit, CliError};
use crate::fleet_dir::{read_fleet, resolve};
use crate::progress::{units, Bar};
use crate::transport::NativeTransport;
use canary_core::client::LettaClient;
use canary_core::execute::{execute, ExecOptions, Timestamp};
use canary_core::fleet::Fleet;
use canary_core::plan::vars::Vars;
use canary_core::plan::{Plan, PlanOptions};
use canary_core::planfile::{FleetSource, Freshness, PlanFile, PlanFileError};
use std::io::IsTerminal;
use std::path::Path;

/// A fleet read, checked and turned into options, before anything reaches the server.
struct Prepared {
    source: FleetSource,
    fleet: Fleet,
    options: PlanOptions,
    prune: Prune,
}

fn prepare(ctx: &Ctx, a: &FleetArgs, verb: &str) -> Result<Prepared, CliError> {
    let Some(file) = a.file.as_ref() else {
        return Err(CliError::Usage(format!(
            "{verb} needs the fleet: -f FILE{}",
            if verb == "apply" {
                " (or --plan FILE to apply a plan file)"
            } else {
                ""
            }
        )));
    };
    // Flags first: a wrong command line is reported before any file is read.
    let prune = parse_prune(a.prune.as_deref())?;
    mode(a)?;
    let disk = read_fleet(file)?;
    let (fleet, warnings) = resolve(&file.display().to_string(), &disk.source, &disk.skipped)?;
    for w in warnings {
        ctx.note(&format!("warning: {w}"));
    }
    let options = plan_options(a, &fleet, &prune)?;
    Ok(Prepared {
        source: disk.source,
        fleet,
        options,
        prune,
    })
}

/// Asks before a prune (lettactl does); a pipeline passes `--confirm`.
fn confirm_prune(file: &Path) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "--prune detaches objects; pass --confirm to do it without a prompt".into(),
        ));
    }
    eprint!(
        "--prune will DETACH blocks, tools, folders and archives and REMOVE secrets not present in {}.\nProceed? (y/N) ",
        file.display()
    );
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Usage("Aborted at prune confirmation".into()))
    }
}

/// `apply`.
pub async fn apply(ctx: &Ctx, a: &ApplyArgs) -> Result<i32, CliError> {
    if let Some(path) = &a.plan {
        return apply_plan_file(ctx, a, path).await;
    }
    let reason = a.override_gate.as_deref();
    gate::check_flag(mode(&a.fleet)?, reason)?;
    let p = prepare(ctx, &a.fleet, "apply")?;
    for n in &p.prune.notes {
        ctx.note(&format!("note: {n}"));
    }
    let client = ctx.env.client()?;
    // A promote the gate refuses stops here, before the prune prompt and any write.
    let cleared = gate::check(
        ctx,
        &client,
        p.options.mode,
        &p.fleet,
        &p.options.prefix,
        reason,
        a.dry_run,
    )
    .await?;
    if p.prune.detach && !a.dry_run && !a.confirm {
        if let Some(file) = &a.fleet.file {
            confirm_prune(file)?;
        }
    }
    // The read the executor's stale check makes too (narrow on a large server).
    let (_, planned) = client.plan_live(&p.fleet, &p.options).await?;
    if a.dry_run {
        return Ok(print_plan(ctx, &planned));
    }
    run(
        ctx,
        &client,
        &p.fleet,
        &planned,
        &p.options,
        a.concurrency,
        &cleared,
    )
    .await
}

/// `apply --plan FILE`: the file's fleet and options are planned again against the server as
/// it is now; only when that gives the reviewed plan (same fingerprint, same contents) does
/// the executor run it, and the executor checks once more right before it writes.
async fn apply_plan_file(ctx: &Ctx, a: &ApplyArgs, path: &Path) -> Result<i32, CliError> {
    let shown = path.display().to_string();
    let mut pf = read_plan_file(path)?;
    // Variables (`${VAR}` in MCP servers, secrets `from_env`) never travel in a plan file:
    // they come from this environment, and the re-plan shows whether they still give the
    // reviewed plan.
    pf.options.vars = environment_vars();
    let fleet = pf.load_fleet().map_err(|source| CliError::PlanFile {
        path: shown.clone(),
        source,
    })?;
    let reason = a.override_gate.as_deref();
    gate::check_flag(pf.options.mode, reason)?;
    let client = ctx.env.client()?;
    let here = client.connection().base_url.clone();
    if pf.server.trim_end_matches('/') != here {
        ctx.note(&format!(
            "note: {shown} was made against {}; applying to {here} (LETTA_BASE_URL). It runs only if this server gives the same plan",
            pf.server
        ));
    }
    let (_, fresh) = client.plan_live(&fleet, &pf.options).await?;
    match pf.freshness(&fresh) {
        Freshness::Current => {}
        Freshness::Stale => {
            return Err(CliError::Stale {
                message: format!(
                    "{shown}: the server changed since this plan was made ({}); nothing was written. Review the plan as it is now (below), make a new plan file and apply that",
                    pf.created_at
                ),
                fresh: Box::new(fresh),
            })
        }
        Freshness::Edited => {
            return Err(CliError::PlanFile {
                path: shown,
                source: PlanFileError::Invalid(
                    "its plan does not match its fingerprint (it was changed after it was made)"
                        .into(),
                ),
            })
        }
    }
    // A reviewed promote plan is gated like `apply --promote`: the review is not a test.
    let cleared = gate::check(
        ctx,
        &client,
        pf.options.mode,
        &fleet,
        &pf.options.prefix,
        reason,
        a.dry_run,
    )
    .await?;
    if a.dry_run {
        ctx.note(&format!(
            "{shown} is current: applying it now does exactly this"
        ));
        return Ok(print_plan(ctx, &pf.plan));
    }
    // The fresh plan is the file's plan in everything the file holds, plus the secret values
    // a file never carries.
    run(
        ctx,
        &client,
        &fleet,
        &fresh,
        &pf.options,
        a.concurrency,
        &cleared,
    )
    .await
}

/// The process environment as the planner's variables (names or values that are not Unicode
/// are left out: unset).
pub fn environment_vars() -> Vars {
    Vars::new(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
    )
}

fn read_plan_file(path: &Path) -> Result<PlanFile, CliError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Io {
        path: shown.clone(),
        message: format!("cannot read the plan file: {e}"),
    })?;
    PlanFile::from_json(&text).map_err(|source| CliError::PlanFile {
        path: shown,
        source,
    })
}

/// Runs a plan (with the executor's own staleness check), records a gate override on the
/// promoted agents, and prints the report.
async fn run(
    ctx: &Ctx,
    client: &LettaClient<NativeTransport>,
    fleet: &Fleet,
    planned: &Plan,
    options: &PlanOptions,
    concurrency: usize,
    cleared: &Cleared,
) -> Result<i32, CliError> {
    if !planned.is_executable() {
        return Err(CliError::Blocked(planned.blockers.clone()));
    }
    let bar = Bar::new(units(planned), ctx.progress);
    let now = Timestamp::parse(&now_iso()).map_err(|e| CliError::Failed(e.to_string()))?;
    let exec = ExecOptions {
        concurrency: concurrency.max(1),
        ..ExecOptions::new(now)
    };
    let result = execute(client, fleet, planned, options, &exec, &|e| bar.on(e)).await;
    bar.finish();
    let report = result?;
    gate::record(ctx, client, cleared, &report).await;
    print_report(ctx, planned, &report);
    Ok(if report.ok() { exit::OK } else { exit::FAILED })
}

/// `plan`: the plan file on stdout, or in `--out FILE` with the plan's text on stdout.
pub async fn plan_cmd(ctx: &Ctx, a: &PlanArgs) -> Result<i32, CliError> {
    let p = prepare(ctx, &a.fleet, "plan")?;
    for n in &p.prune.notes {
        ctx.note(&format!("note: {n}"));
    }
    let client = ctx.env.client()?;
    let (_, planned) = client.plan_live(&p.fleet, &p.options).await?;
    let blocked = !planned.is_executable();
    let file = PlanFile::new(
        planned,
        p.options,
        p.source,
        &client.connection().base_url,
        &now_iso(),
    );
    let text = file.to_json();
    match &a.out {
        Some(out) => {
            std::fs::write(out, &text).map_err(|e| CliError::Io {
                path: out.display().to_string(),
                message: format!("cannot write the plan file: {e}"),
            })?;
            if ctx.json() {
                print!("{text}");
            } else {
                print!("{}", canary_core::render::render_text(&file.plan));
            }
            ctx.note(&format!(
                "Plan written to {} (apply it with: fleet-canary apply --plan {})",
                out.display(),
                out.display()
            ));
        }
        None => print!("{text}"),
    }
    if blocked {
        ctx.note(&format!(
            "the plan cannot run: {}",
            file.plan.blockers.join("; ")
        ));
        return Ok(exit::FAILED);
    }
    Ok(exit::OK)
}
