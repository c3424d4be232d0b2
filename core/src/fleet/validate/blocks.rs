//! Memory blocks: the top-level `shared_blocks` entries and each agent's `memory_blocks`.

use super::{with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::BlockSpec;
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

const BLOCK_FIELDS: &[&str] = &[
    "name",
    "description",
    "limit",
    "value",
    "from_file",
    "agent_owned",
    "version",
    "from_bucket",
];

impl Walker<'_> {
    /// The agent's `memory_blocks`, with their labels (shared blocks may not reuse them).
    pub(super) fn memory_blocks(
        &mut self,
        m: &Mapping,
        path: &[Seg],
    ) -> (Vec<BlockSpec>, BTreeSet<String>) {
        let mut memory_blocks = Vec::new();
        let mut labels = BTreeSet::new();
        if let Some(v) = m.get("memory_blocks").filter(|v| !v.is_null()) {
            let bp = with(path, "memory_blocks");
            for (i, b) in self.list(v, &bp).unwrap_or_default().iter().enumerate() {
                let p = with(&bp, i);
                if let Some(block) = self.block(b, &p) {
                    if !labels.insert(block.label.clone()) {
                        self.err(
                            with(&p, "name"),
                            Problem::Duplicate {
                                what: "memory block",
                                name: block.label.clone(),
                            },
                        );
                    } else {
                        memory_blocks.push(block);
                    }
                }
            }
        }
        (memory_blocks, labels)
    }

    pub(super) fn block(&mut self, v: &Value, path: &[Seg]) -> Option<BlockSpec> {
        let m = self.map(
            v,
            path,
            "a block (a map with name, description, limit, value or from_file, agent_owned)",
        )?;
        self.keys(m, path, BLOCK_FIELDS, &[]);
        let label = self.text(m, path, "name", true);
        let description = self.text(m, path, "description", true);
        let limit = match m.get("limit") {
            None | Some(Value::Null) => {
                self.err(with(path, "limit"), Problem::Missing("limit"));
                None
            }
            Some(l) => self.int(l, &with(path, "limit"), "limit", 1, u32::MAX as u64),
        };
        let agent_owned = match m.get("agent_owned") {
            None | Some(Value::Null) => {
                self.err(with(path, "agent_owned"), Problem::AgentOwnedMissing);
                None
            }
            Some(_) => self.opt_bool(m, path, "agent_owned"),
        };
        let value = self.value_or_file(m, path);
        if m.contains_key("value") && value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            self.err(with(path, "value"), Problem::EmptyBlockValue);
        }
        if let Some(label) = &label {
            if label.contains(char::is_whitespace) {
                self.err(with(path, "name"), Problem::BlockLabel(label.clone()));
            }
        }
        if let (Some(value), Some(limit)) = (&value, limit) {
            let len = value.chars().count();
            if len > limit as usize {
                let at = if m.contains_key("value") {
                    "value"
                } else {
                    "from_file"
                };
                self.err(with(path, at), Problem::OverLimit { len, limit });
            }
        }
        Some(BlockSpec {
            label: label?,
            description: description?,
            limit: limit?,
            value: value?,
            agent_owned: agent_owned?,
        })
    }
}
