//! The results of a suite run: cases × sides, pass/fail, reply diffs, filters, exports.

use crate::api;
use canary_core::plan::diff::diff_text;
use canary_core::verdict::report::{to_json, to_markdown};
use canary_core::verdict::{CaseResult, RunReport, SideResult};
use leptos::prelude::*;

use super::replay::{diff_view, side_warnings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Failed,
    Different,
}

fn side_cell(s: &SideResult) -> AnyView {
    let latency: u64 = s.turns.iter().map(|t| t.latency_ms).sum();
    let tokens = s.tokens();
    view! {
        <div class="side">
            {s.turns.iter().map(|t| view! {
                <div class="turn-pair">
                    <div class="msg user">{t.user.clone()}</div>
                    <div class="msg assistant">{t.reply.assistant_text()}</div>
                    {t.reply.messages.iter().filter_map(|m| match m {
                        canary_core::client::ChatMessage::ToolCall { name, arguments } =>
                            Some(view! { <div class="msg tool">{format!("tool {name}({arguments})")}</div> }),
                        _ => None,
                    }).collect_view()}
                </div>
            }).collect_view()}
            {s.error.clone().map(|e| view! { <div class="msg bad">{e}</div> })}
            {side_warnings(&s.warnings)}
            <div class="muted small">{format!("{latency} ms · {tokens} tokens")}</div>
        </div>
    }
    .into_any()
}

fn case_row(c: CaseResult) -> impl IntoView {
    let checks = c.canary.checks.clone();
    let diff = c
        .production
        .as_ref()
        .filter(|p| p.error.is_none() && !c.same)
        .map(|p| diff_text(&p.text(), &c.canary.text()));
    view! {
        <tr role="row" class=if c.passed { "pass" } else { "fail" } data-case=c.case.clone()>
            <td role="cell">
                <strong>{c.case.clone()}</strong>
                <div class="muted">{c.agent.clone()}</div>
                <span class=if c.passed { "badge ok" } else { "badge bad" }>{if c.passed { "pass" } else { "FAIL" }}</span>
                {c.production.is_some().then(|| view! {
                    <span class=if c.same { "badge" } else { "badge warn" }>{if c.same { "same" } else { "different" }}</span>
                })}
                {c.sides().any(|(_, s)| s.retried).then(|| view! {
                    <span class="badge warn retried" title="A side ran again after a server fault on its first turn; its cell says why">"retried"</span>
                })}
                <ul class="checks">
                    {checks.into_iter().map(|r| view! {
                        <li class=if r.passed { "ok" } else { "bad" }>
                            {if r.passed { "✓ " } else { "✗ " }}{r.label}
                            {r.detail.map(|d| view! { <span class="muted">{format!(" — {d}")}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </td>
            <td role="cell" data-side="Canary">{side_cell(&c.canary)}</td>
            <td role="cell" data-side="Production">
                {match &c.production {
                    Some(p) => side_cell(p),
                    None => view! { <span class="muted">"no production agent"</span> }.into_any(),
                }}
                {diff.map(|d| view! { <div class="muted small">"production → canary"</div>{diff_view(d)} })}
            </td>
        </tr>
    }
}

/// The results table of one run.
#[component]
pub fn Results(report: RunReport) -> impl IntoView {
    let filter = RwSignal::new(Filter::All);
    let t = report.totals.clone();
    let cases = report.cases.clone();
    let json = to_json(&report);
    let md = to_markdown(&report);
    view! {
        <div class="results" id="results">
            <p id="totals" class=if report.verdict.ok { "ok" } else { "bad" }>
                {format!(
                    "{}: {} of {} passed, {} failed ({} errors), {} differ from production · {} ms · tokens {} canary / {} production{}",
                    if report.verdict.ok { "PASSED" } else { "FAILED" },
                    t.passed, t.cases, t.failed, t.errors, t.different, t.wall_ms, t.canary_tokens, t.production_tokens,
                    t.retried_note()
                )}
            </p>
            <div class="actions">
                <label>"Show "
                    <select id="results-filter" on:change=move |ev| filter.set(match event_target_value(&ev).as_str() {
                        "failed" => Filter::Failed,
                        "different" => Filter::Different,
                        _ => Filter::All,
                    })>
                        <option value="all">"all cases"</option>
                        <option value="failed">"failed only"</option>
                        <option value="different">"differences only"</option>
                    </select>
                </label>
                <button id="export-json" on:click=move |_| api::download("verdict.json", &json, "application/json")>"Export JSON"</button>
                <button id="export-md" on:click=move |_| api::download("verdict.md", &md, "text/markdown")>"Export Markdown"</button>
            </div>
            // Explicit roles: a narrow screen lays the rows out as grids, which strips a table's
            // semantics in some browsers.
            <table class="results-table" role="table">
                <thead role="rowgroup"><tr role="row"><th role="columnheader">"Case"</th><th role="columnheader">"Canary"</th><th role="columnheader">"Production"</th></tr></thead>
                <tbody role="rowgroup">
                    {move || {
                        let f = filter.get();
                        cases.iter().filter(|c| match f {
                            Filter::All => true,
                            Filter::Failed => !c.passed,
                            Filter::Different => c.production.is_some() && !c.same,
                        }).cloned().map(case_row).collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}
