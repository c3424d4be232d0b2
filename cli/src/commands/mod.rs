//! One module per group of commands; each returns the exit status of a command that ran to
//! its end (including "ran, and something failed"), or an error before any result exists.

pub mod apply;
pub mod gate;
pub mod inspect;
pub mod options;
pub mod report;
pub mod test;

use crate::args::Format;
use crate::connection::Env;

/// What every command needs: output settings and the environment.
pub struct Ctx {
    /// Text or JSON on stdout.
    pub format: Format,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// No notes on stderr.
    pub quiet: bool,
    /// Where the server is.
    pub env: Env,
}

impl Ctx {
    /// A note for the user on stderr (never on stdout, which carries results).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// Whether stdout carries JSON.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }
}

/// ISO-8601 UTC now, to the second (stamped into canary metadata and plan files).
pub fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
