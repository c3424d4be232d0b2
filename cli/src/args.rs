//! The command line. The canary command lines are lettactl's (same flags, same meaning), so a
//! script written for lettactl runs unchanged; `plan`, `apply --plan` and `test` are ours.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Environment:
  LETTA_BASE_URL     the Letta server, e.g. http://localhost:8283 or https://api.letta.com (required)
  LETTA_API_KEY      API key (required for Letta Cloud)
  LETTA_PROJECT      Letta Cloud project slug (sent as X-Project)
  LETTA_PROJECT_ID   Letta Cloud project id (sent as X-Project-Id)

Exit status:
  0  ok: the dry run or plan can run, or every step of the apply succeeded
  1  failed: a step or agent failed, the plan is blocked, a test gate failed, or the
     promote gate refused a promote (no passing test verdict; nothing written)
  2  bad input: bad arguments, an invalid fleet or plan file, an unknown agent; nothing written
  3  stale plan: the server changed since the plan was made; nothing written
  4  server unusable: unreachable, or it refused the API key
  (test: 0 when the suite passed, 1 when the gate failed)

Canary workflow:
  fleet-canary apply -f fleet.yaml --canary --dry-run     review what a canary deploy does
  fleet-canary apply -f fleet.yaml --canary               deploy CANARY- copies
  fleet-canary send CANARY-support \"hello\"                talk to a canary
  fleet-canary test -f fleet.yaml                         run tests/suite.yaml against the canaries
  fleet-canary apply -f fleet.yaml --canary --promote     apply the fleet to production (refused
                                                          unless `test` passed for this version)
  fleet-canary apply -f fleet.yaml --canary --promote --override-gate \"hotfix, checked by hand\"
                                                          promote anyway (the reason is recorded)
  fleet-canary apply -f fleet.yaml --canary --cleanup     delete the canaries
  fleet-canary plan -f fleet.yaml --canary --out plan.json; fleet-canary apply --plan plan.json";

/// Canary deployments of Letta agent fleets: lettactl's canary commands over the fleet-canary
/// engine (the web app's plan, safety rules and executor).
#[derive(Debug, Parser)]
#[command(name = "fleet-canary", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Output format: lettactl's text (table), or json for machines.
    #[arg(short = 'o', long, global = true, value_enum, default_value = "table")]
    pub output: Format,
    /// No progress output (for CI).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// No progress bar.
    #[arg(long = "no-spinner", global = true)]
    pub no_spinner: bool,
    /// Plain output (accepted for lettactl compatibility; the output is always plain).
    #[arg(long = "no-ux", global = true)]
    pub no_ux: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// lettactl's text output.
    #[value(alias = "text", alias = "wide")]
    Table,
    /// One JSON document on stdout.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Deploy, promote or clean up a fleet (lettactl's `apply`), or apply a plan file.
    Apply(ApplyArgs),
    /// Compute the plan and write it to a plan file for review (web app) or `apply --plan`.
    Plan(PlanArgs),
    /// Display resources.
    Get {
        /// What to list.
        #[command(subcommand)]
        what: GetWhat,
    },
    /// Show an agent in detail (with --canary: its canary, and how it differs from production).
    Describe(DescribeArgs),
    /// Send a message to an agent and print its reply.
    Send(SendArgs),
    /// Run the canary test suite against the canaries; exit 1 when the gate fails.
    Test(TestArgs),
}

/// The fleet and what to do with it: lettactl's apply flags.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// The fleet file; paths in it are relative to its folder.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Deploy canary copies of the agents (prefixed names, own memory).
    #[arg(long)]
    pub canary: bool,
    /// Canary prefix.
    #[arg(
        long = "canary-prefix",
        value_name = "PREFIX",
        default_value = "CANARY-"
    )]
    pub canary_prefix: String,
    /// Only agents whose name contains PATTERN (repeatable).
    #[arg(long = "agent", value_name = "PATTERN")]
    pub agents: Vec<String>,
    /// With --canary: apply the fleet to the production agents.
    #[arg(long)]
    pub promote: bool,
    /// With --canary: delete the canaries (after promoting, with --promote).
    #[arg(long)]
    pub cleanup: bool,
    /// Detach what the fleet no longer lists and remove undeclared secrets: blocks, tools,
    /// secrets, all (comma-separated; any of them prunes every kind).
    #[arg(long, value_name = "TARGETS")]
    pub prune: Option<String>,
    /// Canary deploy: allow updating a changed tool in place (it is shared with production).
    #[arg(long = "accept-tool-updates")]
    pub accept_tool_updates: bool,
    /// Cleanup: every canary of the prefix, not only this fleet's.
    #[arg(long = "all-canaries")]
    pub all_canaries: bool,
}

/// `apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The fleet and the mode.
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Show what would change; write nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Apply exactly this reviewed plan file; refused (exit 3) when the server changed since.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "canary", "promote", "cleanup", "prune", "agents", "accept_tool_updates", "all_canaries"])]
    pub plan: Option<PathBuf>,
    /// Promote without a passing test verdict: a promote is refused (exit 1, nothing
    /// written) unless `fleet-canary test` passed against the canaries for exactly this fleet
    /// version and prefix. This overrides that refusal; REASON is recorded on every promoted
    /// agent's metadata (fleetcanary.promoteOverride).
    #[arg(long = "override-gate", value_name = "REASON")]
    pub override_gate: Option<String>,
    /// Skip the --prune confirmation prompt.
    #[arg(long)]
    pub confirm: bool,
    /// Agents worked on at once.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub concurrency: usize,
}

/// `plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// The fleet and the mode.
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Write the plan file here (otherwise the plan file goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `get` resources.
#[derive(Debug, Subcommand)]
pub enum GetWhat {
    /// List agents.
    Agents {
        /// Only this agent.
        name: Option<String>,
        /// Only canaries (recognised by name and canary metadata).
        #[arg(long)]
        canary: bool,
        /// With --canary: only canaries of this prefix.
        #[arg(long = "canary-prefix", value_name = "PREFIX")]
        canary_prefix: Option<String>,
        /// Only agents with all these tags (comma-separated).
        #[arg(long)]
        tags: Option<String>,
    },
}

/// Resource kinds `describe` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Resource {
    /// An agent.
    #[value(alias = "agents")]
    Agent,
}

/// `describe`.
#[derive(Debug, Clone, Args)]
pub struct DescribeArgs {
    /// What kind of resource.
    #[arg(value_enum)]
    pub resource: Resource,
    /// Its (production) name.
    pub name: String,
    /// Describe the canary of this agent, beside its production agent.
    #[arg(long)]
    pub canary: bool,
    /// Canary prefix.
    #[arg(
        long = "canary-prefix",
        value_name = "PREFIX",
        default_value = "CANARY-"
    )]
    pub canary_prefix: String,
}

/// `send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// Agent name (a canary's full name, e.g. CANARY-support).
    pub agent: String,
    /// The message.
    pub message: String,
    /// Print the reply as it streams in.
    #[arg(long)]
    pub stream: bool,
}

/// `test`.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// The fleet file; the suite and its datasets are files of its folder.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: PathBuf,
    /// The suite, relative to the fleet's folder.
    #[arg(long, value_name = "PATH")]
    pub suite: Option<String>,
    /// Canary prefix of the canaries under test.
    #[arg(
        long = "canary-prefix",
        value_name = "PREFIX",
        default_value = "CANARY-"
    )]
    pub canary_prefix: String,
}
