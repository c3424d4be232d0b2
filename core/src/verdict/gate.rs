//! The promote gate: a pure decision from the latest verdict, the fleet about to be promoted
//! and the prefix it was tested under. The web plan view and the command line both call it.

use super::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// Why promote is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum Refusal {
    /// No suite ran against canaries of this prefix.
    #[error("no test suite has run against the {prefix} canaries; run a suite in the Test view, or override with a reason")]
    Missing {
        /// The prefix.
        prefix: String,
    },
    /// The latest verdict tested another version of the fleet.
    #[error("the latest verdict ({verdict}) tested another version of the fleet (hash {tested}, this one is {current}); redeploy the canaries and run the suite again, or override with a reason")]
    OtherFleet {
        /// Verdict summary.
        verdict: String,
        /// Hash it tested.
        tested: String,
        /// Hash being promoted.
        current: String,
    },
    /// The suite failed for this version.
    #[error("the suite failed for this fleet version: {verdict}; fix the fleet and test again, or override with a reason")]
    Failed {
        /// What ran ([`crate::verdict::Verdict::detail`]).
        verdict: String,
    },
    /// An override without a reason.
    #[error("an override needs a reason: say why promoting without a passing suite is right")]
    NoReason,
}

impl Refusal {
    /// What to do about the refusal, without the verdict's details: the page shows the
    /// verdict right above it, and the full message (`Display`) would say it twice.
    pub fn advice(&self) -> String {
        match self {
            Refusal::Missing { prefix } => format!("no suite has run against the {prefix} canaries. Run one in the Test view, or override the gate with a reason."),
            Refusal::OtherFleet { .. } => "the verdict is for another version of the fleet. Redeploy the canaries and run the suite again, or override the gate with a reason.".into(),
            Refusal::Failed { .. } => "the suite failed for this fleet version. Fix the fleet and test again, or override the gate with a reason.".into(),
            Refusal::NoReason => "an override needs a reason. Say why promoting without a passing suite is right: it is recorded in History and on the promoted agents.".into(),
        }
    }
}

/// What the gate decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "camelCase")]
pub enum GateDecision {
    /// A passing verdict for exactly this fleet and prefix.
    Allowed {
        /// The verdict.
        verdict: Verdict,
    },
    /// Refused, but the user overrode it with a reason (to be recorded).
    Overridden {
        /// What the gate would have said.
        refusal: Refusal,
        /// The user's reason.
        reason: String,
    },
    /// Refused.
    Refused {
        /// Why.
        refusal: Refusal,
    },
}

impl GateDecision {
    /// Whether promote may run.
    pub fn allows(&self) -> bool {
        !matches!(self, GateDecision::Refused { .. })
    }
}

/// Decides whether a promote may run. `override_reason`: the user's typed reason, if any
/// (blank counts as none, and is itself a refusal).
pub fn gate(
    verdict: Option<&Verdict>,
    fleet_hash: &str,
    prefix: &str,
    override_reason: Option<&str>,
) -> GateDecision {
    let refusal = match verdict {
        None => Refusal::Missing {
            prefix: prefix.to_string(),
        },
        Some(v) if v.prefix != prefix => Refusal::Missing {
            prefix: prefix.to_string(),
        },
        Some(v) if v.fleet_hash != fleet_hash => Refusal::OtherFleet {
            verdict: v.summary(),
            tested: v.fleet_hash.clone(),
            current: fleet_hash.to_string(),
        },
        Some(v) if !v.ok => Refusal::Failed {
            verdict: v.detail(),
        },
        Some(v) => return GateDecision::Allowed { verdict: v.clone() },
    };
    match override_reason.map(str::trim) {
        Some(r) if !r.is_empty() => GateDecision::Overridden {
            refusal,
            reason: r.to_string(),
        },
        Some(_) => GateDecision::Refused {
            refusal: Refusal::NoReason,
        },
        None => GateDecision::Refused { refusal },
    }
}

/// What is recorded on promoted agents (and in History) when a refusal was overridden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverrideRecord {
    /// The user's reason.
    pub reason: String,
    /// What the gate said.
    pub refusal: String,
    /// Fleet hash promoted.
    pub fleet_hash: String,
    /// When (ISO-8601 UTC).
    pub at: String,
}

impl OverrideRecord {
    /// The record of an overridden decision; `None` for any other decision.
    pub fn of(decision: &GateDecision, fleet_hash: &str, at: &str) -> Option<OverrideRecord> {
        match decision {
            GateDecision::Overridden { refusal, reason } => Some(OverrideRecord {
                reason: reason.clone(),
                refusal: refusal.to_string(),
                fleet_hash: fleet_hash.to_string(),
                at: at.to_string(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ok: bool, hash: &str) -> Verdict {
        crate::verdict::verdict::sample(ok, hash, "2026-01-01T00:00:00Z")
    }

    #[test]
    fn decisions() {
        assert!(gate(Some(&v(true, "h")), "h", "CANARY-", None).allows());
        let refused = |d: GateDecision| match d {
            GateDecision::Refused { refusal } => refusal,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(matches!(
            refused(gate(None, "h", "CANARY-", None)),
            Refusal::Missing { .. }
        ));
        assert!(matches!(
            refused(gate(Some(&v(true, "old")), "h", "CANARY-", None)),
            Refusal::OtherFleet { .. }
        ));
        assert!(matches!(
            refused(gate(Some(&v(false, "h")), "h", "CANARY-", None)),
            Refusal::Failed { .. }
        ));
        assert!(matches!(
            refused(gate(Some(&v(true, "h")), "h", "TEST-", None)),
            Refusal::Missing { .. }
        ));
        assert_eq!(
            refused(gate(None, "h", "CANARY-", Some("  "))),
            Refusal::NoReason
        );
        let d = gate(Some(&v(false, "h")), "h", "CANARY-", Some("hotfix"));
        assert!(d.allows());
        let rec = OverrideRecord::of(&d, "h", "now").expect("recorded");
        assert_eq!(rec.reason, "hotfix");
        assert!(rec.refusal.contains("failed"));
    }

    #[test]
    fn advice_says_what_to_do_without_repeating_the_verdict() {
        let failed = Refusal::Failed {
            verdict: v(false, "h").detail(),
        };
        assert!(failed.to_string().contains(&v(false, "h").detail()));
        let advice = failed.advice();
        assert!(!advice.contains(&v(false, "h").detail()), "{advice}");
        assert!(advice.contains("Fix the fleet and test again"), "{advice}");
        let missing = Refusal::Missing {
            prefix: "CANARY-".into(),
        };
        assert!(missing.advice().contains("the CANARY- canaries"));
    }
}
