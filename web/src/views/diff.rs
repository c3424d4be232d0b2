//! Draws a plan change: old → new, or a word/line diff for long text. Text only, never HTML.

use canary_core::plan::{Change, Span, Tag, TextChange};
use leptos::prelude::*;

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
            let rows = lines
                .iter()
                .map(|l| match l {
                    None => view! { <div class="line gap">"⋯"</div> }.into_any(),
                    Some(Span { tag, text }) => {
                        let mark = match tag { Tag::Equal => " ", Tag::Insert => "+", Tag::Delete => "-" };
                        view! { <div class=format!("line {}", span_class(*tag))><span class="mark">{mark}</span>{text.clone()}</div> }.into_any()
                    }
                })
                .collect_view();
            view! { <div class="diff lines">{rows}</div> }.into_any()
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
    view! {
        <div class="change">
            <div class="field">{change.field.clone()}</div>
            <div class="value">{body}</div>
        </div>
    }
}
