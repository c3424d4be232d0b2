//! Replay: the last N user messages of a production agent's default conversation (read only),
//! sent to the canary and to production in test conversations, replies side by side with word
//! diffs; chosen pairs are saved into the test file as cases.

use super::file_text;
use crate::api;
use crate::state::AppState;
use canary_core::canary::Prefix;
use canary_core::inspect::list_canaries;
use canary_core::live::LiveState;
use canary_core::plan::diff::{Tag, TextChange};
use canary_core::verdict::replay::{case_from_pair, pairs, plan_replay, read_traffic, ReplayPair};
use canary_core::verdict::write::append_cases;
use canary_core::verdict::{fleet_hash, run_plan, target_for, RunOptions, Target};
use leptos::prelude::*;
use std::collections::BTreeSet;

fn class(t: Tag) -> &'static str {
    match t {
        Tag::Equal => "eq",
        Tag::Insert => "ins",
        Tag::Delete => "del",
    }
}

/// What went wrong without failing a side (a second attempt, a conversation left behind),
/// one line each: under a result cell and under a replayed pair.
pub fn side_warnings(warnings: &[String]) -> impl IntoView {
    warnings
        .iter()
        .map(|w| view! { <div class="msg warn side-warning">{w.clone()}</div> })
        .collect_view()
}

