//! Plan review: options, then the plan as cards — exactly what execution will do.

use crate::api;
use crate::state::{mode_label, AppState, PlanState, Reviewed, Route, RunState};
use crate::views::diff::DiffPrefs;
use canary_core::plan::Mode;
use canary_core::wording;
use leptos::prelude::*;

mod body;
use body::{plan_body, FIRST_CARDS};
use std::sync::Arc;

/// Starts a new review of the page's fleet and options. The previous run's result belongs to
/// another plan, so it leaves the Execute view (a run in progress keeps its progress).
pub fn review(state: AppState) {
    if !matches!(state.run.get_untracked(), RunState::Running(..)) {
        state.run.set(RunState::Idle);
    }
    compute(state);
}

/// Reads the server and plans the page's fleet with the page's options.
///
/// Latest wins: every computation takes the next number and its result lands only while that
/// number is still the latest, so a slow older plan can never replace a newer one. (Leptos
/// 0.8's `Action` — reactive_graph 0.2.16 — stores whichever overlapping dispatch finishes
/// last, which is this race itself, so the number is explicit.)
pub fn compute(state: AppState) {
    let seq = state.plan_seq.get_value() + 1;
    state.plan_seq.set_value(seq);
    let inputs = state.inputs_untracked();
    // The text as it is now: the editor's report when it is of this text (a click within the
    // editor's debounce validates again).
    state.ensure_validated();
    let Some(fleet) = state.report.with_untracked(|r| r.fleet.clone()) else {
        state.plan.set(PlanState::Failed(
            "The fleet has errors; fix them in the Fleet view first.".into(),
        ));
        return;
    };
    state.plan.set(PlanState::Loading(Arc::new(inputs.clone())));
    leptos::task::spawn_local(async move {
        // The read Execute's stale check makes (narrow on a large server), so an unchanged
        // server gives the same fingerprint there.
        let result = api::client(&inputs.conn)
            .plan_live(&fleet, &inputs.options)
            .await
            .map(|(_, p)| p)
            .map_err(|e| e.to_string());
        // A newer computation started meanwhile (or the app is gone): this result is old.
        if state.plan_seq.try_get_value() != Some(seq) {
            return;
        }
        state.plan.set(match result {
            Ok(p) => PlanState::Ready(Arc::new(Reviewed {
                plan: p,
                fleet,
                inputs,
            })),
            Err(e) => PlanState::Failed(e),
        });
    });
}

/// Says why the reviewed plan no longer matches the page, with a Re-plan button; nothing when
/// it matches. Execute refuses such a plan.
#[component]
pub fn StaleNotice() -> impl IntoView {
    let state = expect_context::<AppState>();
    let reasons = Memo::new(move |_| state.stale_reasons());
    move || {
        let r = reasons.get();
        (!r.is_empty()).then(|| {
            let items = r
                .into_iter()
                .map(|x| view! { <li>{x}</li> })
                .collect_view();
            view! {
                <div class="callout bad stale" id="stale" role="alert">
                    <h2>"This plan is out of date"</h2>
                    <p>"The page changed after this plan was computed, so it cannot be executed:"</p>
                    <ul>{items}</ul>
                    <button class="primary" id="stale-replan" on:click=move |_| review(state)>"Re-plan"</button>
                </div>
            }
        })
    }
}

fn mode_value(m: Mode) -> &'static str {
    match m {
        Mode::Canary => "canary",
        Mode::Promote => "promote",
        Mode::Apply => "apply",
        Mode::Cleanup => "cleanup",
    }
}

