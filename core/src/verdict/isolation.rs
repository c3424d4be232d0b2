//! What a test conversation isolates, per object kind, as established against a real Letta
//! server (0.16.8) by `tests/engine/tests/verdict.rs`. The UI states exactly these lines beside
//! the production side, so it never claims more than a test proves.

use serde::Serialize;

/// One object kind and whether test traffic leaves production's copy alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Isolation {
    /// What kind of state.
    pub kind: &'static str,
    /// Whether a test conversation leaves the agent's own state untouched.
    pub isolated: bool,
    /// What the engine test showed.
    pub finding: &'static str,
    /// The engine test that shows it.
    pub test: &'static str,
}

/// Every finding, in the order the UI lists them.
pub const FINDINGS: &[Isolation] = &[
    Isolation {
        kind: "conversation history",
        isolated: true,
        finding: "test messages stay in the test conversation: the default conversation's in-context messages and message list are unchanged",
        test: "history_and_blocks_are_isolated",
    },
    Isolation {
        kind: "memory blocks",
        isolated: true,
        finding: "memory tool edits (memory_insert) change the conversation's copy of the block; the agent's block is byte-for-byte unchanged",
        test: "history_and_blocks_are_isolated",
    },
    Isolation {
        kind: "archival memory",
        isolated: false,
        finding: "archival inserts made in a test conversation land in the agent's archive (shared by every conversation)",
        test: "archival_inserts_are_not_isolated",
    },
    Isolation {
        kind: "folder file state",
        isolated: false,
        finding: "file tools (grep_files, open_files) used in a test conversation change the agent's own open-file state and last access: they are per agent",
        test: "folder_file_state_is_not_isolated",
    },
    Isolation {
        kind: "tool side effects",
        isolated: false,
        finding: "tools run for real: whatever a tool does outside Letta (files, requests) happens during tests too",
        test: "tool_side_effects_are_not_isolated",
    },
];

/// Why test conversations are deleted right after use on both sides: deleting an agent (as
/// cleanup does) leaves its conversations' block copies behind (`archival_inserts_are_not_isolated`).
pub const CLEANUP_NOTE: &str = "test conversations are deleted right after use on both sides: deleting an agent leaves its conversations' block copies behind";

/// One line for the UI: what is untouched and what is not.
pub fn summary() -> String {
    let kept: Vec<&str> = FINDINGS
        .iter()
        .filter(|f| f.isolated)
        .map(|f| f.kind)
        .collect();
    let not: Vec<&str> = FINDINGS
        .iter()
        .filter(|f| !f.isolated)
        .map(|f| f.kind)
        .collect();
    format!(
        "Test conversation: production {} untouched; not isolated: {}.",
        kept.join(" and "),
        not.join(", ")
    )
}
