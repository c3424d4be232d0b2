//! Unit tests of the test file: every error with its line, dataset import, saving cases.

use super::checks::Check;
use super::suite::parse_suite;
use super::write::append_cases;
use crate::fleet::{FileSet, Fleet};

fn fleet(names: &[&str]) -> Fleet {
    let mut yaml = String::from("agents:\n");
    for n in names {
        yaml.push_str(&format!(
            "  - name: {n}\n    description: d\n    system_prompt: {{value: p}}\n    llm_config: {{model: openai/gpt-4.1, context_window: 8000}}\n"
        ));
    }
    let r = crate::fleet::load_fleet(&yaml, &FileSet::new());
    r.fleet
        .unwrap_or_else(|| panic!("test fleet is valid: {:?}", r.errors))
}

#[test]
fn every_error_has_its_path_and_line() {
    let yaml = "\
name: smoke
agents: [support, nobody]
cases:
  - name: one
    input: hello
    checks:
      - contains: Echo
      - regex: '(unclosed'
      - tool_called: {name: memory_insert, argz: 1}
      - same_as_production: false
      - frobnicate: 1
  - name: one
    input: []
  - input: hi
    checks:
      - contains: x
        turn: 3
    extra: 1
";
    let r = parse_suite(
        "tests/suite.yaml",
        yaml,
        Some(&fleet(&["support"])),
        &FileSet::new(),
    );
    assert!(!r.ok);
    let got: Vec<(String, Option<usize>)> =
        r.errors.iter().map(|e| (e.path.clone(), e.line)).collect();
    let want = [
        ("agents[1]", 2),
        ("cases[0].checks[1].regex", 8),
        ("cases[0].checks[2].tool_called.argz", 9),
        ("cases[0].checks[3].same_as_production", 10),
        ("cases[0].checks[4].frobnicate", 11),
        ("cases[1].input", 13),
        ("cases[2].checks[0].turn", 17),
        ("cases[2].extra", 18),
    ];
    for (path, line) in want {
        assert!(
            got.contains(&(path.to_string(), Some(line))),
            "missing {path} at line {line}; got {got:?}"
        );
    }
    assert!(r.errors.iter().all(|e| e.file == "tests/suite.yaml"));
    let shown = r.errors[0].to_string();
    assert!(shown.starts_with("tests/suite.yaml:2:"), "{shown}");
    assert!(shown.contains("'nobody' is not in the fleet"), "{shown}");
}

#[test]
fn syntax_error_has_a_line() {
    let r = parse_suite(
        "s.yaml",
        "name: x\ncases: [\n  - a: b\n",
        None,
        &FileSet::new(),
    );
    assert!(!r.ok);
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].line.is_some());
}

#[test]
fn a_valid_suite_with_a_letta_evals_dataset() {
    let yaml = "\
name: smoke
max_concurrent: 2
dataset: tests/faq.jsonl
dataset_check: exact_match
cases:
  - name: greets
    input: [hi, there]
    agents: [support]
    checks:
      - contains: echo
        turn: 1
      - tool_called: memory_insert
      - differs_from_production: true
      - max_latency_ms: 500
";
    let mut files = FileSet::new();
    files.insert(
        "tests/faq.jsonl".into(),
        "{\"input\": \"q\", \"ground_truth\": \"Echo: q\"}\n".to_string(),
    );
    let r = parse_suite("tests/suite.yaml", yaml, Some(&fleet(&["support"])), &files);
    assert!(r.ok, "{:?}", r.errors);
    let s = r.suite.expect("suite");
    assert_eq!(s.max_concurrent, 2);
    assert_eq!(s.cases.len(), 2);
    assert_eq!(s.cases[0].turns, vec!["hi", "there"]);
    assert_eq!(s.cases[0].checks[0].turn, Some(1));
    assert_eq!(s.cases[1].checks[0].check, Check::Exact("Echo: q".into()));
}

