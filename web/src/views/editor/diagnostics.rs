//! The list of validation problems under the editor: at most [`LIMIT`] rows until "show all"
//! (a 2,000-agent fleet with an error per agent must not cost a 2,000-row render per pause),
//! each jumping to its place, and a one-click fix for a misspelt field name.

use super::{cm::Editor, jump};
use crate::state::AppState;
use canary_core::editor::{self as ed, Edit, LineIndex};
use canary_core::fleet::{Diagnostic, Problem};
use leptos::prelude::*;

/// Rows shown before "show all".
const LIMIT: usize = 100;

/// The edit that renames a misspelt field to its suggestion, if the text still has it there.
fn rename(text: &str, d: &Diagnostic) -> Option<Edit> {
    let Problem::UnknownField { field, .. } = &d.problem else {
        return None;
    };
    let ix = LineIndex::new(text);
    let m = ed::marks(text, &ix, [d]).pop()?;
    let to = m.fix?;
    let (a, b) = (
        ix.start(m.line) + m.range.start,
        ix.start(m.line) + m.range.end,
    );
    let key = text.get(a..b)?.trim_matches(|c| c == '"' || c == '\'');
    (key == field).then(|| {
        let from = ed::utf16_of_byte(text, a);
        let end = from + to.len() as u32;
        Edit {
            from,
            to: ed::utf16_of_byte(text, b),
            insert: to.to_string(),
            sel: (end, end),
        }
    })
}

/// The diagnostics region (`#diagnostics`); `check_ms` is the last parse + validate time.
#[component]
pub fn Diagnostics(editor: Editor, check_ms: RwSignal<Option<f64>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let all = RwSignal::new(false);
    let row = move |d: Diagnostic, sev: &'static str| {
        let (line, column) = (d.line, d.column.unwrap_or(1));
        let fix = match &d.problem {
            Problem::UnknownField {
                suggestion: Some(s),
                ..
            } => Some(*s),
            _ => None,
        };
        let d2 = d.clone();
        view! {
            <li class=sev>
                <button class="link" on:click=move |_| if let Some(l) = line {
                    state.yaml.with_untracked(|y| jump(editor, y, l, column));
                }>
                    {line.map(|l| format!("line {l}")).unwrap_or_else(|| "file".into())}
                </button>
                <span class="path">{d.path.clone()}</span>
                <span class="msg">{d.message.clone()}</span>
                {fix.map(|s| view! {
                    <button class="small fix" title=format!("Rename the field to '{s}'") on:click=move |_| {
                        // Computed first: applying the edit writes the text.
                        if let Some(e) = state.yaml.with_untracked(|y| rename(y, &d2)) {
                            editor.focus();
                            editor.apply(&e);
                        }
                    }>{format!("Use {s}")}</button>
                })}
            </li>
        }
    };
    view! {
        <div class="diagnostics" role="status" aria-live="polite" id="diagnostics"
            data-check-ms=move || check_ms.get().map(|m| format!("{m:.1}"))>
            {move || state.report.with(|r| {
                if r.ok && r.warnings.is_empty() {
                    let n = r.fleet.as_ref().map(|f| f.agents.len()).unwrap_or(0);
                    return view! { <p class="ok">{format!("✓ Valid: {}.", canary_core::wording::count(n, "agent"))}</p> }.into_any();
                }
                let total = r.errors.len() + r.warnings.len();
                let shown = if all.get() { total } else { LIMIT.min(total) };
                let items = r.errors.iter().map(|d| (d, "error")).chain(r.warnings.iter().map(|d| (d, "warning")))
                    .take(shown)
                    .map(|(d, sev)| row(d.clone(), sev))
                    .collect_view();
                let head = if r.ok { format!("✓ Valid with {}.", canary_core::wording::count(r.warnings.len(), "warning")) } else { format!("✗ {}: fix {} to review a plan.", canary_core::wording::count(r.errors.len(), "error"), canary_core::wording::pick(r.errors.len(), "it", "them")) };
                view! {
                    <p class=if r.ok { "ok" } else { "bad" }>{head}</p>
                    <ul class="diag-list">{items}</ul>
                    {(shown < total).then(|| view! {
                        <button id="diag-all" class="small" on:click=move |_| all.set(true)>{format!("Show all {total} problems ({} more)", total - shown)}</button>
                    })}
                }.into_any()
            })}
        </div>
    }
}
