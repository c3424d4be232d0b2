//! An agent's model-facing settings: `system_prompt` and `llm_config`.

use super::{with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::LlmConfig;
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};

const LLM_FIELDS: &[&str] = &["model", "context_window", "max_tokens"];
const PROMPT_FIELDS: &[&str] = &["value", "from_file", "from_bucket", "disable_base_prompt"];

/// Removes one ``` fence around a whole prompt (with an optional language tag).
fn strip_fence(text: &str) -> String {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("```").and_then(|r| r.strip_suffix("```")) {
        let body = match inner.find('\n') {
            Some(nl) => &inner[nl + 1..],
            None => inner,
        };
        return body.trim().to_string();
    }
    t.to_string()
}

impl Walker<'_> {
    /// The system prompt: exactly one of `value` / `from_file`, trimmed, fence removed.
    pub(super) fn system_prompt(&mut self, m: &Mapping, path: &[Seg]) -> Option<String> {
        let pp = with(path, "system_prompt");
        match m.get("system_prompt") {
            None | Some(Value::Null) => {
                self.err(pp, Problem::Missing("system_prompt"));
                None
            }
            Some(v) => self
                .map(v, &pp, "a map with value or from_file")
                .and_then(|pm| {
                    self.keys(pm, &pp, PROMPT_FIELDS, &[]);
                    if pm.contains_key("disable_base_prompt") {
                        let dp = with(&pp, "disable_base_prompt");
                        if self.opt_bool(pm, &pp, "disable_base_prompt").is_some() {
                            self.warn(dp, Problem::NoEffect("disable_base_prompt"));
                        }
                    }
                    let text = strip_fence(&self.value_or_file(pm, &pp)?);
                    if text.is_empty() {
                        self.err(pp.clone(), Problem::Empty("system_prompt"));
                        return None;
                    }
                    Some(text)
                }),
        }
    }

    /// Model handle, context window and optional `max_tokens`.
    pub(super) fn llm_config(&mut self, m: &Mapping, path: &[Seg]) -> Option<LlmConfig> {
        let lp = with(path, "llm_config");
        match m.get("llm_config") {
            None | Some(Value::Null) => {
                self.err(lp, Problem::Missing("llm_config"));
                None
            }
            Some(v) => self
                .map(v, &lp, "a map with model and context_window")
                .and_then(|lm| {
                    self.keys(lm, &lp, LLM_FIELDS, &[]);
                    let model = self.text(lm, &lp, "model", true);
                    if let Some(model) = &model {
                        if !model.contains('/') {
                            self.err(with(&lp, "model"), Problem::ModelHandle(model.clone()));
                        }
                    }
                    let cw = match lm.get("context_window") {
                        None | Some(Value::Null) => {
                            self.err(
                                with(&lp, "context_window"),
                                Problem::Missing("context_window"),
                            );
                            None
                        }
                        Some(c) => self.int(
                            c,
                            &with(&lp, "context_window"),
                            "context_window",
                            1000,
                            200_000,
                        ),
                    };
                    let max_tokens = match lm.get("max_tokens") {
                        None | Some(Value::Null) => Some(None),
                        Some(t) => self
                            .int(
                                t,
                                &with(&lp, "max_tokens"),
                                "max_tokens",
                                1,
                                u32::MAX as u64,
                            )
                            .map(Some),
                    };
                    Some(LlmConfig {
                        model: model?,
                        context_window: cw?,
                        max_tokens: max_tokens?,
                    })
                }),
        }
    }
}
