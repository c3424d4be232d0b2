//! The `fleet-canary` binary: parse, run on a single-threaded runtime (the core's futures are
//! not `Send`, and concurrency comes from the executor's own fan-out), exit with the status.

use clap::Parser;

fn main() {
    let cli = match canary_cli::args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors; clap knows which is which.
            let code = if e.use_stderr() {
                canary_cli::error::exit::USAGE
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            std::process::exit(canary_cli::error::exit::FAILED);
        }
    };
    let code = runtime.block_on(canary_cli::run(cli));
    std::process::exit(code);
}
