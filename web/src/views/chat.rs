//! Side-by-side chat: one message to a canary and its production agent, the replies streamed
//! token by token, turn N of each side beside the other with a word diff of the two.
//!
//! The pair comes from a server read, every time the view opens, after every run (a promote
//! creates or changes the production agent) and on "Refresh"; a send to a pair without a
//! production agent looks it up once more first. Transcripts live in app state, per pair
//! ([`crate::state::chat`]), so leaving the view keeps them.
//!
//! Every message goes through a test conversation made for this chat on each side (isolating
//! every block label), never the agents' default conversations; they are deleted as soon as
//! the chat moves on (see [`send`]).

mod send;
mod turns;

use crate::api;
use crate::state::chat::pair_key;
use crate::state::{AppState, ChatPair, RunState};
use canary_core::inspect::list_canaries;
use canary_core::verdict::isolation;
use leptos::html::Div;
use leptos::prelude::*;
use turns::Turns;

/// Every canary on the server with its production agent, as chat pairs.
async fn read_pairs(state: AppState) -> Result<Vec<ChatPair>, String> {
    let conn = state.conn.get_untracked();
    let live = api::client(&conn)
        .read_canaries()
        .await
        .map_err(|e| e.to_string())?;
    Ok(list_canaries(&live, &api::now_iso())
        .groups
        .into_iter()
        .flat_map(|g| g.canaries)
        .map(|c| ChatPair {
            canary_id: c.id,
            canary_name: c.name,
            production_id: c.production_id,
            production_name: c.production_name,
        })
        .collect())
}

