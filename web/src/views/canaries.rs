//! Canaries: every canary on the server grouped by prefix, and one described beside production.

use crate::api;
use crate::state::{AppState, ChatPair, Route};
use crate::views::diff::ChangeView;
use canary_core::inspect::{describe, list_canaries, CanaryInfo, CanaryList, Description};
use canary_core::live::LiveState;
use canary_core::plan::Mode;
use leptos::prelude::*;
use std::collections::BTreeSet;

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
    // Without a production agent there is nothing to compare: no (empty) Production column.
    let has_prod = prod.is_some();
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
                    {has_prod.then(|| view! { <td>{p.unwrap_or_else(|| "—".into())}</td> })}
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
        <div>
            <table class="compare">
                <thead><tr>
                    <th scope="col">"Field"</th>
                    {has_prod.then(|| view! { <th scope="col">"Production"</th> })}
                    <th scope="col">"Canary"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {if has_prod {
                view! { <h3 class="drawer-sub">"Differences"</h3><div class="changes">{diffs}</div> }.into_any()
            } else {
                view! { <p class="muted">"No production agent yet: nothing to compare with."</p> }.into_any()
            }}
        </div>
    }
}

/// How the canary table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Name,
    Production,
    Differs,
    Age,
}

/// One table row: the canary and what the Describe comparison says about it.
#[derive(Clone, PartialEq)]
struct Row {
    info: CanaryInfo,
    /// `None`: no production agent to compare with; otherwise the number of differing fields.
    differs: Option<usize>,
}

fn rows_of(live: &LiveState, list: &CanaryList) -> Vec<Row> {
    list.groups
        .iter()
        .flat_map(|g| g.canaries.iter())
        .map(|c| Row {
            info: c.clone(),
            differs: describe(live, &c.id)
                .and_then(|d| d.production.is_some().then_some(d.differences.len())),
        })
        .collect()
}

fn differs_text(d: Option<usize>) -> String {
    match d {
        None => "no production agent".into(),
        Some(0) => "same".into(),
        Some(n) => canary_core::wording::count(n, "field"),
    }
}

/// Reads every canary (any prefix) with its production agent, and every tool and folder by
/// name, so Describe shows names, never ids: at the cost of the canaries, not of every agent
/// on the server (`LettaClient::read_canaries`).
async fn read(conn: canary_core::client::Connection) -> Result<LiveState, String> {
    api::client(&conn)
        .read_canaries()
        .await
        .map_err(|e| e.to_string())
}

