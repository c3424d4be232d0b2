//! The transcript: one grid row per turn, canary turn N beside production turn N, the user's
//! message above them and the word diff of the two replies below. Agent content is always
//! rendered as text (never as HTML).
//!
//! Each side's cells sit in one `display: contents` wrapper (`.transcript[data-side]`), so the
//! whole of a side's transcript is one element to read, while every cell is placed in the
//! shared grid by its turn's row: a long canary reply pushes the next production turn down
//! too, and the turns stay side by side.

use crate::state::AppState;
use crate::views::diff::ChangeView;
use canary_core::chat::{compare, ChatTurn, Comparison, SideReply, SideStatus};
use canary_core::client::{ChatMessage, StreamedMessage};
use canary_core::plan::Change;
use leptos::prelude::*;

fn message_view(m: StreamedMessage) -> AnyView {
    let failed = m.failed;
    match m.message {
        ChatMessage::Assistant { content } => {
            view! { <div class="msg assistant">{content}</div> }.into_any()
        }
        ChatMessage::Reasoning { reasoning } => view! {
            <details class="msg reasoning"><summary>"Reasoning"</summary><pre>{reasoning}</pre></details>
        }
        .into_any(),
        ChatMessage::ToolCall { name, arguments } => view! {
            <details class="msg tool" class:failed=failed data-failed=failed.to_string()>
                <summary>{if failed { format!("Tool call failed: {name}") } else { format!("Tool call: {name}") }}</summary>
                <pre>{arguments}</pre>
            </details>
        }
        .into_any(),
        ChatMessage::ToolReturn { tool_return, status } => view! {
            <details class="msg tool" class:failed=failed data-failed=failed.to_string()>
                <summary>{format!("Tool result ({status})")}</summary><pre>{tool_return}</pre>
            </details>
        }
        .into_any(),
        ChatMessage::Error { message } => {
            view! { <div class="msg bad" role="alert">{message}</div> }.into_any()
        }
    }
}

fn status_name(s: &SideStatus) -> &'static str {
    match s {
        SideStatus::Waiting => "waiting",
        SideStatus::Streaming => "streaming",
        SideStatus::Done => "done",
        SideStatus::Stopped => "stopped",
        SideStatus::Failed(_) => "failed",
    }
}

fn side_view(side: SideReply) -> AnyView {
    let stats = side.stats();
    let status = side.status.clone();
    let note = match &status {
        SideStatus::Waiting => Some(
            view! { <div class="msg muted typing" aria-label="waiting for the reply">"…"</div> }
                .into_any(),
        ),
        SideStatus::Stopped => Some(
            view! { <div class="muted small stopped">"Stopped: the reply was cut off here."</div> }
                .into_any(),
        ),
        SideStatus::Failed(e) => {
            Some(view! { <div class="msg bad" role="alert">{e.clone()}</div> }.into_any())
        }
        _ => None,
    };
    let streaming = status == SideStatus::Streaming;
    view! {
        {side.reply.messages.into_iter().map(message_view).collect_view()}
        {streaming.then(|| view! { <div class="muted small receiving"><span class="caret" aria-hidden="true">"▍"</span>" receiving…"</div> })}
        {note}
        {stats.map(|s| view! { <div class="reply-stats muted small">{s}</div> })}
    }
    .into_any()
}

fn compare_view(turn: &ChatTurn) -> AnyView {
    let c = compare(turn);
    let kind = match &c {
        Comparison::Waiting => "waiting",
        Comparison::Unpaired => "unpaired",
        Comparison::Incomplete => "incomplete",
        Comparison::Same => "same",
        Comparison::Different(_) => "different",
    };
    let label = if kind == "unpaired" { "" } else { c.label() };
    let body = match c {
        Comparison::Different(diff) => {
            let change = Change {
                field: "production → canary".into(),
                old: turn.production.as_ref().map(|p| p.reply.assistant_text()),
                new: Some(turn.canary.reply.assistant_text()),
                diff: Some(diff),
            };
            Some(view! { <ChangeView change=change /> })
        }
        _ => None,
    };
    view! {
        <div class="compare-body" data-compare=kind>
            {(!label.is_empty()).then(|| view! { <span class=if kind == "different" { "badge warn" } else { "badge" }>{label}</span> })}
            {body}
        </div>
    }
    .into_any()
}

