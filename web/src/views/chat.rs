//! Side-by-side chat: one message to a canary and its production agent, streamed replies.
//! Agent content is always rendered as text (never as HTML).
//!
//! Every message goes through a test conversation made for this chat on each side (isolating
//! every block label), never the agents' default conversations. Both are deleted as soon as
//! the chat moves on (another pair, "New conversation", leaving the view): production's must
//! not outlive the test, and a canary's would leave its block copies behind at cleanup
//! (deleting an agent does not delete them). A generation number makes sure a reply that lands
//! after the pair changed is dropped instead of shown under the new pair.

use crate::api;
use crate::state::{AppState, ChatPair};
use canary_core::client::ChatMessage;
use canary_core::fleet::Fleet;
use canary_core::inspect::list_canaries;
use canary_core::verdict::isolation;
use leptos::prelude::*;

/// The test conversations of the current pair: (canary's, production's).
#[derive(Debug, Clone, Default, PartialEq)]
struct Convs {
    canary: Option<String>,
    production: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Turn {
    user: String,
    messages: Vec<ChatMessage>,
    pending: bool,
    error: Option<String>,
}

fn message_view(m: ChatMessage) -> AnyView {
    match m {
        ChatMessage::Assistant { content } => view! { <div class="msg assistant">{content}</div> }.into_any(),
        ChatMessage::Reasoning { reasoning } => view! {
            <details class="msg reasoning"><summary>"Reasoning"</summary><pre>{reasoning}</pre></details>
        }.into_any(),
        ChatMessage::ToolCall { name, arguments } => view! {
            <details class="msg tool"><summary>{format!("Tool call: {name}")}</summary><pre>{arguments}</pre></details>
        }.into_any(),
        ChatMessage::ToolReturn { tool_return, status } => view! {
            <details class="msg tool"><summary>{format!("Tool result ({status})")}</summary><pre>{tool_return}</pre></details>
        }.into_any(),
        ChatMessage::Error { message } => view! { <div class="msg bad">{message}</div> }.into_any(),
    }
}

fn transcript(turns: RwSignal<Vec<Turn>>, side: &'static str) -> impl IntoView {
    view! {
        <div class="transcript" data-side=side aria-live="polite">
            {move || turns.get().into_iter().map(|t| view! {
                <div class="turn">
                    <div class="msg user">{t.user}</div>
                    {t.messages.into_iter().map(message_view).collect_view()}
                    {t.pending.then(|| view! { <div class="msg muted">"…"</div> })}
                    {t.error.map(|e| view! { <div class="msg bad">{e}</div> })}
                </div>
            }).collect_view()}
        </div>
    }
}

/// Sends one message on one side, in that side's test conversation (opened on first use).
#[allow(clippy::too_many_arguments)]
async fn send_to(
    state: AppState,
    agent: String,
    text: String,
    turns: RwSignal<Vec<Turn>>,
    convs: RwSignal<Convs>,
    production: bool,
    generation: StoredValue<u64>,
    sent_in: u64,
) {
    let current = move || generation.try_get_value() == Some(sent_in);
    let conn = state.conn.get_untracked();
    let client = api::client(&conn);
    let side = |c: &Convs| {
        if production {
            c.production.clone()
        } else {
            c.canary.clone()
        }
    };
    let conv = match convs.try_with_untracked(side).flatten() {
        Some(id) => Ok(id),
        None => match client.open_test_conversation(&agent, "chat").await {
            Ok(c) if current() => {
                convs.try_update(|x| {
                    if production {
                        x.production = Some(c.id.clone());
                    } else {
                        x.canary = Some(c.id.clone());
                    }
                });
                Ok(c.id)
            }
            Ok(c) => {
                // The pair changed meanwhile: the conversation must not outlive it.
                let _ = client.delete_conversation(&c.id).await;
                return;
            }
            Err(e) => Err(format!("could not open a test conversation: {e}")),
        },
    };
    let result = match conv {
        Ok(id) => {
            let mut on_msg = |m: &ChatMessage| {
                if !current() {
                    return;
                }
                let m = m.clone();
                turns.try_update(|t| {
                    if let Some(last) = t.last_mut() {
                        last.messages.push(m);
                    }
                });
            };
            client
                .stream_in_conversation(&id, &text, &mut on_msg)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e),
    };
    if !current() {
        return;
    }
    // `try_update`: the chat view may have been left while the agent answered.
    turns.try_update(|t| {
        if let Some(last) = t.last_mut() {
            last.pending = false;
            if let Err(e) = result {
                last.error = Some(e);
            }
        }
    });
}

/// Ends the current pair's chat: both test conversations are deleted now.
fn end_chat(state: AppState, convs: RwSignal<Convs>, generation: StoredValue<u64>) {
    generation.try_update_value(|g| *g += 1);
    let old = convs.try_get_untracked().unwrap_or_default();
    convs.try_set(Convs::default());
    let ids: Vec<String> = old.production.into_iter().chain(old.canary).collect();
    if ids.is_empty() {
        return;
    }
    let Some(conn) = state.conn.try_get_untracked() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        for id in ids {
            let _ = client.delete_conversation(&id).await;
        }
    });
}