/// The chat view.
#[component]
pub fn Chat() -> impl IntoView {
    let state = expect_context::<AppState>();
    send::enter(state);
    on_cleanup(move || send::leave(state));

    let refresh = RwSignal::new(0u32);
    // A run that finished (a promote creates or updates production agents).
    let run_done = Memo::new(move |_| matches!(state.run.get(), RunState::Finished(..)));
    let pairs = LocalResource::new(move || {
        state.conn.track();
        refresh.track();
        run_done.track();
        read_pairs(state)
    });
    // The pair shown is the server's latest version of it (or the first, when it is gone).
    Effect::new(move |_| {
        let Some(Ok(list)) = pairs.get() else {
            return;
        };
        let current = state.pair.get_untracked();
        let fresh = current
            .as_ref()
            .and_then(|c| list.iter().find(|p| p.canary_id == c.canary_id))
            .or(list.first())
            .cloned();
        if fresh != current {
            state.pair.set(fresh);
        }
    });
    let key = Memo::new(move |_| {
        state
            .pair
            .with(|p| p.as_ref().map(pair_key).unwrap_or_default())
    });
    // Moving to another pair (or a promoted one) ends the other pairs' test conversations.
    Effect::new(move |_| key.with(|k| send::release_others(state, k)));

    let text = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let busy = Memo::new(move |_| sending.get() || key.with(|k| state.chat.with(|s| s.busy(k))));
    let has_turns = Memo::new(move |_| {
        key.with(|k| {
            state
                .chat
                .with(|s| s.log(k).is_some_and(|l| !l.turns.is_empty()))
        })
    });
    let has_conversation = Memo::new(move |_| {
        key.with(|k| {
            state.chat.with(|s| {
                s.log(k)
                    .is_some_and(|l| l.canary_conv.is_some() || l.production_conv.is_some())
            })
        })
    });

    // Auto-scroll: follow the newest message unless the user scrolled up to read.
    let scroller = NodeRef::<Div>::new();
    let stick = RwSignal::new(true);
    Effect::new(move |_| {
        state.chat.track();
        key.track();
        // `try_`: this runs as the view is left too (leaving writes the chat store), and the
        // frame may come after the view, its signal and its node ref are gone.
        if stick.try_get_untracked().unwrap_or(false) {
            request_animation_frame(move || {
                if let Some(el) = scroller.try_get_untracked().flatten() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });

    let do_send = move || {
        let msg = text.get_untracked().trim().to_string();
        let Some(pair) = state.pair.get_untracked() else {
            return;
        };
        if msg.is_empty() || busy.get_untracked() {
            return;
        }
        text.set(String::new());
        stick.set(true);
        send::send(state, pair, msg, sending);
    };

    view! {
        <section class="panel chat">
            <div class="panel-head">
                <h1>"Chat"</h1>
                {move || pairs.get().and_then(Result::ok).filter(|l| !l.is_empty()).map(|list| view! {
                    <label>"Canary "
                        <select id="pair" on:change=move |ev| {
                            let id = event_target_value(&ev);
                            let found = list.iter().find(|p| p.canary_id == id).cloned();
                            state.pair.set(found);
                        }>
                            {list.iter().map(|p| {
                                let id = p.canary_id.clone();
                                view! { <option value=p.canary_id.clone() selected=move || state.pair.with(|s| s.as_ref().is_some_and(|s| s.canary_id == id))>
                                    {format!("{} ↔ {}", p.canary_name, p.production_name)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <button id="chat-refresh" title="Read the canaries and their production agents from the server again"
                    on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
            </div>
            {move || match pairs.get() {
                None => view! { <p class="muted" id="chat-loading" role="status">"Reading the canaries on the server…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="bad" role="alert" id="chat-error">{format!("Could not read the canaries: {e}")}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! { <p class="muted" id="chat-empty">"No canaries yet: deploy some from the Plan view."</p> }.into_any(),
                Some(Ok(_)) => ().into_any(),
            }}
            <div class="chat-heads">
                <h2 id="canary-head">{move || state.pair.with(|p| p.as_ref().map(|p| format!("Canary: {}", p.canary_name)).unwrap_or_else(|| "Canary".into()))}</h2>
                <div>
                    <h2 id="production-head">{move || state.pair.with(|p| match p {
                        Some(p) if p.production_id.is_some() => format!("Production: {}", p.production_name),
                        Some(p) => format!("Production: {} (not deployed yet)", p.production_name),
                        None => "Production".into(),
                    })}</h2>
                    <details class="isolation" id="isolation">
                        <summary>{isolation::summary()}</summary>
                        <ul>
                            {isolation::FINDINGS.iter().map(|f| view! {
                                <li class=if f.isolated { "ok" } else { "warn" }>
                                    <strong>{f.kind}</strong>": "{f.finding}
                                    <span class="muted">{format!(" (engine test {})", f.test)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    </details>
                </div>
            </div>
            <div class="chat-turns" id="chat-turns" node_ref=scroller aria-live="polite"
                on:scroll=move |_| {
                    if let Some(el) = scroller.get_untracked() {
                        stick.set(el.scroll_top() + el.client_height() >= el.scroll_height() - 48);
                    }
                }>
                <Turns key=key />
                {move || (!has_turns.get() && state.pair.with(Option::is_some)).then(|| view! {
                    <p class="muted chat-hint">"Each message goes to both agents, each in a test conversation of its own; the replies appear side by side, turn by turn."</p>
                })}
            </div>
            <form class="chat-input" on:submit=move |ev| { ev.prevent_default(); do_send(); }>
                <label for="chat-text" class="sr-only">"Message"</label>
                <textarea id="chat-text" autocomplete="off" placeholder="Send the same message to both (Enter sends, Shift+Enter adds a line)"
                    rows=move || text.with(|t| t.split('\n').count().clamp(2, 8))
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            do_send();
                        }
                    }></textarea>
                <div class="chat-actions">
                    <button type="submit" class="primary" id="send" disabled=move || busy.get() || state.pair.with(Option::is_none)>"Send to both"</button>
                    <button type="button" id="stop" title="Stop the replies that are still coming" disabled=move || !busy.get()
                        on:click=move |_| send::stop(state, &key.get_untracked())>"Stop"</button>
                    <button type="button" id="new-conversation" title="Clear this transcript and start fresh test conversations; the current ones are deleted now"
                        disabled=move || busy.get() || !(has_turns.get() || has_conversation.get())
                        on:click=move |_| send::reset(state, &key.get_untracked())>"New conversation"</button>
                </div>
            </form>
        </section>
    }
}
