//! The plan as the reviewer reads it: the summary, blockers, production impact, shared
//! objects, one card per agent (the first [`FIRST_CARDS`], then the rest on request) and the
//! cleanup phase.

use crate::state::{AppState, Reviewed};
use crate::views::diff::ChangeView;
use canary_core::plan::{Action, AgentPlan, AgentStep, CleanupPhase, FleetStep, Mode};
use canary_core::render::render_text;
use canary_core::wording;
use leptos::prelude::*;
use std::sync::Arc;

fn agent_card(a: AgentPlan, show_all: RwSignal<bool>) -> impl IntoView {
    let (badge, cls) = match a.action {
        Action::Create => ("CREATE", "create"),
        Action::Update => ("UPDATE", "update"),
        Action::Unchanged => ("UNCHANGED", "same"),
        Action::Blocked => ("BLOCKED", "blocked"),
    };
    let changes = a
        .changes
        .clone()
        .into_iter()
        .map(|c| view! { <ChangeView change=c /> })
        .collect_view();
    let unchanged = a.unchanged.clone();
    // A new agent: show what its single create request carries.
    let create_note = a.steps.first().and_then(|s| match s {
        AgentStep::Create(c) => Some(c.clone()),
        _ => None,
    }).map(|c| {
        let names = |v: &[canary_core::plan::Ref]| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>().join(", ");
        let blocks: Vec<String> = c.memory_blocks.iter().map(|b| b.label.clone()).chain(c.blocks.iter().map(|r| format!("{} (shared)", r.name))).collect();
        let rows = [
            ("model", format!("{} · {} tokens{}", c.model, c.context_window, c.max_tokens.map(|m| format!(" · max {m}")).unwrap_or_default())),
            ("blocks", blocks.join(", ")),
            ("tools", names(&c.tools)),
            ("folders", names(&c.folders)),
            ("tags", c.tags.join(", ")),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| view! { <div class="change"><div class="field">{k}</div><div class="value">{v}</div></div> })
        .collect_view();
        let values = c.memory_blocks.iter().map(|b| view! {
            <div class="full-value" data-block=b.label.clone()>
                <div class="field">{format!("block {} ({}/{} chars{})", b.label, b.value.chars().count(), b.limit, if b.agent_owned { ", agent-owned" } else { "" })}</div>
                <pre class="text-block">{b.value.clone()}</pre>
            </div>
        }).collect_view();
        view! {
            <p class="muted">{format!("One create request{}.", if a.steps.len() > 1 { format!(", then {} more", wording::count(a.steps.len() - 1, "step")) } else { String::new() })}</p>
            <div class="changes">{rows}</div>
            <details class="full-values" open>
                <summary>"System prompt and block values"</summary>
                <div class="full-value"><div class="field">"system_prompt"</div><pre class="text-block system-prompt">{c.system.clone()}</pre></div>
                {values}
            </details>
        }
    });
    view! {
        <article class=format!("card agent {cls}") data-agent=a.name.clone()>
            <header>
                <span class=format!("badge {cls}")>{badge}</span>
                <h2 class="agent-name">{a.name.clone()}</h2>
                {(a.action == Action::Update).then(|| view! { <span class="muted">{wording::count(a.changes.len(), "change")}</span> })}
            </header>
            {create_note}
            <div class="changes">{changes}</div>
            {move || (show_all.get() && !unchanged.is_empty()).then(|| {
                let rows = unchanged.iter().map(|(k, v)| view! {
                    <div class="change same"><div class="field">{k.clone()}</div><div class="value">{v.clone()}</div></div>
                }).collect_view();
                view! { <div class="changes unchanged">{rows}</div> }
            })}
        </article>
    }
}

/// How many agent cards a list draws before its "Show all" button. Each card carries the
/// agent's changes (a create, its prompt and block values): 2,000 of them take seconds to
/// draw, and the summary above already counts them all.
pub(super) const FIRST_CARDS: usize = 50;

/// The cards of the agents at these positions of the plan, in this order: the first
/// [`FIRST_CARDS`], then the rest on request.
fn card_list(r: Arc<Reviewed>, at: Vec<usize>, show_all: RwSignal<bool>) -> impl IntoView {
    let more = RwSignal::new(false);
    let first = at
        .iter()
        .take(FIRST_CARDS)
        .map(|&i| agent_card(r.plan.agents[i].clone(), show_all))
        .collect_view();
    let hidden = at.len().saturating_sub(FIRST_CARDS);
    let total = at.len();
    let rest = move || {
        more.get().then(|| {
            at.iter()
                .skip(FIRST_CARDS)
                .map(|&i| agent_card(r.plan.agents[i].clone(), show_all))
                .collect_view()
        })
    };
    view! {
        <div class="cards">{first}{rest}</div>
        {(hidden > 0).then(|| view! {
            <button class="small show-all-agents" hidden=move || more.get() on:click=move |_| more.set(true)>
                {format!("Show all {total} agents ({hidden} more)")}</button>
        })}
    }
}

