//! The promote gate on the command line: the decision the web app's plan view makes
//! ([`canary_core::verdict::gate`]) from the latest verdict `fleet-canary test` (or the Test
//! view) stored on the canaries. A promote without a passing verdict for exactly this fleet
//! version and prefix is refused before anything is written, unless `--override-gate REASON`
//! is given; the override is then recorded on every promoted agent's metadata
//! ([`OVERRIDE_KEY`]), as the web app records it.

use super::{now_iso, Ctx};
use crate::error::CliError;
use crate::transport::NativeTransport;
use canary_core::client::LettaClient;
use canary_core::execute::ExecReport;
use canary_core::fleet::Fleet;
use canary_core::plan::Mode;
use canary_core::verdict::{
    fleet_hash, gate, merge_metadata, read_verdict, GateDecision, OverrideRecord, Refusal,
    OVERRIDE_KEY,
};

/// What a promote may go ahead with: the override to record once it ran, if the gate was
/// overridden.
#[derive(Debug, Default)]
pub struct Cleared {
    record: Option<OverrideRecord>,
}

/// `--override-gate` is for promotes only, and needs a reason (checked before anything is
/// read).
pub fn check_flag(mode: Mode, reason: Option<&str>) -> Result<(), CliError> {
    match reason {
        None => Ok(()),
        Some(_) if mode != Mode::Promote => Err(CliError::Usage(
            "--override-gate applies only to a promote (apply --canary --promote, or apply --plan FILE of a promote plan)".into(),
        )),
        Some(r) if r.trim().is_empty() => Err(CliError::Usage(
            "--override-gate needs a reason: say why promoting without a passing test suite is right (it is recorded on the promoted agents)".into(),
        )),
        Some(_) => Ok(()),
    }
}

/// The gate for a run of `mode`: anything but a promote passes untouched. A promote reads the
/// latest verdict of `prefix` and asks the core's gate. Refused: [`CliError::Gate`] (nothing
/// was written). With `dry_run` a refusal is only noted: a dry run writes nothing anyway.
pub async fn check(
    ctx: &Ctx,
    client: &LettaClient<NativeTransport>,
    mode: Mode,
    fleet: &Fleet,
    prefix: &str,
    reason: Option<&str>,
    dry_run: bool,
) -> Result<Cleared, CliError> {
    if mode != Mode::Promote {
        return Ok(Cleared::default());
    }
    let hash = fleet_hash(fleet);
    let verdict = read_verdict(client, prefix, &hash).await?;
    let decision = gate(verdict.as_ref(), &hash, prefix, reason);
    match &decision {
        GateDecision::Allowed { verdict } => {
            ctx.note(&format!(
                "promote gate: the suite passed for this fleet version ({})",
                verdict.summary()
            ));
            Ok(Cleared::default())
        }
        GateDecision::Refused { refusal } if dry_run => {
            ctx.note(&format!(
                "note: promote gate: this promote would be refused: {}",
                refused(refusal, prefix)
            ));
            Ok(Cleared::default())
        }
        GateDecision::Refused { refusal } => Err(CliError::Gate(refused(refusal, prefix))),
        GateDecision::Overridden { refusal, reason } => {
            ctx.note(&format!(
                "warning: promote gate overridden: \"{reason}\" ({} on the promoted agents' metadata, {OVERRIDE_KEY}). The gate said: {}",
                if dry_run { "would be recorded" } else { "recorded" },
                what(refusal, prefix)
            ));
            Ok(Cleared {
                record: (!dry_run)
                    .then(|| OverrideRecord::of(&decision, &hash, &now_iso()))
                    .flatten(),
            })
        }
    }
}

/// After the promote ran: an override is merged into every promoted agent's metadata
/// (read, merge, write). A failed write is a warning: the promote itself has happened.
pub async fn record(
    ctx: &Ctx,
    client: &LettaClient<NativeTransport>,
    cleared: &Cleared,
    report: &ExecReport,
) {
    let Some(record) = &cleared.record else {
        return;
    };
    let value = serde_json::to_value(record).unwrap_or_default();
    for a in &report.agents {
        let Some(id) = &a.id else { continue };
        if let Err(e) = merge_metadata(client, id, OVERRIDE_KEY, value.clone()).await {
            ctx.note(&format!(
                "warning: the gate override was not recorded on {}: {e}",
                a.name
            ));
        }
    }
}

/// What the gate found, in the command line's words.
fn what(r: &Refusal, prefix: &str) -> String {
    match r {
        Refusal::Missing { .. } => format!("no test suite has run against the {prefix} canaries"),
        Refusal::OtherFleet {
            verdict,
            tested,
            current,
        } => format!(
            "the latest verdict ({verdict}) tested another version of the fleet (hash {tested}, this one is {current})"
        ),
        Refusal::Failed { verdict } => {
            format!("the suite failed for this fleet version: {verdict}")
        }
        Refusal::NoReason => "an override needs a reason".into(),
    }
}

/// A refusal with what to do about it.
fn refused(r: &Refusal, prefix: &str) -> String {
    let todo = match r {
        Refusal::Missing { .. } => format!(
            "run the suite against the canaries first (fleet-canary test -f FLEET --canary-prefix {prefix})"
        ),
        Refusal::OtherFleet { .. } => format!(
            "deploy this version to the canaries and test it (fleet-canary apply -f FLEET --canary --canary-prefix {prefix}, then fleet-canary test -f FLEET --canary-prefix {prefix})"
        ),
        Refusal::Failed { .. } => "fix the fleet, redeploy the canaries and test again".into(),
        Refusal::NoReason => "give a reason".into(),
    };
    format!(
        "{}. Nothing was written. To promote, {todo}; or override the gate with --override-gate \"REASON\" (the reason is recorded on the promoted agents)",
        what(r, prefix)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_for_promotes_and_needs_a_reason() {
        assert!(check_flag(Mode::Canary, None).is_ok());
        assert!(check_flag(Mode::Promote, Some("hotfix for the outage")).is_ok());
        assert!(matches!(
            check_flag(Mode::Canary, Some("why")),
            Err(CliError::Usage(m)) if m.contains("only to a promote")
        ));
        assert!(matches!(
            check_flag(Mode::Promote, Some("  ")),
            Err(CliError::Usage(m)) if m.contains("needs a reason")
        ));
    }

    #[test]
    fn refusals_say_what_to_do_and_name_the_override() {
        let missing = refused(
            &Refusal::Missing {
                prefix: "QA-".into(),
            },
            "QA-",
        );
        assert!(missing.contains("no test suite has run against the QA- canaries"));
        assert!(missing.contains("fleet-canary test -f FLEET --canary-prefix QA-"));
        let failed = refused(
            &Refusal::Failed {
                verdict: "suite 's', 1 of 2 cases passed".into(),
            },
            "QA-",
        );
        assert!(failed.contains("the suite failed for this fleet version: suite 's'"));
        for m in [missing, failed] {
            assert!(m.contains("Nothing was written"), "{m}");
            assert!(m.contains("--override-gate \"REASON\""), "{m}");
        }
    }
}
