//! The promote gate in the page: the plan view shows the latest verdict for the fleet being
//! promoted and the core's decision ([`canary_core::verdict::gate`]); the execute button stays
//! disabled when it refuses, unless the user types a reason to override. An override is
//! recorded on the promoted agents' metadata and in History.

use super::{load_verdict, verdict_view};
use crate::api;
use crate::state::{AppState, HistoryEntry, PlanState};
use canary_core::execute::ExecReport;
use canary_core::plan::Mode;
use canary_core::verdict::{
    fleet_hash, gate, merge_metadata, GateDecision, OverrideRecord, Verdict, OVERRIDE_KEY,
};
use leptos::prelude::*;

/// Whether the execute view may run this plan: anything but a promote, or a promote the gate
/// allows (passing verdict, or an override with a reason).
pub fn gate_allows(state: AppState, plan: &(Mode, String)) -> bool {
    let (mode, hash) = plan;
    *mode != Mode::Promote
        || state
            .gate
            .with(|g| g.as_ref().is_some_and(|(h, d)| h == hash && d.allows()))
}

/// After a promote ran: an overridden gate is recorded on every promoted agent's metadata
/// (read, merge, write) and as a History entry.
pub fn after_promote(state: AppState, mode: Mode, report: &ExecReport) {
    if mode != Mode::Promote {
        return;
    }
    let Some((hash, decision)) = state.gate.get_untracked() else {
        return;
    };
    let Some(record) = OverrideRecord::of(&decision, &hash, &api::now_iso()) else {
        return;
    };
    let ids: Vec<String> = report.agents.iter().filter_map(|a| a.id.clone()).collect();
    let conn = state.conn.get_untracked();
    state.record(HistoryEntry {
        time: record.at.clone(),
        mode: "promote override".into(),
        server: conn.base_url.clone(),
        prefix: Some(state.options.with_untracked(|o| o.prefix.clone())),
        summary: format!(
            "promoted without a passing verdict: \"{}\" (the gate said: {})",
            record.reason, record.refusal
        ),
        ok: report.ok(),
        phase_one_ok: None,
        yaml: state.yaml.get_untracked(),
        files: state.files.get_untracked(),
    });
    let value = serde_json::to_value(&record).unwrap_or_default();
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        for id in ids {
            let _ = merge_metadata(&client, &id, OVERRIDE_KEY, value.clone()).await;
        }
    });
}

/// The gate panel of a promote plan (nothing for other modes).
#[component]
pub fn PromoteGate() -> impl IntoView {
    let state = expect_context::<AppState>();
    let verdict = RwSignal::new(None::<Verdict>);
    let error = RwSignal::new(None::<String>);
    let seq = StoredValue::new(0u64);
    let reason = RwSignal::new(String::new());
    let overriding = RwSignal::new(false);
    let promote = Memo::new(move |_| {
        state.plan.with(|p| match p {
            PlanState::Ready(r) if r.plan.mode == Mode::Promote => Some(fleet_hash(&r.fleet)),
            _ => None,
        })
    });
    // Read again once a suite's verdict is stored (it is written after its results show).
    Effect::new(move |_| {
        if promote.get().is_some() && state.verdict_saving.get() == 0 {
            load_verdict(state, verdict, error, seq);
        }
    });
    Effect::new(move |_| {
        let Some(hash) = promote.get() else {
            state.gate.set(None);
            return;
        };
        let prefix = state.options.with(|o| o.prefix.clone());
        let r = reason.get();
        let why = overriding.get().then_some(r.as_str());
        let d = gate(verdict.get().as_ref(), &hash, &prefix, why);
        state.gate.set(Some((hash, d)));
    });
    // One panel, coloured by the decision: the verdict, then what to do about it (the
    // refusal's advice, not its full message, which would repeat the verdict).
    let decision = move || state.gate.get().map(|(_, d)| d);
    let tone = move || match decision() {
        Some(GateDecision::Allowed { .. }) => ("gate gate-ok", "ALLOWED"),
        Some(GateDecision::Overridden { .. }) => ("gate gate-warn", "OVERRIDDEN"),
        Some(GateDecision::Refused { .. }) => ("gate gate-bad", "REFUSED"),
        None => ("gate", ""),
    };
    move || {
        promote.get().map(|hash| {
            view! {
                <div class=move || tone().0 id="gate">
                    <div class="gate-head">
                        <h2>"Promote gate"</h2>
                        <span class="badge" id="gate-badge">{move || tone().1}</span>
                    </div>
                    {move || verdict.get().map(|v| verdict_view(Some(v), &hash))}
                    {move || (state.verdict_saving.get() > 0).then(|| view! {
                        <p class="muted" id="verdict-saving" aria-live="polite">"Saving the suite's verdict on the canaries… the gate reads it again when it is stored."</p>
                    })}
                    {move || error.get().map(|e| view! { <p class="bad" role="alert">{e}</p> })}
                    {move || match decision() {
                        Some(GateDecision::Allowed { .. }) => view! { <p class="ok" id="gate-decision" data-decision="allowed">"The suite passed for this fleet version: promote may run."</p> }.into_any(),
                        Some(GateDecision::Overridden { reason, .. }) => view! {
                            <p class="warn" id="gate-decision" data-decision="overridden">{format!("Overridden with the reason \"{reason}\": it is recorded in History and on the promoted agents.")}</p>
                        }.into_any(),
                        Some(GateDecision::Refused { refusal }) => view! { <p class="bad" id="gate-decision" data-decision="refused">{format!("Promote refused: {}", refusal.advice())}</p> }.into_any(),
                        None => view! { <span></span> }.into_any(),
                    }}
                    <div class="gate-override">
                        <label class="check"><input type="checkbox" id="gate-override" prop:checked=move || overriding.get()
                            on:change=move |ev| overriding.set(event_target_checked(&ev)) />" Override the gate"</label>
                        {move || overriding.get().then(|| view! {
                            <label class="gate-reason">"Reason (recorded) "
                                <input id="gate-reason" type="text" prop:value=move || reason.get()
                                    placeholder="Why promote without a passing suite?"
                                    on:input=move |ev| reason.set(event_target_value(&ev)) />
                            </label>
                        })}
                    </div>
                </div>
            }
        })
    }
}

/// Says, in the execute view, why a promote cannot run, with the gate's own reason and advice
/// (the gate panel and its override are in the plan view).
#[component]
pub fn GateNote(plan: (Mode, String)) -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        (!gate_allows(state, &plan)).then(|| {
            let refusal = state.gate.with(|g| match g {
                Some((h, GateDecision::Refused { refusal })) if *h == plan.1 => {
                    Some(refusal.advice())
                }
                _ => None,
            });
            let text = match refusal {
                Some(advice) => format!(
                    "The promote gate refuses this promote: {advice} The gate and its override are in the plan view."
                ),
                None => "The promote gate has not decided on this plan yet: open the plan view, where it decides once it has read the canaries' verdict.".to_string(),
            };
            view! { <p class="bad" id="gate-note" role="alert">{text}</p> }
        })
    }
}
