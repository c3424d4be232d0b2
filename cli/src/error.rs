//! What can go wrong in a command, and the exit status each outcome gets. The statuses are
//! the CLI's contract with pipelines; `fleet-canary --help` and the README list them.

use canary_core::client::{ApiError, PlanLiveError};
use canary_core::execute::ExecError;
use canary_core::plan::{Plan, PlanError};
use canary_core::planfile::PlanFileError;

/// Exit statuses.
pub mod exit {
    /// Everything worked (a dry run or plan that can run; an apply where every step succeeded).
    pub const OK: i32 = 0;
    /// The work failed: a step or agent failed, the plan is blocked, the test gate failed, or
    /// the promote gate refused a promote (nothing written).
    pub const FAILED: i32 = 1;
    /// The command cannot run as given: bad arguments, an invalid fleet or plan file, an
    /// unknown agent. Nothing was written.
    pub const USAGE: i32 = 2;
    /// `apply --plan`: the server changed since the plan was made. Nothing was written.
    pub const STALE: i32 = 3;
    /// The server could not be used: unreachable, or it refused the API key. Nothing was
    /// written (or, mid-run, the report says what was).
    pub const SERVER: i32 = 4;
}

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or environment.
    #[error("{0}")]
    Usage(String),
    /// The fleet file or its folder cannot be used.
    #[error("{0}")]
    Fleet(String),
    /// The plan file cannot be used.
    #[error("{path}: {source}")]
    PlanFile {
        /// The file.
        path: String,
        /// Why.
        source: PlanFileError,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// An agent that is not on the server.
    #[error("{0}")]
    NotFound(String),
    /// The server changed since the plan was made; the plan as it is now travels along.
    #[error("{message}")]
    Stale {
        /// What happened and what to do.
        message: String,
        /// The plan as it is now.
        fresh: Box<Plan>,
    },
    /// The plan cannot run as it stands.
    #[error("the plan cannot run: {}", .0.join("; "))]
    Blocked(Vec<String>),
    /// The promote gate refused: no passing verdict for this fleet version and prefix.
    /// Nothing was written.
    #[error("promote refused by the test gate: {0}")]
    Gate(String),
    /// The run happened and something in it failed (the report was printed).
    #[error("{0}")]
    Failed(String),
    /// The server answered with an error, or did not answer.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The planner refused the options.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl CliError {
    /// The exit status for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_)
            | CliError::Fleet(_)
            | CliError::PlanFile { .. }
            | CliError::Io { .. }
            | CliError::NotFound(_)
            | CliError::Plan(_) => exit::USAGE,
            CliError::Stale { .. } => exit::STALE,
            CliError::Api(ApiError::Network { .. } | ApiError::Unauthorized { .. }) => exit::SERVER,
            CliError::Api(_) | CliError::Blocked(_) | CliError::Gate(_) | CliError::Failed(_) => {
                exit::FAILED
            }
        }
    }

    /// A short machine-readable name of the failure, for `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Fleet(_) => "fleet",
            CliError::PlanFile { .. } => "planFile",
            CliError::Io { .. } => "io",
            CliError::NotFound(_) => "notFound",
            CliError::Stale { .. } => "stale",
            CliError::Blocked(_) => "blocked",
            CliError::Gate(_) => "gate",
            CliError::Failed(_) => "failed",
            CliError::Api(ApiError::Network { .. }) => "unreachable",
            CliError::Api(ApiError::Unauthorized { .. }) => "unauthorized",
            CliError::Api(_) => "server",
            CliError::Plan(_) => "plan",
        }
    }
}

impl From<PlanLiveError> for CliError {
    fn from(e: PlanLiveError) -> Self {
        match e {
            PlanLiveError::Api(a) => CliError::Api(a),
            PlanLiveError::Plan(p) => CliError::Plan(p),
        }
    }
}

impl From<ExecError> for CliError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Stale(fresh) => CliError::Stale {
                message: "the server changed since this plan was made; nothing was written. Review the new plan and run again".into(),
                fresh,
            },
            ExecError::Blocked(b) => CliError::Blocked(b),
            ExecError::Api(a) => CliError::Api(a),
            ExecError::Plan(p) => CliError::Plan(p),
        }
    }
}