/// The chat view.
#[component]
pub fn Chat() -> impl IntoView {
    let state = expect_context::<AppState>();
    let pairs = RwSignal::new(Vec::<ChatPair>::new());
    let load_error = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    let canary_turns = RwSignal::new(Vec::<Turn>::new());
    let prod_turns = RwSignal::new(Vec::<Turn>::new());
    let convs = RwSignal::new(Convs::default());
    let generation = StoredValue::new(0u64);
    on_cleanup(move || end_chat(state, convs, generation));
    {
        let conn = state.conn.get_untracked();
        leptos::task::spawn_local(async move {
            match api::client(&conn).fetch_live(&Fleet::default()).await {
                Ok(live) => {
                    let list = list_canaries(&live, &api::now_iso());
                    let found: Vec<ChatPair> = list
                        .groups
                        .into_iter()
                        .flat_map(|g| g.canaries)
                        .map(|c| ChatPair {
                            canary_id: c.id,
                            canary_name: c.name,
                            production_id: c.production_id,
                            production_name: c.production_name,
                        })
                        .collect();
                    if state.pair.get_untracked().is_none() {
                        state.pair.set(found.first().cloned());
                    }
                    pairs.try_set(found);
                }
                Err(e) => {
                    load_error.try_set(Some(e.to_string()));
                }
            }
        });
    }
    let send = move || {
        let msg = text.get_untracked().trim().to_string();
        let Some(pair) = state.pair.get_untracked() else {
            return;
        };
        if msg.is_empty() {
            return;
        }
        text.set(String::new());
        let turn = Turn {
            user: msg.clone(),
            pending: true,
            ..Turn::default()
        };
        canary_turns.update(|t| t.push(turn.clone()));
        let g = generation.get_value();
        let c = send_to(
            state,
            pair.canary_id.clone(),
            msg.clone(),
            canary_turns,
            convs,
            false,
            generation,
            g,
        );
        if let Some(pid) = pair.production_id.clone() {
            prod_turns.update(|t| t.push(turn));
            let p = send_to(state, pid, msg, prod_turns, convs, true, generation, g);
            leptos::task::spawn_local(async move {
                futures::join!(c, p);
            });
        } else {
            leptos::task::spawn_local(c);
        }
    };
    let busy = move || {
        canary_turns.with(|t| t.last().is_some_and(|x| x.pending))
            || prod_turns.with(|t| t.last().is_some_and(|x| x.pending))
    };
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>"Chat"</h1>
                <label>"Canary "
                    <select id="pair" on:change=move |ev| {
                        let id = event_target_value(&ev);
                        end_chat(state, convs, generation);
                        state.pair.set(pairs.get_untracked().into_iter().find(|p| p.canary_id == id));
                        canary_turns.set(vec![]);
                        prod_turns.set(vec![]);
                    }>
                        {move || pairs.get().into_iter().map(|p| {
                            let id = p.canary_id.clone();
                            view! { <option value=p.canary_id.clone() selected=move || state.pair.with(|s| s.as_ref().is_some_and(|s| s.canary_id == id))>
                                {format!("{} ↔ {}", p.canary_name, p.production_name)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {move || load_error.get().map(|e| view! { <p class="bad" role="alert">{e}</p> })}
            {move || (pairs.with(|p| p.is_empty()) && load_error.with(|e| e.is_none())).then(|| view! { <p class="muted">"No canaries yet: deploy some from the Plan view."</p> })}
            <div class="chat-grid">
                <div class="chat-col">
                    <h2>{move || state.pair.with(|p| p.as_ref().map(|p| format!("Canary: {}", p.canary_name)).unwrap_or_else(|| "Canary".into()))}</h2>
                    {transcript(canary_turns, "canary")}
                </div>
                <div class="chat-col">
                    <h2>{move || state.pair.with(|p| match p {
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
                    {transcript(prod_turns, "production")}
                </div>
            </div>
            <form class="chat-input" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label for="chat-text" class="sr-only">"Message"</label>
                <input id="chat-text" type="text" autocomplete="off" placeholder="Send the same message to both (Enter)"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                <button type="submit" class="primary" id="send" disabled=move || busy() || state.pair.with(|p| p.is_none())>"Send to both"</button>
                <button type="button" id="new-conversation" title="Start fresh test conversations; the current ones are deleted now"
                    disabled=move || busy() || convs.with(|c| c.canary.is_none() && c.production.is_none())
                    on:click=move |_| {
                        end_chat(state, convs, generation);
                        canary_turns.set(vec![]);
                        prod_turns.set(vec![]);
                    }>"New conversation"</button>
            </form>
        </section>
    }
}
