//! Draws a plan change: old → new, or a word/line diff for long text. Text only, never HTML.

use canary_core::plan::{diff_rows, Change, DiffRow, Span, Tag, TextChange};
use canary_core::wording::change_help;
use leptos::prelude::*;

/// How line diffs are drawn, chosen in the plan view (other views get the defaults: unified).
#[derive(Clone, Copy)]
pub struct DiffPrefs {
    /// Side by side (old left, new right) instead of unified.
    pub split: RwSignal<bool>,
}

impl Default for DiffPrefs {
    fn default() -> Self {
        DiffPrefs {
            split: RwSignal::new(false),
        }
    }
}

/// The runs of one side of a line, the changed words marked.
fn runs(spans: &[Span]) -> impl IntoView {
    spans
        .iter()
        .map(|s| view! { <span class=span_class(s.tag)>{s.text.clone()}</span> })
        .collect_view()
}

fn line(mark: &'static str, cls: &'static str, spans: &[Span]) -> AnyView {
    let label = match mark {
        "+" => "added: ",
        "-" => "removed: ",
        _ => "",
    };
    view! {
        <div class=format!("line {cls}")><span class="mark" aria-hidden="true">{mark}</span><span class="sr-only">{label}</span>{runs(spans)}</div>
    }
    .into_any()
}

/// Unified: each run of changed rows shows its removed lines, then its added lines.
fn unified_view(rows: &[DiffRow]) -> impl IntoView {
    let mut out: Vec<AnyView> = Vec::new();
    let mut adds: Vec<AnyView> = Vec::new();
    for r in rows {
        match r {
            DiffRow::Line {
                old,
                new,
                changed: true,
            } => {
                if let Some(o) = old {
                    out.push(line("-", "del", o));
                }
                if let Some(n) = new {
                    adds.push(line("+", "ins", n));
                }
            }
            other => {
                out.append(&mut adds);
                match other {
                    DiffRow::Line { new: Some(n), .. } => out.push(line(" ", "eq", n)),
                    _ => out.push(view! { <div class="line gap">"⋯"</div> }.into_any()),
                }
            }
        }
    }
    out.append(&mut adds);
    view! { <div class="diff lines unified">{out}</div> }
}

/// Side by side: old on the left, new on the right, changed lines paired.
fn split_view(rows: &[DiffRow]) -> impl IntoView {
    let cell =
        |side: &Option<Vec<Span>>, changed: bool, mark: &'static str, cls: &'static str| match side
        {
            Some(s) if changed => line(mark, cls, s),
            Some(s) => line(" ", "eq", s),
            None => view! { <div class="line empty"></div> }.into_any(),
        };
    let body = rows
        .iter()
        .map(|r| match r {
            DiffRow::Gap => {
                view! { <div class="line gap">"⋯"</div><div class="line gap">"⋯"</div> }.into_any()
            }
            DiffRow::Line { old, new, changed } => {
                view! { {cell(old, *changed, "-", "del")}{cell(new, *changed, "+", "ins")} }
                    .into_any()
            }
        })
        .collect_view();
    view! {
        <div class="diff lines split" role="group" aria-label="Old and new, side by side">
            <div class="side-head" aria-hidden="true">"server now"</div><div class="side-head" aria-hidden="true">"after the plan"</div>
            {body}
        </div>
    }
}

fn span_class(t: Tag) -> &'static str {
    match t {
        Tag::Equal => "eq",
        Tag::Insert => "ins",
        Tag::Delete => "del",
    }
}

/// One change row.
#[component]
pub fn ChangeView(change: Change) -> impl IntoView {
    let body = match (&change.diff, &change.old, &change.new) {
        (Some(TextChange::Lines(lines)), _, _) => {
            let rows = diff_rows(lines);
            let prefs = use_context::<DiffPrefs>().unwrap_or_default();
            (move || {
                // `try_get`: a view's context outlives it in the route's owner, so another
                // view may find the plan view's preferences after they were disposed.
                if prefs.split.try_get().unwrap_or(false) {
                    split_view(&rows).into_any()
                } else {
                    unified_view(&rows).into_any()
                }
            })
            .into_any()
        }
        (Some(TextChange::Words(words)), _, _) => {
            let spans = words
                .iter()
                .map(|s| view! { <span class=span_class(s.tag)>{s.text.clone()}</span> })
                .collect_view();
            view! { <div class="diff words">{spans}</div> }.into_any()
        }
        (None, Some(o), Some(n)) => view! {
            <span class="old">{o.clone()}</span><span class="arrow">" → "</span><span class="new">{n.clone()}</span>
        }.into_any(),
        (None, None, Some(n)) => view! { <span class="added">{format!("+ {n}")}</span> }.into_any(),
        (None, Some(o), None) => view! { <span class="removed">{format!("− {o}")}</span> }.into_any(),
        (None, None, None) => view! { <span></span> }.into_any(),
    };
    let help = change_help(&change.field, change.old.as_deref());
    view! {
        <div class="change">
            <div class="field">{change.field.clone()}</div>
            <div class="value">{body}{help.map(|h| view! { <details class="help"><summary>"What does this mean?"</summary><p>{h}</p></details> })}</div>
        </div>
    }
}
