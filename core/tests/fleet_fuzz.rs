//! Nothing the user types can make the core panic. Arbitrary text, and valid fleets mutated
//! byte by byte, go through `load_fleet`; the only acceptable outcomes are a fleet or errors.
//! `PROPTEST_CASES=200000 cargo test -p canary-core --release --test fleet_fuzz` runs longer.

#![cfg(not(target_arch = "wasm32"))]

use canary_core::fleet::{load_fleet, FileSet};
use proptest::prelude::*;

const SEED: &str = "x-d: &d\n  description: d\n  llm_config: {model: a/b, context_window: 2000}\nroot_path: .\nmcp_servers:\n  - {name: m, type: sse, server_url: \"http://${H}/sse\", auth_token: $T}\n  - {name: s, type: stdio, command: run, args: [a], env: {K: v}}\nglobal-secrets: {g_key: {from_env: G, preserve_existing: true}}\npreserve_secrets: [keep]\nshared_blocks:\n  - {name: s, description: s, limit: 10, value: v, agent_owned: false}\nagents:\n  - name: a\n    <<: *d\n    system_prompt: {from_file: p.md}\n    tools: [\"tools/*\", x]\n    shared_blocks: [s]\n    memory_blocks:\n      - {name: m, description: m, limit: 5, value: abc, agent_owned: true}\n    folders: [{name: f, files: [\"docs/**/*.md\"]}]\n    archives: [{name: ar}]\n    tags: [t]\n    mcp_tools: [{server: m, tools: [x]}, {server: s}]\n    secrets: {KEY: {value: v}}\n    conversations: [{summary: hi, isolated_blocks: [m]}]\n";

fn files() -> FileSet {
    [
        ("p.md", "prompt"),
        ("tools/x.py", "def x():\n  pass\n"),
        ("docs/a/b.md", "b"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000),
        ..ProptestConfig::default()
    }
}

#[test]
fn seed_is_valid() {
    let r = load_fleet(SEED, &files());
    assert!(r.ok, "{:?}", r.errors);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let r = load_fleet(&text, &files());
        prop_assert!(r.ok || !r.errors.is_empty());
    }

    #[test]
    fn yamlish_text_never_panics(text in "[-:\\[\\]{}&*<>!|'\" \\na-z0-9#,.]{0,200}") {
        let r = load_fleet(&text, &files());
        prop_assert!(r.ok || !r.errors.is_empty());
    }

    #[test]
    fn mutated_fleets_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..6)) {
        let mut chars: Vec<char> = SEED.chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() { break; }
            let i = at.index(chars.len());
            match op {
                0 => { chars.remove(i); }
                1 => chars.insert(i, c),
                2 => chars[i] = c,
                _ => { let j = at.index(chars.len()); chars.swap(i, j); }
            }
        }
        let text: String = chars.into_iter().collect();
        let r = load_fleet(&text, &files());
        prop_assert!(r.ok == r.errors.is_empty());
        prop_assert!(r.ok == r.fleet.is_some());
    }
}