/// A word or line diff, as text spans.
pub fn diff_view(d: TextChange) -> AnyView {
    match d {
        TextChange::Words(w) => view! {
            <div class="diff words">{w.into_iter().map(|s| view! { <span class=class(s.tag)>{s.text}</span> }).collect_view()}</div>
        }
        .into_any(),
        TextChange::Lines(l) => view! {
            <div class="diff lines">{l.into_iter().map(|s| match s {
                None => view! { <div class="line gap">"⋯"</div> }.into_any(),
                Some(s) => view! { <div class=format!("line {}", class(s.tag))>{s.text}</div> }.into_any(),
            }).collect_view()}</div>
        }
        .into_any(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    Running(String),
    Failed(String),
    Done(String, Vec<ReplayPair>),
}

/// The replay panel; saved cases go into the test file at `path`.
#[component]
pub fn Replay(path: RwSignal<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let targets = RwSignal::new(Vec::<Target>::new());
    let chosen = RwSignal::new(String::new());
    let count = RwSignal::new(10usize);
    let only_diff = RwSignal::new(false);
    let picked = RwSignal::new(BTreeSet::<String>::new());
    let status = RwSignal::new(State::Idle);
    let saved = RwSignal::new(None::<String>);
    let seq = StoredValue::new(0u64);
    let load = move || {
        let conn = state.conn.get_untracked();
        let prefix = state.options.with_untracked(|o| o.prefix.clone());
        leptos::task::spawn_local(async move {
            let Ok(agents) = api::client(&conn).list_agents().await else {
                return;
            };
            let live = LiveState::from_api(&agents, &[], &[], &[], &[]);
            let Ok(p) = Prefix::new(&prefix) else { return };
            let list: Vec<Target> = list_canaries(&live, &api::now_iso())
                .groups
                .into_iter()
                .filter(|g| g.prefix == prefix)
                .flat_map(|g| g.canaries)
                .filter_map(|c| target_for(&live, &p, &c.production_name))
                .filter(|t| t.production_id.is_some())
                .collect();
            // The view may be gone by now (its signals disposed): `try_` reads land nowhere.
            if chosen.try_with_untracked(|c| c.is_empty()) == Some(true) {
                if let Some(t) = list.first() {
                    chosen.try_set(t.production_name.clone());
                }
            }
            targets.try_set(list);
        });
    };
    load();
    let start = move || {
        let Some(target) = targets.with_untracked(|t| {
            t.iter()
                .find(|x| x.production_name == chosen.get_untracked())
                .cloned()
        }) else {
            return;
        };
        let Some(pid) = target.production_id.clone() else {
            return;
        };
        let n = count.get_untracked();
        let prefix = state.options.with_untracked(|o| o.prefix.clone());
        let hash = state
            .report
            .with_untracked(|r| r.fleet.as_ref().map(fleet_hash))
            .unwrap_or_default();
        seq.update_value(|s| *s += 1);
        let mine = seq.get_value();
        let current = move || seq.try_get_value() == Some(mine);
        picked.set(BTreeSet::new());
        saved.set(None);
        status.set(State::Running(format!(
            "Reading the last {n} messages of {}…",
            target.production_name
        )));
        let conn = state.conn.get_untracked();
        leptos::task::spawn_local(async move {
            let client = api::client(&conn);
            let traffic = match read_traffic(&client, &pid, n).await {
                Ok(t) => t,
                Err(e) => {
                    if current() {
                        status.try_set(State::Failed(e.to_string()));
                    }
                    return;
                }
            };
            if traffic.is_empty() {
                if current() {
                    status.try_set(State::Failed(format!(
                        "{}'s default conversation has no user messages to replay.",
                        target.production_name
                    )));
                }
                return;
            }
            let agent = target.production_name.clone();
            if current() {
                status.try_set(State::Running(format!(
                    "Replaying {} to both agents…",
                    canary_core::wording::count(traffic.len(), "message")
                )));
            }
            let plan = plan_replay(&traffic, target, &prefix, &hash);
            let clock = || js_sys::Date::now();
            let opts = RunOptions {
                now: api::now_iso(),
                clock: &clock,
                keep_canary_conversations: false,
            };
            let report = run_plan(&client, &plan, &opts, &|_| {}).await;
            if current() {
                status.try_set(State::Done(agent, pairs(&report.cases, false)));
            }
        });
    };
    let save = move || {
        let State::Done(agent, ps) = status.get_untracked() else {
            return;
        };
        let chosen_pairs: Vec<_> = ps
            .iter()
            .filter(|p| picked.with_untracked(|s| s.contains(&p.name)))
            .enumerate()
            .map(|(i, p)| {
                case_from_pair(p, &agent, &format!("replayed {} {}", api::now_iso(), i + 1))
            })
            .collect();
        if chosen_pairs.is_empty() {
            return;
        }
        let p = path.get_untracked();
        let text = file_text(state, &p).unwrap_or_default();
        match append_cases(&text, "replayed", &chosen_pairs) {
            Ok(new) => {
                state.files.update(|f| {
                    f.insert(p.clone(), new);
                });
                saved.set(Some(format!(
                    "Saved {} into {p}.",
                    canary_core::wording::count(chosen_pairs.len(), "case")
                )));
            }
            Err(e) => saved.set(Some(e.to_string())),
        }
    };
    view! {
        <div class="replay" id="replay">
            <div class="actions">
                <label>"Production agent "
                    <select id="replay-agent" on:change=move |ev| chosen.set(event_target_value(&ev))
                        disabled=move || targets.with(|t| t.is_empty())>
                        {move || targets.with(|t| t.is_empty()).then(|| view! { <option value="">"none deployed"</option> })}
                        {move || targets.get().into_iter().map(|t| {
                            let n = t.production_name.clone();
                            view! { <option value=n.clone() selected=move || chosen.get() == n>{format!("{} ↔ {}", t.production_name, t.canary_name)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Last "
                    <input id="replay-count" type="number" min="1" max="100" size="4" prop:value=move || count.get().to_string()
                        on:change=move |ev| count.set(event_target_value(&ev).parse().unwrap_or(10).clamp(1, 100)) />
                    " user messages"</label>
                <button id="replay-refresh" on:click=move |_| load()>"Refresh agents"</button>
                <button id="replay-run" disabled=move || chosen.with(|c| c.is_empty()) || matches!(status.get(), State::Running(_))
                    on:click=move |_| start()>"Replay"</button>
            </div>
            {move || targets.with(|t| t.is_empty()).then(|| view! { <p class="muted">"No canary of this prefix has a production agent to replay from."</p> })}
            {move || match status.get() {
                State::Idle => view! { <span></span> }.into_any(),
                State::Running(m) => view! { <p class="muted" id="replay-running">{m}</p> }.into_any(),
                State::Failed(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
                State::Done(_, ps) => {
                    let differ = ps.iter().filter(|p| !p.same).count();
                    let total = ps.len();
                    view! {
                        <p id="replay-summary">{format!("{} replayed: {differ} differ, {} same.", canary_core::wording::count(total, "message"), total - differ)}</p>
                        <div class="actions">
                            <label class="check"><input type="checkbox" id="diff-only" prop:checked=move || only_diff.get()
                                on:change=move |ev| only_diff.set(event_target_checked(&ev)) />" Differences only"</label>
                            <button id="replay-save" disabled=move || picked.with(|p| p.is_empty()) on:click=move |_| save()>"Save selected as suite cases"</button>
                            {move || saved.get().map(|s| view! { <span class="muted" id="replay-saved">{s}</span> })}
                        </div>
                        <div class="pairs">
                            {move || ps.iter().filter(|p| !(only_diff.get() && p.same)).map(|p| {
                                let name = p.name.clone();
                                let n2 = name.clone();
                                view! {
                                    <div class="pair" data-same=p.same.to_string()>
                                        <div class="pair-head">
                                            <label class="check"><input type="checkbox" class="pick"
                                                prop:checked=move || picked.with(|s| s.contains(&n2))
                                                on:change=move |ev| { let on = event_target_checked(&ev); let n = name.clone(); picked.update(|s| { if on { s.insert(n); } else { s.remove(&n); } }); } />
                                                " "{p.name.clone()}</label>
                                            <span class=if p.same { "badge" } else { "badge warn" }>{if p.same { "same" } else { "different" }}</span>
                                        </div>
                                        <div class="msg user">{p.user.clone()}</div>
                                        <div class="pair-grid">
                                            <div><h3>"Canary"</h3><div class="msg assistant" data-side="canary">{p.canary.clone()}</div></div>
                                            <div><h3>"Production"</h3><div class="msg assistant" data-side="production">{p.production.clone()}</div></div>
                                        </div>
                                        {(!p.same).then(|| view! { <div class="muted small">"production → canary"</div>{diff_view(p.diff.clone())} })}
                                        {side_warnings(&p.warnings)}
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        </div>
    }
}
