//! The promote gate in the JavaScript package: `executePlan` of a promote asks the same core
//! gate as the web app's plan view and the command line ([`crate::verdict::gate`]), from the
//! latest verdict stored on the prefix's canaries and the hash of the fleet being promoted.
//! Refused (no suite ran, it failed, or it tested another fleet version): nothing is written
//! and the answer is a `gate` failure. `settings.overrideGate: "REASON"` promotes anyway and
//! records the reason ([`OverrideRecord`]) on every promoted agent's metadata
//! ([`OVERRIDE_KEY`]), as the web app and the command line record it.

use super::fetch::FetchTransport;
use super::Failure;
use crate::client::LettaClient;
use crate::execute::ExecReport;
use crate::fleet::Fleet;
use crate::plan::Mode;
use crate::verdict::{
    fleet_hash, gate, merge_metadata, read_verdict, GateDecision, OverrideRecord, OVERRIDE_KEY,
};

/// `overrideGate` is for promotes only, and needs a reason (checked before anything is read).
pub(crate) fn check_override(mode: Mode, reason: Option<&str>) -> Result<(), Failure> {
    match reason {
        None => Ok(()),
        Some(_) if mode != Mode::Promote => Err(Failure::input(
            "settings.overrideGate applies only to a promote plan (mode \"promote\")",
        )),
        Some(r) if r.trim().is_empty() => Err(Failure::input(
            "settings.overrideGate needs a reason: say why promoting without a passing test suite is right (it is recorded on the promoted agents)",
        )),
        Some(_) => Ok(()),
    }
}

/// The gate for a run of `mode`: anything but a promote passes with nothing to record. A
/// promote reads the latest verdict of `prefix` and asks the core's gate: refused is a `gate`
/// failure (nothing was written); overridden gives the record to write once the promote ran.
pub(crate) async fn check(
    client: &LettaClient<FetchTransport>,
    mode: Mode,
    fleet: &Fleet,
    prefix: &str,
    reason: Option<&str>,
    now: &str,
) -> Result<Option<OverrideRecord>, Failure> {
    if mode != Mode::Promote {
        return Ok(None);
    }
    let hash = fleet_hash(fleet);
    let verdict = read_verdict(client, prefix, &hash).await?;
    let decision = gate(verdict.as_ref(), &hash, prefix, reason);
    match &decision {
        GateDecision::Refused { refusal } => Err(Failure::new(
            "gate",
            format!(
                "promote refused by the promote gate: {refusal}. Nothing was written. To promote anyway, pass executePlan's settings {{ overrideGate: \"REASON\" }} (the reason is recorded on the promoted agents' metadata, {OVERRIDE_KEY})"
            ),
        )),
        GateDecision::Allowed { .. } => Ok(None),
        GateDecision::Overridden { .. } => Ok(OverrideRecord::of(&decision, &hash, now)),
    }
}

/// After an overridden promote ran: the record is merged into every promoted agent's metadata
/// (read, merge, write). A failed write is a warning on that agent: the promote has happened.
pub(crate) async fn record(
    client: &LettaClient<FetchTransport>,
    record: &OverrideRecord,
    report: &mut ExecReport,
) {
    let value = serde_json::to_value(record).unwrap_or_default();
    for a in &mut report.agents {
        let Some(id) = a.id.clone() else { continue };
        if let Err(e) = merge_metadata(client, &id, OVERRIDE_KEY, value.clone()).await {
            a.warnings
                .push(format!("the promote gate override was not recorded: {e}"));
        }
    }
}
