//! `fleet-canary`: the canary engine (`canary-core`) from the command line, with lettactl's
//! canary command lines. The library part holds what other native code reuses: the reqwest
//! [`transport`] (the engine tests and benchmarks use it too), the connection from the
//! environment, and reading a fleet from disk.

pub mod args;
pub mod commands;
pub mod connection;
pub mod error;
pub mod fleet_dir;
pub mod progress;
pub mod transport;

pub use transport::NativeTransport;

use args::{Cli, Command, GetWhat};
use commands::Ctx;
use error::CliError;
use std::io::IsTerminal;

/// Runs a parsed command line and returns its exit status; errors are printed here (text on
/// stderr; with `--output json` also a JSON error document on stdout).
pub async fn run(cli: Cli) -> i32 {
    let ctx = Ctx {
        format: cli.output,
        progress: std::io::stderr().is_terminal() && !cli.quiet && !cli.no_spinner,
        quiet: cli.quiet,
        env: connection::Env::from_process(),
    };
    let result = match &cli.command {
        Command::Apply(a) => commands::apply::apply(&ctx, a).await,
        Command::Plan(p) => commands::apply::plan_cmd(&ctx, p).await,
        Command::Get {
            what:
                GetWhat::Agents {
                    name,
                    canary,
                    canary_prefix,
                    tags,
                },
        } => {
            commands::inspect::get_agents(
                &ctx,
                name.as_deref(),
                *canary,
                canary_prefix.as_deref(),
                tags.as_deref(),
            )
            .await
        }
        Command::Describe(d) => commands::inspect::describe_agent(&ctx, d).await,
        Command::Send(s) => commands::inspect::send(&ctx, s).await,
        Command::Test(t) => commands::test::test(&ctx, t).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            print_error(&ctx, &e);
            e.exit_code()
        }
    }
}

fn print_error(ctx: &Ctx, e: &CliError) {
    eprintln!("Error: {e}");
    let fresh = match e {
        CliError::Stale { fresh, .. } => Some(fresh),
        _ => None,
    };
    if let Some(p) = fresh {
        eprintln!(
            "\nThe plan as it is now:\n{}",
            canary_core::render::render_text(p)
        );
    }
    if ctx.json() {
        let mut doc = serde_json::json!({
            "ok": false,
            "error": {"kind": e.kind(), "code": e.exit_code(), "message": e.to_string()},
        });
        if let Some(p) = fresh {
            doc["plan"] = serde_json::to_value(p).unwrap_or_default();
        }
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
}
