//! An agent's `conversations` (lettactl's format): `{summary, isolated_blocks?}` entries,
//! matched on the server by summary, each isolated label one of the agent's own blocks.

use super::{with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::ConversationSpec;
use crate::fleet::Problem;
use serde_yaml::Mapping;
use std::collections::BTreeSet;

/// Fields of a conversation entry.
pub const CONVERSATION_FIELDS: &[&str] = &["summary", "isolated_blocks"];

impl Walker<'_> {
    /// Reads `conversations`; `labels` are the agent's block labels (own and shared).
    pub(super) fn conversations(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        labels: &BTreeSet<String>,
    ) -> Vec<ConversationSpec> {
        let mut out: Vec<ConversationSpec> = Vec::new();
        let Some(v) = m.get("conversations").filter(|v| !v.is_null()) else {
            return out;
        };
        let cp = with(path, "conversations");
        for (i, c) in self.list(v, &cp).unwrap_or_default().iter().enumerate() {
            let p = with(&cp, i);
            let Some(cm) = self.map(c, &p, "a conversation (a map with summary)") else {
                continue;
            };
            self.keys(cm, &p, CONVERSATION_FIELDS, &[]);
            let Some(summary) = self.text(cm, &p, "summary", true) else {
                continue;
            };
            let mut isolated = Vec::new();
            if let Some(iv) = cm.get("isolated_blocks").filter(|v| !v.is_null()) {
                let ip = with(&p, "isolated_blocks");
                for (j, l) in self.list(iv, &ip).unwrap_or_default().iter().enumerate() {
                    let lp = with(&ip, j);
                    let Some(label) = self.text_value(l, &lp, "isolated_blocks", true) else {
                        continue;
                    };
                    if !labels.contains(&label) {
                        self.err(
                            lp,
                            Problem::UnknownBlockLabel {
                                label,
                                known: labels.iter().cloned().collect(),
                            },
                        );
                    } else if !isolated.contains(&label) {
                        isolated.push(label);
                    }
                }
            }
            if out.iter().any(|c| c.summary == summary) {
                self.err(
                    with(&p, "summary"),
                    Problem::Duplicate {
                        what: "conversation",
                        name: summary,
                    },
                );
                continue;
            }
            out.push(ConversationSpec {
                summary,
                isolated_blocks: isolated,
            });
        }
        out
    }
}