/// The plan review view.
#[component]
pub fn PlanReview() -> impl IntoView {
    let state = expect_context::<AppState>();
    let show_all = RwSignal::new(false);
    let as_text = RwSignal::new(false);
    let prefs = DiffPrefs::default();
    provide_context(prefs);
    let wrap = RwSignal::new(true);
    let agent_query = RwSignal::new(String::new());
    // Execute was clicked while the plan was being recomputed or out of date (the click that
    // blurs the prefix field re-plans it): the click is kept and lands once the plan is ready.
    let pending_exec = RwSignal::new(false);
    // The plan file last loaded here, to say whether the page's plan is still the file's.
    let loaded_file = RwSignal::new(None);
    let opts = state.options;
    // Arriving with no plan, or with one (ready or still being computed) for inputs the page has
    // moved away from (the fleet was edited): review what the page shows now, never the old plan.
    let stale = !state.stale_reasons_untracked().is_empty()
        || state.plan.with_untracked(|p| {
            matches!(p, PlanState::Loading(i) if !i.differences(&state.inputs_untracked()).is_empty())
        });
    if stale
        || (matches!(state.plan.get_untracked(), PlanState::Empty)
            && state.report.with_untracked(|r| r.ok))
    {
        review(state);
    }
    let agent_names = move || {
        state.report.with(|r| {
            r.fleet
                .as_ref()
                .map(|f| f.agents.iter().map(|a| a.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let filter = move || {
        let q = agent_query.get().to_lowercase();
        let matching: Vec<String> = agent_names()
            .into_iter()
            .filter(|n| q.is_empty() || n.to_lowercase().contains(&q))
            .collect();
        let total = matching.len();
        let rows = matching
            .into_iter()
            .take(FIRST_CARDS)
            .map(|n| {
                let n2 = n.clone();
                let n3 = n.clone();
                view! {
                    <label class="check">
                        <input type="checkbox"
                            prop:checked=move || opts.with(|o| o.agents.as_ref().is_none_or(|a| a.contains(&n2)))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let all = agent_names();
                                opts.update(|o| {
                                    let mut cur = o.agents.clone().unwrap_or_else(|| all.clone());
                                    cur.retain(|x| x != &n3);
                                    if on { cur.push(n3.clone()); }
                                    cur.sort();
                                    o.agents = if cur.len() == all.len() { None } else { Some(cur) };
                                });
                            } />
                        {format!(" {n}")}
                    </label>
                }
            })
            .collect_view();
        view! {
            {rows}
            {(total > FIRST_CARDS).then(|| view! {
                <p class="muted" id="agent-filter-more">{format!("{FIRST_CARDS} of {total} shown: type in the filter to find the others.")}</p>
            })}
        }
    };
    // A promote the test gate refuses cannot run (the Execute view disables it too): the
    // button says so here rather than opening a page whose only action is disabled. The fleet's
    // hash (a serialization of the whole fleet) is taken once per plan, not per redraw.
    let promote_hash = Memo::new(move |_| {
        state.plan.with(|p| match p {
            PlanState::Ready(r) if r.plan.mode == Mode::Promote => {
                Some(canary_core::verdict::fleet_hash(&r.fleet))
            }
            _ => None,
        })
    });
    let refused = move || {
        promote_hash.with(|h| {
            h.as_ref().is_some_and(|h| {
                !crate::views::test::gate_allows(state, &(Mode::Promote, h.clone()))
            })
        })
    };
    let ready = move || {
        matches!(state.plan.get(), PlanState::Ready(ref r) if r.plan.is_executable() && !r.plan.is_noop())
            && state.stale_reasons().is_empty()
            && !refused()
    };
    // Clickable when the plan can run, or when a re-plan (started or needed) may make it so.
    let can_click = move || {
        ready()
            || matches!(state.plan.get(), PlanState::Loading(_))
            || !state.stale_reasons().is_empty()
    };
    let on_execute = move |_| {
        if ready() {
            state.go(Route::Run);
            return;
        }
        if !state.stale_reasons_untracked().is_empty() {
            review(state);
        }
        pending_exec.set(true);
    };
    Effect::new(move |_| {
        if !pending_exec.get() {
            return;
        }
        match state.plan.get() {
            PlanState::Loading(_) => {}
            PlanState::Ready(_) if !state.stale_reasons().is_empty() => {}
            PlanState::Ready(r) => {
                pending_exec.set(false);
                if r.plan.is_executable() && !r.plan.is_noop() {
                    state.go(Route::Run);
                }
            }
            PlanState::Empty | PlanState::Failed(_) => pending_exec.set(false),
        }
    });
    let set_agents = move |all: bool| {
        opts.update(|o| o.agents = if all { None } else { Some(Vec::new()) });
        review(state);
    };
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>"Plan"</h1>
                <div class="actions">
                    // Grouped by what they do: how the plan is shown (toggles), the plan as a
                    // file, then planning again and the one primary action.
                    <div class="seg" role="group" aria-label="How the plan is shown">
                        <button id="plan-as-text" on:click=move |_| as_text.update(|t| *t = !*t) aria-pressed=move || as_text.get().to_string()
                            title="The plan in lettactl's dry-run text format">"Text"</button>
                        <button id="plan-all-fields" on:click=move |_| show_all.update(|t| *t = !*t) aria-pressed=move || show_all.get().to_string()
                            title="Every field of every agent, not only the changed ones">"All fields"</button>
                        <button id="diff-split" on:click=move |_| prefs.split.update(|t| *t = !*t) aria-pressed=move || prefs.split.get().to_string()
                            title="Old text on the left, new on the right">"Side by side"</button>
                        <button id="diff-wrap" on:click=move |_| wrap.update(|t| *t = !*t) aria-pressed=move || wrap.get().to_string()
                            title="Wrap long lines in the diffs">"Wrap lines"</button>
                    </div>
                    <div class="seg" role="group" aria-label="Plan file">
                        <crate::views::plan_file::PlanFileButtons loaded=loaded_file />
                    </div>
                    <button id="replan" on:click=move |_| review(state) title="Read the server again and plan anew">"Re-plan"</button>
                    <button class="primary" id="to-execute" disabled=move || !can_click() aria-busy=move || pending_exec.get().to_string() on:click=on_execute
                        title=move || refused().then_some("Promote is refused by the test gate (above): run the suite, or override it with a reason")>
                        {move || if pending_exec.get() { "Planning…" } else { "Execute…" }}</button>
                </div>
            </div>
            <form class="options" on:submit=move |ev| { ev.prevent_default(); review(state); } on:change=move |_| review(state)>
                <label>"Mode "
                    <select id="mode" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        opts.update(|o| o.mode = match v.as_str() { "promote" => Mode::Promote, "apply" => Mode::Apply, "cleanup" => Mode::Cleanup, _ => Mode::Canary });
                    }>
                        {[Mode::Canary, Mode::Promote, Mode::Apply, Mode::Cleanup].map(|m| view! {
                            <option value=mode_value(m) selected=move || opts.with(|o| o.mode == m)>{mode_label(m)}</option>
                        })}
                    </select>
                </label>
                <label>"Prefix "
                    <input id="prefix" type="text" size="12" prop:value=move || opts.with(|o| o.prefix.clone())
                        on:input=move |ev| opts.update(|o| o.prefix = event_target_value(&ev))
                        on:change=move |ev| opts.update(|o| o.prefix = event_target_value(&ev)) />
                </label>
                <span class="with-help">
                    <label class="check"><input id="prune" type="checkbox" aria-describedby="prune-help" prop:checked=move || opts.with(|o| o.prune) on:change=move |ev| opts.update(|o| o.prune = event_target_checked(&ev)) />" Prune"</label>
                    <details class="help tip"><summary aria-label="What does Prune do?">"?"</summary><p id="prune-help" role="tooltip">{wording::HELP_PRUNE}</p></details>
                </span>
                {move || (opts.with(|o| o.mode == Mode::Canary)).then(|| view! {
                    <label class="check"><input id="accept-tools" type="checkbox" prop:checked=move || opts.with(|o| o.accept_tool_updates) on:change=move |ev| opts.update(|o| o.accept_tool_updates = event_target_checked(&ev)) />" Accept in-place tool updates"</label>
                })}
                {move || (opts.with(|o| o.mode == Mode::Promote)).then(|| view! {
                    <label class="check"><input id="cleanup-after" type="checkbox" prop:checked=move || opts.with(|o| o.cleanup_after) on:change=move |ev| opts.update(|o| o.cleanup_after = event_target_checked(&ev)) />" Then clean up canaries"</label>
                })}
                {move || (opts.with(|o| o.mode == Mode::Cleanup)).then(|| view! {
                    <label class="check"><input type="checkbox" prop:checked=move || opts.with(|o| o.all_canaries) on:change=move |ev| opts.update(|o| o.all_canaries = event_target_checked(&ev)) />" Every canary of the prefix"</label>
                })}
                <FleetVariables />
                <fieldset class="filter"><legend>"Agents"</legend>
                    <input id="agent-filter" type="search" placeholder="Filter agents" aria-label="Filter the agent list"
                        prop:value=move || agent_query.get()
                        on:input=move |ev| agent_query.set(event_target_value(&ev))
                        on:change=move |ev| ev.stop_propagation() />
                    <span class="all-none">
                        <button type="button" id="agents-all" class="small" on:click=move |_| set_agents(true)>"All"</button>
                        <button type="button" id="agents-none" class="small" on:click=move |_| set_agents(false)>"None"</button>
                    </span>
                    {filter}
                </fieldset>
            </form>
            <StaleNotice />
            <crate::views::test::PromoteGate />
            <crate::views::plan_file::PlanFileNote loaded=loaded_file />
            <div id="plan" aria-live="polite" class:nowrap=move || !wrap.get()>
                {move || match state.plan.get() {
                    PlanState::Empty => view! { <p class="muted">"No plan yet."</p> }.into_any(),
                    PlanState::Loading(_) => view! { <p class="muted planning">"Reading the server and planning… "<crate::health::CancelPlan /></p> }.into_any(),
                    PlanState::Failed(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
                    PlanState::Ready(r) => plan_body(r, show_all, as_text).into_any(),
                }}
            </div>
        </section>
    }
}

/// The variables the fleet reads from the environment (MCP server `${VAR}`s, secrets'
/// `from_env`): a page has no environment, so it asks. The values live in the page's plan
/// options in memory only — `PlanOptions.vars` never serialises, so they reach no History entry,
/// plan file or storage, and the fields are password fields. Editing one re-plans (the
/// options form's change handler).
#[component]
fn FleetVariables() -> impl IntoView {
    let state = expect_context::<AppState>();
    let opts = state.options;
    let names = Memo::new(move |_| {
        state.report.with(|r| {
            r.fleet
                .as_ref()
                .map(canary_core::plan::fleet_variables)
                .unwrap_or_default()
        })
    });
    move || {
        let names = names.get();
        (!names.is_empty()).then(|| {
            let fields = names
                .into_iter()
                .map(|n| {
                    let shown = n.clone();
                    let key = n.clone();
                    view! {
                        <label>{format!("{n} ")}
                            <input type="password" autocomplete="off" spellcheck="false" class="var" data-var=n
                                prop:value=move || opts.with(|o| o.vars.get(&shown).unwrap_or_default().to_string())
                                on:input=move |ev| opts.update(|o| o.vars.set(key.clone(), event_target_value(&ev))) />
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="vars" id="fleet-vars"><legend>"Variables"</legend>
                    <p class="muted">"The fleet reads these from the environment (MCP servers, secrets). Values stay in this tab's memory: never stored, never in History or a plan file. An empty one is unset."</p>
                    {fields}
                </fieldset>
            }
        })
    }
}