/// The canaries view: one compact row per canary, searchable and sortable, Describe in a
/// drawer beside the table, and a cleanup of the selected canaries reviewed in the Plan view.
#[component]
pub fn Canaries() -> impl IntoView {
    let state = expect_context::<AppState>();
    let loaded = RwSignal::new(Loaded::Loading);
    let selected = RwSignal::new(None::<String>);
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new((SortBy::Name, true));
    let checked = RwSignal::new(BTreeSet::<String>::new());
    let bulk_note = RwSignal::new(None::<String>);
    let drawer_head = NodeRef::<leptos::html::H2>::new();
    let refresh = move || {
        loaded.set(Loaded::Loading);
        let conn = state.conn.get_untracked();
        leptos::task::spawn_local(async move {
            loaded.try_set(match read(conn).await {
                Ok(live) => {
                    let list = list_canaries(&live, &api::now_iso());
                    Loaded::Ready(live, list)
                }
                Err(e) => Loaded::Failed(e),
            });
        });
    };
    refresh();
    // Opening Describe moves focus into the drawer, so keyboard and screen-reader users land on it.
    Effect::new(move |_| {
        if selected.get().is_some() {
            if let Some(h) = drawer_head.get() {
                let _ = h.focus();
            }
        }
    });
    let rows = Memo::new(move |_| match loaded.get() {
        Loaded::Ready(live, list) => rows_of(&live, &list),
        _ => Vec::new(),
    });
    let shown = move || {
        let q = query.get().to_lowercase();
        let (by, asc) = sort.get();
        let mut v: Vec<Row> = rows
            .get()
            .into_iter()
            .filter(|r| {
                q.is_empty()
                    || r.info.name.to_lowercase().contains(&q)
                    || r.info.production_name.to_lowercase().contains(&q)
            })
            .collect();
        v.sort_by(|a, b| {
            let o = match by {
                SortBy::Name => a.info.name.cmp(&b.info.name),
                SortBy::Production => a.info.production_name.cmp(&b.info.production_name),
                SortBy::Differs => a.differs.cmp(&b.differs),
                SortBy::Age => a.info.age_seconds.cmp(&b.info.age_seconds),
            };
            if asc {
                o
            } else {
                o.reverse()
            }
        });
        v
    };
    // The selected canaries become a cleanup plan of their prefix, scoped to their production
    // agents; nothing is deleted until that plan is reviewed and executed.
    let clean_up = move |_| {
        let picked: Vec<Row> = rows
            .get_untracked()
            .into_iter()
            .filter(|r| checked.with_untracked(|c| c.contains(&r.info.id)))
            .collect();
        let fleet_names: Vec<String> = state.report.with_untracked(|r| {
            r.fleet
                .as_ref()
                .map(|f| f.agents.iter().map(|a| a.name.clone()).collect())
                .unwrap_or_default()
        });
        let whole =
            |p: &str| rows.with_untracked(|all| all.iter().filter(|r| r.info.prefix == p).count());
        match canary_core::wording::bulk_cleanup(
            &picked
                .iter()
                .map(|r| (r.info.prefix.as_str(), r.info.production_name.as_str()))
                .collect::<Vec<_>>(),
            &fleet_names,
            whole,
        ) {
            Err(why) => bulk_note.set(Some(why)),
            Ok(scope) => {
                bulk_note.set(None);
                state.options.update(|o| {
                    o.mode = Mode::Cleanup;
                    o.prefix = scope.prefix;
                    o.all_canaries = scope.agents.is_none();
                    o.agents = scope.agents;
                });
                state.go(Route::Plan);
            }
        }
    };
    let sort_head = move |label: &'static str, by: SortBy| {
        view! {
            <th scope="col" aria-sort=move || match sort.get() { (b, true) if b == by => "ascending", (b, false) if b == by => "descending", _ => "none" }>
                <button class="link sort" on:click=move |_| sort.update(|s| *s = if s.0 == by { (by, !s.1) } else { (by, true) })>
                    {label}{move || match sort.get() { (b, true) if b == by => " ▲", (b, false) if b == by => " ▼", _ => "" }}
                </button>
            </th>
        }
    };
    let table = move || {
        let body = shown()
            .into_iter()
            .map(|r| {
                let c = r.info;
                let id = c.id.clone();
                let id2 = c.id.clone();
                let id3 = c.id.clone();
                let id4 = c.id.clone();
                let pair = ChatPair { canary_id: c.id.clone(), canary_name: c.name.clone(), production_id: c.production_id.clone(), production_name: c.production_name.clone() };
                let differs = r.differs;
                view! {
                    <tr class:current=move || selected.get().as_deref() == Some(id.as_str()) data-canary=c.name.clone()>
                        <td><input type="checkbox" aria-label=format!("Select {}", c.name)
                            prop:checked=move || checked.with(|s| s.contains(&id2))
                            on:change=move |ev| { let on = event_target_checked(&ev); checked.update(|s| { if on { s.insert(id3.clone()); } else { s.remove(&id3); } }); } /></td>
                        <td class="name"><strong>{name_parts(&c.name, &c.prefix)}</strong></td>
                        <td class="muted prefix">{c.prefix.clone()}</td>
                        <td class="keep">{c.production_name.clone()}</td>
                        <td class="differs" class:warn=differs.is_some_and(|n| n > 0) class:muted=differs.is_none()>{differs_text(differs)}</td>
                        <td class="muted age">{age(c.age_seconds)}</td>
                        <td class="row-actions">
                            <button class="small" aria-controls="describe" aria-expanded=move || (selected.get().as_deref() == Some(id4.as_str())).to_string()
                                on:click={let id = c.id.clone(); move |_| selected.update(|s| *s = if s.as_deref() == Some(id.as_str()) { None } else { Some(id.clone()) })}>"Describe"</button>
                            <button class="small" on:click=move |_| { state.pair.set(Some(pair.clone())); state.go(Route::Chat); }>"Chat"</button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="list compact" id="canary-table">
                <thead><tr>
                    <th scope="col"><span class="sr-only">"Select"</span></th>
                    {sort_head("Canary", SortBy::Name)}
                    <th scope="col" class="prefix">"Prefix"</th>
                    {sort_head("Production agent", SortBy::Production)}
                    {sort_head("Differs from production", SortBy::Differs)}
                    {sort_head("Age", SortBy::Age)}
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        }
    };
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>"Canaries"</h1>
                <div class="actions">
                    <input id="canary-search" type="search" placeholder="Search canaries" aria-label="Search canaries by name or production agent"
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                    <button id="bulk-cleanup" disabled=move || checked.with(|c| c.is_empty()) on:click=clean_up>
                        {move || format!("Clean up selected ({})…", checked.with(|c| c.len()))}</button>
                    <button on:click=move |_| refresh()>"Refresh"</button>
                </div>
            </div>
            {move || bulk_note.get().map(|n| view! { <p class="callout warn" id="bulk-note" role="alert">{n}</p> })}
            {move || match loaded.get() {
                Loaded::Loading => view! { <p class="muted">"Reading the server…"</p> }.into_any(),
                Loaded::Failed(e) => view! { <p class="bad" role="alert">{e}</p> }.into_any(),
                Loaded::Ready(live, list) => {
                    let empty = list.groups.is_empty();
                    let any_lookalike = !list.lookalikes.is_empty();
                    let looks = list.lookalikes.into_iter().map(|l| view! {
                        <li><strong>{l.name}</strong><span class="muted">{format!(" starts with {} but has no canary metadata: not a canary, never deleted", l.prefix)}</span></li>
                    }).collect_view();
                    let live2 = live.clone();
                    view! {
                        {empty.then(|| view! { <p class="muted" id="no-canaries">"No canaries on this server."</p> })}
                        <div class="canaries-layout" class:open=move || selected.get().is_some()>
                            <div id="canary-groups" class="table-wrap">{(!empty).then(table)}</div>
                            {move || selected.get().and_then(|id| describe(&live2, &id)).map(|d| view! {
                                <aside class="drawer card" id="describe" aria-labelledby="describe-head">
                                    <div class="drawer-head">
                                        <h2 id="describe-head" tabindex="-1" node_ref=drawer_head>{format!("{} beside {}", d.canary.name, d.production.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "(no production agent yet)".into()))}</h2>
                                        <button class="small" id="describe-close" aria-label="Close the description" on:click=move |_| selected.set(None)>"Close"</button>
                                    </div>
                                    {description(d)}
                                </aside>
                            })}
                        </div>
                        {any_lookalike.then(|| view! { <div class="card"><h2>"Not canaries"</h2><ul>{looks}</ul></div> })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// A canary's name as its prefix and its production name, each kept whole where the column
/// allows and broken between the two (not at the first hyphen, "CN-cn-" / "x"), so the
/// production name reads as one word under its prefix.
fn name_parts(name: &str, prefix: &str) -> impl IntoView {
    match name.strip_prefix(prefix).filter(|rest| !prefix.is_empty() && !rest.is_empty()) {
        Some(rest) => view! { <span class="keep">{prefix.to_string()}</span><wbr /><span class="keep">{rest.to_string()}</span> }.into_any(),
        None => view! { <span>{name.to_string()}</span> }.into_any(),
    }
}
