//! The one-pass reader against `serde_yaml` itself: same value (or same error) for every text.

use super::*;
use crate::fleet::locate::Seg;

/// What `serde_yaml` gives, and what `read` gives, must agree: the value, or the error text.
fn same_as_serde(text: &str) {
    let ours = read(text).map(|d| d.value).map_err(|e| e.to_string());
    let theirs = serde_yaml::from_str::<Value>(text).map_err(|e| e.to_string());
    match (&ours, &theirs) {
        // NaN is not equal to itself; compare its spelling.
        (Ok(a), Ok(b)) if format!("{a:?}") == format!("{b:?}") => {}
        _ => assert_eq!(ours, theirs, "text: {text:?}"),
    }
}

/// Whether `read` took its own path (no hand-over to `serde_yaml`).
fn own_path(text: &str) -> bool {
    let mut values = ValueBuilder::default();
    let parsed = events::parse(text, |event, _| {
        if !values.bail {
            values.event(&event)
        }
    });
    parsed && !values.bail && values.root.is_some()
}

#[test]
fn plain_scalars_resolve_as_serde_yaml_does() {
    let scalars = [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "nul",
        "true",
        "True",
        "TRUE",
        "tRue",
        "false",
        "no",
        "yes",
        "on",
        "0",
        "-0",
        "+0",
        "00",
        "007",
        "-007",
        "+007",
        "12",
        "+12",
        "++12",
        "-12",
        "--12",
        "+-12",
        "1_000",
        "0x1F",
        "0X1F",
        "+0x1F",
        "-0x1F",
        "0x-1F",
        "0x+1",
        "0x",
        "0xZZ",
        "0o17",
        "-0o17",
        "0o8",
        "0b101",
        "-0b101",
        "0b2",
        "0b",
        "1.5",
        "-1.5",
        "+1.5",
        ".5",
        "-.5",
        "5.",
        "1e3",
        "1E3",
        "-1e-3",
        "1e400",
        "-1e400",
        "00.5",
        "0.0",
        "-0.0",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "-.inf",
        "-.Inf",
        "-.INF",
        "inf",
        "-inf",
        "infinity",
        ".nan",
        ".NaN",
        ".NAN",
        "nan",
        "NaN",
        "+.nan",
        "-.nan",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "340282366920938463463374607431768211456",
        "0x10000000000000000",
        "1.2.3",
        "12:30",
        "2026-12-01",
        "v1",
        "- not a list",
        "a b",
        "💡",
        "0x1F_",
        "+",
        "-",
        ".",
        "e3",
        "1e",
    ];
    for s in scalars {
        same_as_serde(&format!("v: {s}\n"));
        same_as_serde(&format!("- {s}\n"));
        same_as_serde(&format!("'{s}': x\n"));
    }
    for s in ["x", "12", "true", "null", "", "0x1F", ".inf"] {
        same_as_serde(&format!("v: '{s}'\n"));
        same_as_serde(&format!("v: \"{s}\"\n"));
        same_as_serde(&format!("v: |\n  {s}\n"));
        same_as_serde(&format!("v: >-\n  {s}\n"));
    }
}

#[test]
fn documents_agree_with_serde_yaml() {
    let texts = [
        "",
        "# only a comment\n",
        "---\n",
        "---\na: 1\n",
        "a: 1\n...\n",
        "a: 1\n---\nb: 2\n",
        "---\n---\n",
        "just a scalar\n",
        "[1, two, {three: 3}]\n",
        "{a: [], b: {}, c: [[], [{}]]}\n",
        "a:\n  - b: 1\n    c: [x, y]\n  - d\n",
        "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n\nc: |+\n  keep\n\n",
        "\"quoted key\": 1\n'single': 2\n? complex\n: 3\n",
        "? [a, b]\n: seq key\n? {k: v}\n: map key\n",
        "a: 1\na: 2\n",
        "a: {x: 1, x: 2}\n",
        "x: &d {llm: 1, w: 2}\nagents:\n  - <<: *d\n    name: a\n  - name: b\n    <<: *d\n",
        "base: &b\n  k: v\nlist: [*b, *b, {<<: *b, k: w}]\n",
        "a: &s scalar\nb: *s\nc: [*s, *s]\n",
        "a: *nowhere\n",
        "a: &x [1, *x]\n",
        "a: &x 1\nb: &x 2\nc: *x\n",
        "a: !!str 12\n",
        "a: !!int '12'\n",
        "a: !custom {x: 1}\n",
        "a: !custom scalar\n",
        "a: !!binary aGVsbG8=\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "a:\n\t- tab\n",
        "- a\nb: c\n",
        "a: 'unterminated\n",
        "a: \"\\x41\\u00e9\\U0001F600 \\t\"\n",
        "a: 'it''s'\n",
        "key with spaces: value with spaces\n",
        "a: 99999999999999999999999999999999999999999\n",
        "null: 1\ntrue: 2\n3: 4\n~: 5\n",
        "1: a\n1.0: b\n",
    ];
    for t in texts {
        same_as_serde(t);
    }
}

