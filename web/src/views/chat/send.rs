//! Sending one message to both sides, streaming the replies into the app's chat store,
//! stopping them, and deleting test conversations when the chat moves on.
//!
//! Every write a reply makes goes to its own turn (found by the turn's id) and side, so a reply
//! that lands late can never overwrite a newer turn, and after "New conversation" it finds no
//! turn and changes nothing. Token pieces are parsed by the core ([`LiveReply`]); this module
//! only wires the browser's abort controller and clock to it.

use crate::api;
use crate::state::chat::pair_key;
use crate::state::{AppState, ChatPair};
use canary_core::canary::canary_mark;
use canary_core::client::LiveReply;
use leptos::prelude::*;
use serde_json::Value;
use std::cell::RefCell;

/// A reply being streamed, with the controller that aborts it.
struct InFlight {
    key: String,
    turn: u64,
    production: bool,
    controller: web_sys::AbortController,
}

thread_local! {
    static IN_FLIGHT: RefCell<Vec<InFlight>> = const { RefCell::new(Vec::new()) };
}

/// Deletes test conversations (in the background: nothing waits for it).
fn delete_conversations(state: AppState, ids: Vec<String>) {
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

/// The production agent of a pair that had none, read from the server now (a promote from
/// the command line while the view is open): the agent with the production name that is not
/// a canary. `None` when there is none or the read failed (the send then goes to the canary
/// only, as the page says).
async fn production_now(state: AppState, pair: &ChatPair) -> Option<String> {
    let conn = state.conn.get_untracked();
    let agents = api::client(&conn)
        .agents_named(&pair.production_name)
        .await
        .ok()?;
    agents.iter().find_map(|a| {
        let meta = a.get("metadata").and_then(Value::as_object);
        let name = a.get("name").and_then(Value::as_str).unwrap_or_default();
        let canary = meta.is_some_and(|m| canary_mark(name, m).is_some());
        (!canary)
            .then(|| a.get("id").and_then(Value::as_str).map(str::to_string))
            .flatten()
    })
}

/// Sends `text` to the pair's canary and production agent. `sending` is on until the turn is
/// in the store (the production lookup, when there was no production agent, comes first).
pub fn send(state: AppState, pair: ChatPair, text: String, sending: RwSignal<bool>) {
    sending.set(true);
    leptos::task::spawn_local(async move {
        let mut pair = pair;
        if pair.production_id.is_none() {
            if let Some(id) = production_now(state, &pair).await {
                pair.production_id = Some(id);
                // The pair as the server has it now; its log is a new one.
                state.pair.try_set(Some(pair.clone()));
            }
        }
        let key = pair_key(&pair);
        let Some(turn) = state
            .chat
            .try_update(|s| s.push_turn(&key, &text, &pair, api::now_ms()))
        else {
            return;
        };
        sending.try_set(false);
        let canary = side(
            state,
            key.clone(),
            turn,
            pair.canary_id.clone(),
            false,
            text.clone(),
        );
        match pair.production_id.clone() {
            Some(p) => {
                futures::join!(canary, side(state, key, turn, p, true, text));
            }
            None => canary.await,
        }
    });
}

/// One side of a turn: its test conversation (opened on first use), then the streamed reply.
async fn side(
    state: AppState,
    key: String,
    turn: u64,
    agent: String,
    production: bool,
    text: String,
) {
    let conn = state.conn.get_untracked();
    let client = api::client(&conn);
    let finish = |result: Result<LiveReply, String>| {
        let now = api::now_ms();
        state.chat.try_update(|s| {
            if let Some(side) = s.side_mut(&key, turn, production) {
                side.end(result, now);
            }
        });
    };
    let open = state
        .chat
        .with_untracked(|s| s.log(&key).and_then(|l| l.conv(production).cloned()));
    let conv = match open {
        Some(c) => c,
        None => match client.open_test_conversation(&agent, "chat").await {
            Ok(c) => {
                let used = state
                    .chat
                    .try_update(|s| s.set_conv(&key, production, c.id.clone()))
                    .unwrap_or_default();
                if used != c.id {
                    // Another send of this pair opened one first: that one is the side's.
                    let _ = client.delete_conversation(&c.id).await;
                }
                used
            }
            Err(e) => {
                finish(Err(format!("could not open a test conversation: {e}")));
                return;
            }
        },
    };
    let stopped = state.chat.with_untracked(|s| {
        s.log(&key)
            .and_then(|l| l.turns.iter().find(|t| t.id == turn))
            .and_then(|t| {
                if production {
                    t.production.as_ref()
                } else {
                    Some(&t.canary)
                }
            })
            .is_none_or(|side| !side.in_flight())
    });
    if !stopped {
        let Ok(controller) = web_sys::AbortController::new() else {
            finish(Err(
                "this browser cannot stream a reply (no AbortController)".into(),
            ));
            return;
        };
        let streaming = api::abortable_client(&conn, controller.signal());
        IN_FLIGHT.with_borrow_mut(|f| {
            f.push(InFlight {
                key: key.clone(),
                turn,
                production,
                controller,
            })
        });
        let mut on_update = |live: &LiveReply| {
            let now = api::now_ms();
            state.chat.try_update(|s| {
                if let Some(side) = s.side_mut(&key, turn, production) {
                    side.update(live, now);
                }
            });
        };
        let result = streaming
            .stream_tokens_in_conversation(&conv, &text, &mut on_update)
            .await
            .map_err(|e| e.to_string());
        IN_FLIGHT.with_borrow_mut(|f| {
            f.retain(|x| !(x.key == key && x.turn == turn && x.production == production))
        });
        finish(result);
    }
    // The view was left while this reply came: its conversation goes now.
    let orphans = state
        .chat
        .try_update(|s| {
            if s.view_open {
                Vec::new()
            } else {
                s.take_idle(Some(&key), None)
            }
        })
        .unwrap_or_default();
    delete_conversations(state, orphans);
}

/// Stops every reply of this pair that is still coming: what arrived stays, the requests are
/// aborted, and the runs the server named are cancelled there (only those: cancelling without
/// ids would cancel every run of the agent, a production user's too).
pub fn stop(state: AppState, key: &str) {
    let now = api::now_ms();
    let runs: Vec<(String, String)> = state
        .chat
        .try_update(|s| {
            let mut runs = Vec::new();
            if let Some(log) = s.logs.get_mut(key) {
                for t in log.turns.iter_mut().filter(|t| t.in_flight()) {
                    for side in [Some(&mut t.canary), t.production.as_mut()]
                        .into_iter()
                        .flatten()
                    {
                        if side.in_flight() {
                            side.stop(now);
                            if let Some(run) = &side.reply.run_id {
                                runs.push((side.agent_id.clone(), run.clone()));
                            }
                        }
                    }
                }
            }
            runs
        })
        .unwrap_or_default();
    let controllers: Vec<_> = IN_FLIGHT.with_borrow_mut(|f| {
        let (mine, rest) = std::mem::take(f).into_iter().partition(|x| x.key == key);
        *f = rest;
        mine
    });
    for c in controllers {
        c.controller.abort();
    }
    if runs.is_empty() {
        return;
    }
    let conn = state.conn.get_untracked();
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        for (agent, run) in runs {
            let _ = client.cancel_runs(&agent, &[run]).await;
        }
    });
}

/// The view opened.
pub fn enter(state: AppState) {
    state.chat.update(|s| s.view_open = true);
}

/// The view was left: every idle test conversation is deleted now; the transcripts stay.
pub fn leave(state: AppState) {
    let ids = state
        .chat
        .try_update(|s| {
            s.view_open = false;
            s.take_idle(None, None)
        })
        .unwrap_or_default();
    delete_conversations(state, ids);
}

/// Another pair is shown: the other pairs' idle conversations are deleted.
pub fn release_others(state: AppState, keep: &str) {
    let ids = state
        .chat
        .try_update(|s| s.take_idle(None, Some(keep)))
        .unwrap_or_default();
    delete_conversations(state, ids);
}

/// "New conversation": this pair's transcript is cleared and its conversations deleted.
pub fn reset(state: AppState, key: &str) {
    let ids = state
        .chat
        .try_update(|s| {
            let ids = s.take_idle(Some(key), None);
            s.clear(key);
            ids
        })
        .unwrap_or_default();
    delete_conversations(state, ids);
}
