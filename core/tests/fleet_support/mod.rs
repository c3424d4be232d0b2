//! Helpers shared by the fleet test files: a minimal valid fleet and ways to vary it.
#![allow(dead_code)]

use canary_core::fleet::FileSet;

/// A minimal valid one-agent fleet. Line numbers are noted because cases assert them.
pub const BASE: &str = "\
agents:
  - name: support
    description: Helps customers
    system_prompt:
      value: You are helpful.
    llm_config:
      model: openai/gpt-4.1
      context_window: 32000
    tools: []
";
// line 1 agents / 2 name / 3 description / 4 system_prompt / 5 value / 6 llm_config
// 7 model / 8 context_window / 9 tools

pub fn files(list: &[(&str, &str)]) -> FileSet {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A file set with raw bytes (binary files).
pub fn raw(list: &[(&str, &[u8])]) -> FileSet {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// The first bytes of a PNG image: not UTF-8, with NULs.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

pub fn with_block(block: &str) -> String {
    format!("{BASE}    memory_blocks:\n{block}")
}
// with_block: line 10 memory_blocks, 11 first block line "      - name: ...".

pub const GOOD_BLOCK: &str = "      - name: persona\n        description: who\n        limit: 100\n        value: I help.\n        agent_owned: true\n";

/// BASE with one replacement (which must apply).
pub fn r(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}