/// The reviewed plan, drawn.
pub(super) fn plan_body(
    r: Arc<Reviewed>,
    show_all: RwSignal<bool>,
    as_text: RwSignal<bool>,
) -> impl IntoView {
    let deployed = (r.plan.mode == Mode::Promote).then(|| deployed_check(&r));
    let p = &r.plan;
    let s = p.summary.clone();
    let blockers = p
        .blockers
        .iter()
        .map(|b| view! { <li>{b.clone()}</li> })
        .collect_view();
    let impact = p
        .production_impact
        .iter()
        .map(|i| view! {
            <li class:accepted=i.accepted>
                <strong>{format!("{} {}", i.kind, i.name)}</strong>": "{i.detail.clone()}
                <span class="muted">{format!(" — used by: {}", if i.used_by.is_empty() { "no production agent".into() } else { i.used_by.join(", ") })}</span>
                {i.accepted.then(|| view! { <span class="badge update">"accepted"</span> })}
            </li>
        })
        .collect_view();
    let steps = p
        .fleet_steps
        .iter()
        .map(|st| {
            let (t, cls) = (
                st.describe(),
                if st.creates() { "create" } else { "update" },
            );
            let changes = match st {
                FleetStep::UpdateBlock { changes, .. } => changes.clone(),
                FleetStep::UpdateTool { change, .. } => vec![change.clone()],
                _ => vec![],
            };
            let cv = changes
                .into_iter()
                .map(|c| view! { <ChangeView change=c /> })
                .collect_view();
            view! { <li class=cls>{t}<div class="changes">{cv}</div></li> }
        })
        .collect_view();
    let kept_count = p.cleanup.as_ref().map_or(0, |c| c.kept.len());
    let follows = p.cleanup_follows();
    let (changed, same): (Vec<usize>, Vec<usize>) = wording::review_positions(&p.agents)
        .into_iter()
        .partition(|&i| p.agents[i].action != Action::Unchanged);
    let same_count = same.len();
    let cards = card_list(r.clone(), changed, show_all);
    let same_cards = card_list(r.clone(), same, show_all);
    let cleanup = p.mode == Mode::Cleanup;
    let banner = wording::production_banner(p);
    let text_of = r.clone();
    view! {
        {banner.map(|b| view! { <div class="callout prod-banner" id="production-banner" role="note"><strong>{b}</strong></div> })}
        {deployed}
        <div class="summary" id="plan-summary">
            {if cleanup {
                view! { <span class="count delete">{format!("{} to delete", s.delete)}</span><span class="count same">{format!("{kept_count} kept")}</span> }.into_any()
            } else {
                view! {
                    <span class="count create">{format!("{} to create", s.create)}</span>
                    <span class="count update" title=wording::HELP_DRIFT>{format!("{} to update", s.update)}</span>
                    <span class="count same">{format!("{} unchanged", s.unchanged)}</span>
                    <span class="count">{wording::count(s.fleet_steps, "shared object change")}</span>
                }.into_any()
            }}
            {follows.then(|| view! { <span class="count delete">{format!("then {} to delete", p.deletions().len())}</span> })}
            <span class="count total">{format!("Total changes: {}", s.total_changes)}</span>
        </div>
        {(!p.blockers.is_empty()).then(|| view! { <div class="callout bad" role="alert"><h2>"Cannot execute"</h2><ul>{blockers}</ul></div> })}
        {(p.is_noop() && p.blockers.is_empty()).then(|| view! {
            <div class="callout ok" id="noop">{if cleanup {
                format!("Nothing to clean up: no canary of prefix {} belongs to this cleanup's scope.", p.prefix.clone().unwrap_or_default())
            } else {
                "Nothing to do: the server matches the fleet, and executing would write nothing.".to_string()
            }}</div>
        })}
        {(!p.production_impact.is_empty()).then(|| view! { <div class="callout warn"><h2>"Production impact"</h2><ul>{impact}</ul></div> })}
        {move || if as_text.get() {
            view! {
                <pre class="plan-text" id="plan-text">{render_text(&text_of.plan)}</pre>
                <p class="help-inline" id="drift-help">{wording::HELP_DRIFT}</p>
            }.into_any()
        } else {
            view! { <div></div> }.into_any()
        }}
        {follows.then(|| view! { <h2 class="phase" id="phase-one">"Phase one: promote to production"</h2> })}
        {(!p.fleet_steps.is_empty()).then(|| view! { <div class="card"><h2>"Shared objects"</h2><ul class="steps">{steps}</ul></div> })}
        {cards}
        {(same_count > 0).then(|| view! {
            <details class="unchanged-agents" id="unchanged-agents">
                <summary>{format!("{} unchanged", wording::count(same_count, "agent"))}</summary>
                {same_cards}
            </details>
        })}
        {p.cleanup.clone().map(|c| cleanup_phase(c, follows))}
    }
}

