//! The chat's transcripts, in app state so that they outlive the Chat view: one log per
//! canary/production pair. A promote that creates the production agent makes a new pair (the
//! production id is part of the key), whose log starts empty and sends to both sides.
//!
//! Each log also knows its test conversations. They are deleted when the chat moves on (the
//! view is left, another pair is chosen, "New conversation"), because production's must not
//! outlive the test; a conversation whose reply is still streaming is deleted by that reply's
//! task when it ends. The next message then opens new ones, and its turn says so: the agents
//! do not remember the turns above it.

use super::ChatPair;
use canary_core::chat::{ChatTurn, SideReply};
use std::collections::HashMap;

/// The key of a pair's log.
pub fn pair_key(p: &ChatPair) -> String {
    format!(
        "{}|{}",
        p.canary_id,
        p.production_id.as_deref().unwrap_or_default()
    )
}

/// One pair's transcript and the test conversations behind it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatLog {
    /// Turns, oldest first.
    pub turns: Vec<ChatTurn>,
    /// The canary's open test conversation.
    pub canary_conv: Option<String>,
    /// Production's open test conversation.
    pub production_conv: Option<String>,
}

impl ChatLog {
    /// The open conversation of one side.
    pub fn conv(&self, production: bool) -> Option<&String> {
        if production {
            self.production_conv.as_ref()
        } else {
            self.canary_conv.as_ref()
        }
    }

    fn side_busy(&self, production: bool) -> bool {
        self.turns.iter().any(|t| {
            if production {
                t.production.as_ref().is_some_and(SideReply::in_flight)
            } else {
                t.canary.in_flight()
            }
        })
    }

    /// Takes the conversations no reply is using (to delete them).
    fn take_idle(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.side_busy(false) {
            out.extend(self.canary_conv.take());
        }
        if !self.side_busy(true) {
            out.extend(self.production_conv.take());
        }
        out
    }
}

/// Every pair's log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatStore {
    /// Logs by [`pair_key`].
    pub logs: HashMap<String, ChatLog>,
    /// The next turn id.
    pub next_id: u64,
    /// Whether the Chat view is showing (conversations are kept only while it is).
    pub view_open: bool,
}

impl ChatStore {
    /// A pair's log, when it has one.
    pub fn log(&self, key: &str) -> Option<&ChatLog> {
        self.logs.get(key)
    }

    /// A pair's log, made when missing.
    pub fn log_mut(&mut self, key: &str) -> &mut ChatLog {
        self.logs.entry(key.to_string()).or_default()
    }

    /// Whether a reply of this pair is still coming.
    pub fn busy(&self, key: &str) -> bool {
        self.log(key)
            .is_some_and(|l| l.turns.iter().any(ChatTurn::in_flight))
    }

    /// Adds a turn sent now to the canary and, when there is one, to production; returns its id.
    pub fn push_turn(&mut self, key: &str, user: &str, pair: &ChatPair, now_ms: f64) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let log = self.log_mut(key);
        let fresh = !log.turns.is_empty()
            && (log.canary_conv.is_none()
                || (pair.production_id.is_some() && log.production_conv.is_none()));
        log.turns.push(ChatTurn {
            id,
            user: user.to_string(),
            canary: SideReply::start(&pair.canary_id, now_ms),
            production: pair
                .production_id
                .as_deref()
                .map(|p| SideReply::start(p, now_ms)),
            fresh_conversation: fresh,
        });
        id
    }

    /// One side of one turn.
    pub fn side_mut(&mut self, key: &str, turn: u64, production: bool) -> Option<&mut SideReply> {
        self.logs
            .get_mut(key)?
            .turns
            .iter_mut()
            .find(|t| t.id == turn)?
            .side_mut(production)
    }

    /// Records a side's newly opened conversation and returns the one the side uses: the log's
    /// own when it already had one (two sends raced; the caller deletes its new one).
    pub fn set_conv(&mut self, key: &str, production: bool, id: String) -> String {
        let log = self.log_mut(key);
        let slot = if production {
            &mut log.production_conv
        } else {
            &mut log.canary_conv
        };
        slot.get_or_insert(id).clone()
    }

    /// Takes the idle conversations of one log, or of every log but `keep`.
    pub fn take_idle(&mut self, only: Option<&str>, keep: Option<&str>) -> Vec<String> {
        self.logs
            .iter_mut()
            .filter(|(k, _)| only.is_none_or(|o| o == k.as_str()) && keep != Some(k.as_str()))
            .flat_map(|(_, l)| l.take_idle())
            .collect()
    }

    /// Clears a log (after its conversations were taken).
    pub fn clear(&mut self, key: &str) {
        if let Some(l) = self.logs.get_mut(key) {
            l.turns.clear();
        }
    }
}