#[test]
fn dataset_errors_name_the_jsonl_line() {
    let yaml = "name: s\ndataset: d.jsonl\n";
    let mut files = FileSet::new();
    files.insert(
        "d.jsonl".into(),
        "{\"input\": \"ok\"}\n{\"nope\": 1}\n".to_string(),
    );
    let r = parse_suite("s.yaml", yaml, None, &files);
    assert!(!r.ok);
    assert_eq!(r.errors[0].file, "d.jsonl");
    assert_eq!(r.errors[0].line, Some(2));
    let missing = parse_suite("s.yaml", "name: s\ndataset: gone.jsonl\n", None, &files);
    assert_eq!(missing.errors[0].path, "dataset");
    assert_eq!(missing.errors[0].line, Some(2));
}

#[test]
fn saved_cases_parse_back() {
    let case = super::Case {
        name: "replay 1".into(),
        turns: vec!["hello".into()],
        agents: Some(vec!["support".into()]),
        checks: vec![super::CaseCheck {
            check: Check::Exact("Echo: hello".into()),
            turn: None,
        }],
    };
    let text = append_cases("", "replayed", std::slice::from_ref(&case)).expect("written");
    let again = append_cases(
        &text,
        "replayed",
        &[super::Case {
            name: "replay 2".into(),
            ..case.clone()
        }],
    )
    .expect("appended");
    let r = parse_suite(
        "s.yaml",
        &again,
        Some(&fleet(&["support"])),
        &FileSet::new(),
    );
    assert!(r.ok, "{:?}\n{again}", r.errors);
    let s = r.suite.expect("suite");
    assert_eq!(s.cases.len(), 2);
    assert_eq!(s.cases[0], case);
}

#[test]
fn replay_reads_the_newest_user_messages_in_order() {
    use serde_json::json;
    let m =
        |t: &str, text: &str, date: &str| json!({"message_type": t, "content": text, "date": date});
    let ascending = vec![
        m("system_message", "sys", "2026-01-01T00:00:00+00:00"),
        m("user_message", "a", "2026-01-01T00:00:00+00:00"),
        m("assistant_message", "Echo: a", "2026-01-01T00:00:00+00:00"),
        m(
            "user_message",
            "{\"type\": \"heartbeat\"}",
            "2026-01-01T00:00:01+00:00",
        ),
        m("user_message", "b", "2026-01-01T00:00:01+00:00"),
        m("user_message", "c", "2026-01-01T00:00:01+00:00"),
    ];
    assert_eq!(super::replay::user_texts(&ascending, 2), vec!["b", "c"]);
    let mut descending = ascending.clone();
    descending.reverse();
    assert_eq!(super::replay::user_texts(&descending, 2), vec!["b", "c"]);
    assert_eq!(
        super::replay::user_texts(&ascending, 10),
        vec!["a", "b", "c"]
    );
}

#[test]
fn a_side_runs_again_only_after_a_server_fault() {
    use super::side::{fault_summary, worth_another_attempt};
    use crate::client::ApiError;
    let server = |status| ApiError::Server {
        status,
        detail: "An unknown error occurred".into(),
    };
    let network = ApiError::Network {
        url: "http://127.0.0.1:8283/v1/conversations/c/messages".into(),
        message: "connection reset".into(),
    };
    for e in [
        server(500),
        server(503),
        ApiError::Llm("upstream timeout".into()),
        network.clone(),
        ApiError::Busy("conversation busy".into()),
    ] {
        assert!(worth_another_attempt(&e), "{e}");
    }
    for e in [
        ApiError::NotFound("agent".into()),
        ApiError::Invalid {
            status: 422,
            detail: "bad body".into(),
        },
        ApiError::Unauthorized {
            status: 401,
            detail: "key".into(),
        },
        ApiError::Quota("plan".into()),
        ApiError::RateLimited(5),
        ApiError::Decode("not JSON".into()),
    ] {
        assert!(!worth_another_attempt(&e), "{e}");
    }
    // The warning names the fault briefly, without the advice meant for a failure that stays.
    assert_eq!(
        fault_summary(&server(500)),
        "server error 500: An unknown error occurred"
    );
    assert_eq!(
        fault_summary(&network),
        "the server's answer was lost (no HTTP answer)"
    );
    let long = ApiError::Llm("x ".repeat(200));
    assert!(fault_summary(&long).ends_with('…'));
    assert!(fault_summary(&long).chars().count() < 160);
}