/// The promote's check of the fleet against the version its canaries were deployed from (the
/// newest successful canary deploy of the plan's prefix on this server in the history).
fn deployed_check(r: &Reviewed) -> impl IntoView {
    let state = expect_context::<AppState>();
    let prefix = r.inputs.options.prefix.clone();
    let server = r.inputs.conn.base_url.clone();
    let entry = state.history.with_untracked(|h| {
        h.iter()
            .find(|e| {
                e.mode == "canary"
                    && e.ok
                    && e.server == server
                    && e.prefix.as_deref() == Some(prefix.as_str())
            })
            .cloned()
    });
    let Some(e) = entry else {
        return view! { <p class="muted" id="deployed-unknown">{wording::deployed_version_unknown(&prefix)}</p> }.into_any();
    };
    // The same text and files are the same fleet without parsing them again (2,000 agents
    // take ~200 ms); other text may still be the same fleet (comments, layout): compare hashes.
    let same_text = e.yaml == r.inputs.yaml && e.files == r.inputs.files;
    let same = same_text || {
        let then = canary_core::fleet::load_fleet(&e.yaml, &e.files)
            .fleet
            .map(|f| canary_core::verdict::fleet_hash(&f));
        then.as_deref() == Some(canary_core::verdict::fleet_hash(&r.fleet).as_str())
    };
    if same {
        return view! { <p class="ok" id="deployed-same">{format!("This is the fleet the {prefix} canaries were deployed from ({}).", wording::readable_time(&e.time))}</p> }.into_any();
    }
    let change = canary_core::plan::Change {
        field: "fleet.yaml".into(),
        diff: Some(canary_core::plan::diff_text(&e.yaml, &r.inputs.yaml)),
        old: Some(e.yaml.clone()),
        new: Some(r.inputs.yaml.clone()),
    };
    let files_differ = e.files != r.inputs.files;
    view! {
        <div class="callout bad" id="deployed-differs" role="alert">
            <h2>"Not the fleet the canaries run"</h2>
            <p>{wording::deployed_version_warning(&prefix, &e.time)}</p>
            {files_differ.then(|| view! { <p>"The fleet's files differ too."</p> })}
            <details><summary>"What changed since the canary deploy"</summary><ChangeView change=change /></details>
        </div>
    }
    .into_any()
}

/// Phase two: what the cleanup deletes and spares. After a promote it is part of the same
/// reviewed plan, and runs only when every agent of phase one succeeded.
fn cleanup_phase(c: CleanupPhase, follows: bool) -> impl IntoView {
    let deletions = c
        .deletions
        .iter()
        .map(|d| view! { <li><span class="badge delete">"DELETE"</span>" "<strong>{format!("{} {}", d.kind, d.name)}</strong><span class="muted">{format!(" {} — {}", d.id, d.reason)}</span></li> })
        .collect_view();
    let kept = c
        .kept
        .iter()
        .map(|k| view! { <li><span class="badge same">"KEPT"</span>" "<strong>{format!("{} {}", k.kind, k.name)}</strong><span class="muted">{format!(" — {}", k.reason)}</span></li> })
        .collect_view();
    let agents = c.agents();
    let others = c.deletions.len() - agents;
    view! {
        <section id="cleanup-phase" class="cleanup-phase" class:phase-two=follows>
            {follows.then(|| view! {
                <h2 class="phase">{format!("Phase two: clean up the canaries of prefix {}", c.prefix)}</h2>
                <p class="callout warn" id="phase-two-rule">{format!(
                    "Runs only if every agent is promoted: then it deletes {} and {}. If any agent fails, nothing is deleted and the canaries stay for another try.",
                    wording::count(agents, "canary agent"),
                    wording::count(others, "other object")
                )}</p>
            })}
            {(!c.deletions.is_empty()).then(|| view! { <div class="card deletions"><h2>"Deletions"</h2><ul>{deletions}</ul></div> })}
            {(follows && c.deletions.is_empty()).then(|| view! { <p class="muted">{format!("No canary of prefix {} to delete.", c.prefix)}</p> })}
            {(!c.kept.is_empty()).then(|| view! { <div class="card"><h2>"Spared"</h2><ul>{kept}</ul></div> })}
        </section>
    }
}
