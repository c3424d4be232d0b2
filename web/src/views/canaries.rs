//! Canaries: every canary on the server grouped by prefix, and one described beside production.

use crate::api;
use crate::state::{AppState, ChatPair, Route};
use crate::views::diff::ChangeView;
use canary_core::fleet::Fleet;
use canary_core::inspect::{describe, list_canaries, CanaryList, Description};
use canary_core::live::LiveState;
use leptos::prelude::*;

#[derive(Clone)]
enum Loaded {
    Loading,
    Ready(LiveState, CanaryList),
    Failed(String),
}

fn age(s: Option<i64>) -> String {
    match s {
        None => "age unknown".into(),
        Some(s) if s < 120 => format!("{s} s old"),
        Some(s) if s < 7200 => format!("{} min old", s / 60),
        Some(s) if s < 172_800 => format!("{} h old", s / 3600),
        Some(s) => format!("{} days old", s / 86_400),
    }
}

fn description(d: Description) -> impl IntoView {
    let prod = d.production.clone();
    let rows = d
        .canary
        .fields
        .iter()
        .map(|(k, v)| {
            let p = prod.as_ref().and_then(|p| {
                p.fields
                    .iter()
                    .find(|(pk, _)| pk == k)
                    .map(|(_, pv)| pv.clone())
            });
            let differs = prod.is_some() && p.as_deref() != Some(v.as_str());
            view! {
                <tr class:differs=differs>
                    <th scope="row">{k.clone()}</th>
                    <td>{p.unwrap_or_else(|| "—".into())}</td>
                    <td>{v.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let diffs = d
        .differences
        .into_iter()
        .map(|c| view! { <ChangeView change=c /> })
        .collect_view();
    view! {
        <div class="card" id="describe">
            <h2>{format!("{} beside {}", d.canary.name, prod.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "(no production agent yet)".into()))}</h2>
            <table class="compare">
                <thead><tr><th></th><th scope="col">"Production"</th><th scope="col">"Canary"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>"Differences"</h3>
            <div class="changes">{diffs}</div>
        </div>
    }
}

/// The canaries view.
#[component]
pub fn Canaries() -> impl IntoView {
    let state = expect_context::<AppState>();
    let loaded = RwSignal::new(Loaded::Loading);
    let selected = RwSignal::new(None::<String>);
    let refresh = move || {
        loaded.set(Loaded::Loading);
        let conn = state.conn.get_untracked();
        leptos::task::spawn_local(async move {
            loaded.try_set(
                match api::client(&conn).fetch_live(&Fleet::default()).await {
                    Ok(live) => {
                        let list = list_canaries(&live, &api::now_iso());
                        Loaded::Ready(live, list)
                    }
                    Err(e) => Loaded::Failed(e.to_string()),
                },
            );
        });
    };
    refresh();
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>"Canaries"</h1>
                <div class="actions"><button on:click=move |_| refresh()>"Refresh"</button></div>
            </div>
            {move || match loaded.get() {
                Loaded::Loading => view! { <p class="muted">"Reading the server…"</p> }.into_any(),
                Loaded::Failed(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
                Loaded::Ready(live, list) => {
                    let empty = list.groups.is_empty();
                    let groups = list.groups.into_iter().map(|g| {
                        let rows = g.canaries.into_iter().map(|c| {
                            let id = c.id.clone();
                            let pair = ChatPair { canary_id: c.id.clone(), canary_name: c.name.clone(), production_id: c.production_id.clone(), production_name: c.production_name.clone() };
                            view! {
                                <tr>
                                    <td><strong>{c.name.clone()}</strong></td>
                                    <td>{c.production_name.clone()}{c.production_id.is_none().then(|| view! { <span class="muted">" (not in production yet)"</span> })}</td>
                                    <td>{age(c.age_seconds)}</td>
                                    <td class="actions">
                                        <button on:click=move |_| selected.set(Some(id.clone()))>"Describe"</button>
                                        <button on:click=move |_| { state.pair.set(Some(pair.clone())); state.go(Route::Chat); }>"Chat"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <div class="card" data-prefix=g.prefix.clone()>
                                <h2>{format!("Prefix {}", g.prefix)}</h2>
                                <table class="list"><thead><tr><th>"Canary"</th><th>"Production agent"</th><th>"Age"</th><th></th></tr></thead><tbody>{rows}</tbody></table>
                            </div>
                        }
                    }).collect_view();
                    let any_lookalike = !list.lookalikes.is_empty();
                    let looks = list.lookalikes.into_iter().map(|l| view! {
                        <li><strong>{l.name}</strong><span class="muted">{format!(" starts with {} but has no canary metadata: not a canary, never deleted", l.prefix)}</span></li>
                    }).collect_view();
                    let live2 = live.clone();
                    view! {
                        {empty.then(|| view! { <p class="muted" id="no-canaries">"No canaries on this server."</p> })}
                        <div id="canary-groups">{groups}</div>
                        {any_lookalike.then(|| view! { <div class="card"><h2>"Not canaries"</h2><ul>{looks}</ul></div> })}
                        {move || selected.get().and_then(|id| describe(&live2, &id)).map(description)}
                    }.into_any()
                }
            }}
        </section>
    }
}