/// The grid row of a cell: rows come in fives per turn (marker, message, canary reply,
/// production reply on narrow screens, diff); on wide screens production's reply shares the
/// canary's row (`--narrow-row` is where the stylesheet puts it on narrow ones). Set through
/// the CSS object model: the Content-Security-Policy refuses `style` attributes.
fn row(index: usize, part: usize) -> String {
    (index * 5 + part + 1).to_string()
}

/// The transcript of the pair whose log key `key` gives.
#[component]
pub fn Turns(key: Memo<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Memos per turn: a token piece re-draws only the turn it belongs to.
    let ids = Memo::new(move |_| {
        key.with(|k| {
            state.chat.with(|s| {
                s.log(k)
                    .map(|l| l.turns.iter().enumerate().map(|(i, t)| (i, t.id)).collect())
                    .unwrap_or_else(Vec::new)
            })
        })
    });
    let turn = move |id: u64| {
        Memo::new(move |_| {
            key.with(|k| {
                state.chat.with(|s| {
                    s.log(k)
                        .and_then(|l| l.turns.iter().find(|t| t.id == id))
                        .cloned()
                })
            })
        })
    };
    let side_cells = move |production: bool| {
        view! {
            <For each=move || ids.get() key=|x| *x let:((i, id))>
                {
                    let t = turn(id);
                    view! {
                        <div class="turn-side" class:production=production data-turn=i + 1 style:grid-row=row(i, 2) style:--narrow-row=row(i, 3)
                            data-status=move || t.with(|t| t.as_ref().map(|t| {
                                let s = if production { t.production.as_ref() } else { Some(&t.canary) };
                                s.map(|s| status_name(&s.status)).unwrap_or("none")
                            }).unwrap_or("none"))
                            data-run=move || t.with(|t| t.as_ref().and_then(|t| {
                                let s = if production { t.production.as_ref() } else { Some(&t.canary) };
                                s.and_then(|s| s.reply.run_id.clone())
                            }))>
                            {move || t.get().map(|t| {
                                let s = if production { t.production } else { Some(t.canary) };
                                match s {
                                    Some(s) => side_view(s),
                                    None => view! { <div class="muted small">"Not sent: there was no production agent."</div> }.into_any(),
                                }
                            })}
                        </div>
                    }
                }
            </For>
        }
    };
    view! {
        <div class="transcript" data-side="canary" role="group" aria-label="Canary replies">{side_cells(false)}</div>
        <div class="transcript" data-side="production" role="group" aria-label="Production replies">{side_cells(true)}</div>
        <For each=move || ids.get() key=|x| *x let:((i, id))>
            {
                let t = turn(id);
                view! {
                    {move || t.with(|t| t.as_ref().is_some_and(|t| t.fresh_conversation)).then(|| view! {
                        <div class="turn-fresh muted small" style:grid-row=row(i, 0)>"New test conversations from here: the agents do not remember the turns above."</div>
                    })}
                    <div class="turn-user" data-turn=i + 1 style:grid-row=row(i, 1)>
                        <span class="turn-no muted small">{format!("Turn {}", i + 1)}</span>
                        <div class="msg user">{move || t.with(|t| t.as_ref().map(|t| t.user.clone()))}</div>
                    </div>
                    <div class="turn-compare" data-turn=i + 1 style:grid-row=row(i, 4)>
                        {move || t.get().map(|t| compare_view(&t))}
                    </div>
                }
            }
        </For>
    }
}