#[test]
fn nesting_and_alias_limits_are_serde_yaml_s() {
    same_as_serde(&format!("{}{}", "[".repeat(150), "]".repeat(150)));
    same_as_serde(&format!("{}{}", "[".repeat(99), "]".repeat(99)));
    // Billion laughs: serde_yaml's repetition limit, reached without building the copies.
    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let item = format!("*{}", pair[0]);
        laughs.push_str(&format!(
            "{0}: &{0} [{1}]\n",
            pair[1],
            vec![item; 10].join(", ")
        ));
    }
    same_as_serde(&laughs);
    // Deep through aliases.
    let deep = format!(
        "a: &a {}1{}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        "[".repeat(60),
        "]".repeat(60)
    );
    same_as_serde(&deep);
}

#[test]
fn the_fleets_we_ship_and_test_take_the_one_pass_path() {
    let example = include_str!("../../../../examples/support-fleet/fleet.yaml");
    same_as_serde(example);
    assert!(own_path(example), "the example fleet is read in one pass");
    let mut big =
        String::from("shared_blocks:\n  - {name: s, description: d, value: v}\nagents:\n");
    for i in 0..300 {
        big.push_str(&format!(
            "  - name: agent-{i}\n    description: \"Agent {i}\"\n    system_prompt:\n      value: |\n        You are agent {i}.\n        Be brief.\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    memory_blocks:\n      - {{name: notes, description: n, limit: 5000, value: ''}}\n    tags: [t{i}, 'x:1']\n"
        ));
    }
    same_as_serde(&big);
    assert!(own_path(&big));
}

#[test]
fn positions_are_those_of_the_position_index() {
    let text = "x: &d\n  llm: {cw: 5}\nagents:\n  - name: a\n    <<: *d\n  - name: b\n    memory_blocks:\n      - {name: m, limit: 5}\n";
    let doc = read(text).expect("parses");
    let alone = Positions::new(text);
    let k = |s: &str| Seg::Key(s.into());
    let paths = [
        vec![k("agents"), Seg::Index(0), k("llm"), k("cw")],
        vec![
            k("agents"),
            Seg::Index(1),
            k("memory_blocks"),
            Seg::Index(0),
            k("limit"),
        ],
        vec![k("agents"), Seg::Index(1), k("nope")],
        vec![k("x")],
    ];
    for p in paths {
        assert_eq!(doc.positions.locate(&p), alone.locate(&p), "{p:?}");
        assert_eq!(doc.positions.locate_key(&p), alone.locate_key(&p), "{p:?}");
    }
    // Handed to serde_yaml (a tag): positions still come.
    let tagged = read("a: !!str 1\nb:\n  c: 2\n").expect("parses");
    assert_eq!(tagged.positions.locate(&[k("b"), k("c")]), Some((3, 6)));
}

#[cfg(not(target_arch = "wasm32"))]
mod differential {
    use super::same_as_serde;
    use proptest::prelude::*;

    /// A fleet with anchors, merges, flow and block styles, quoted and plain scalars of every
    /// kind, mutated below character by character.
    const SEED: &str = "x-d: &d\n  description: d\n  llm_config: {model: a/b, context_window: 2000, temp: 0.5}\nagents:\n  - name: a\n    <<: *d\n    system_prompt: {value: \"hi\\n\"}\n    tags: [t, 'x:1', 007, 0x1F, -3, 1e3, .inf, ~, yes, True]\n    memory_blocks:\n      - {name: m, limit: 5, value: |\n          abc\n        }\n  - name: b\n    description: >-\n      folded\n      text\n    <<: *d\n";

    proptest! {
        // PROPTEST_CASES=100000 for a longer run.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1500),
            ..ProptestConfig::default()
        })]

        #[test]
        fn yamlish_text_reads_as_serde_yaml_reads_it(text in "[-:\\[\\]{}&*<>!|'\" \\na-z0-9#,.~+]{0,160}") {
            same_as_serde(&text);
        }

        #[test]
        fn mutated_fleets_read_as_serde_yaml_reads_them(edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec![' ', '\n', ':', '-', '&', '*', '<', '[', ']', '{', '}', '\'', '"', '0', 'x', '.', '#', '!'])), 1..5)) {
            let mut chars: Vec<char> = SEED.chars().collect();
            for (at, op, c) in edits {
                let i = at.index(chars.len());
                match op {
                    0 => { chars.remove(i); }
                    1 => chars.insert(i, c),
                    _ => chars[i] = c,
                }
            }
            same_as_serde(&chars.into_iter().collect::<String>());
        }
    }
}
