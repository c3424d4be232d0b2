//! Production standing, the history file's checks, merging and comparing versions.
use super::*;

fn entry(time: &str, mode: &str, server: &str, yaml: &str) -> HistoryEntry {
    HistoryEntry {
        time: time.into(),
        mode: mode.into(),
        server: server.into(),
        prefix: (mode == "canary").then(|| "CANARY-".into()),
        summary: "2 agent(s) created".into(),
        ok: true,
        yaml: yaml.into(),
        files: FileSet::new(),
        phase_one_ok: Some(true),
    }
}

const A: &str = "http://127.0.0.1:8283";
const B: &str = "https://api.letta.com";

#[test]
fn the_newest_production_write_per_server_is_in_production() {
    // Newest first, as the view keeps them.
    let mut failed = entry("2026-01-05T00:00:00Z", "apply", A, "v5");
    failed.ok = false;
    failed.phase_one_ok = Some(false);
    let h = vec![
        failed,
        entry("2026-01-04T00:00:00Z", "canary", A, "v4"),
        entry("2026-01-03T00:00:00Z", "promote", A, "v3"),
        entry("2026-01-02T00:00:00Z", "apply", B, "b1"),
        entry(
            "2026-01-01T12:00:00Z",
            "apply",
            "http://127.0.0.1:8283/",
            "v2",
        ),
        entry("2026-01-01T00:00:00Z", "canary", A, "v1"),
    ];
    use Standing::*;
    assert_eq!(
        standings(&h),
        vec![
            NotProduction,
            NotProduction,
            InProduction,
            InProduction,
            WasProduction,
            NotProduction
        ]
    );
    let roll: Vec<bool> = standings(&h)
        .into_iter()
        .map(Standing::can_roll_back)
        .collect();
    assert_eq!(roll, vec![false, false, false, false, true, false]);
}

#[test]
fn a_promote_whose_cleanup_failed_is_still_in_production() {
    let mut e = entry("2026-01-01T00:00:00Z", "promote", A, "v1");
    e.ok = false;
    e.phase_one_ok = Some(true);
    assert!(e.wrote_production());
    // An entry recorded before phase_one_ok existed: `ok` decides.
    e.phase_one_ok = None;
    assert!(!e.wrote_production());
    e.ok = true;
    assert!(e.wrote_production());
}

#[test]
fn export_then_parse_round_trips() {
    let mut e = entry("2026-01-01T00:00:00.000Z", "promote", A, "agents: []\n");
    e.files.insert("prompts/a.md".into(), "Hello".as_bytes());
    e.files
        .insert("docs/b.pdf".into(), vec![0u8, 159, 146, 150]);
    let h = vec![
        e,
        entry("2025-12-31T00:00:00Z", "canary", A, "agents: []\n"),
    ];
    let text = export(&h, "2026-01-02T00:00:00Z");
    assert!(
        text.contains("\"format\": \"fleet-canary-history\""),
        "{text}"
    );
    assert_eq!(parse_file(&text), Ok(h));
}

#[test]
fn an_old_entry_without_phase_one_ok_reads() {
    let text = r#"{"format":"fleet-canary-history","version":1,"entries":[
        {"time":"2026-01-01T00:00:00Z","mode":"apply","server":"http://x","prefix":null,
         "summary":"s","ok":true,"yaml":"agents: []","files":{}}]}"#;
    let h = parse_file(text).expect("reads");
    assert_eq!(h[0].phase_one_ok, None);
    assert!(h[0].wrote_production());
}

#[test]
fn bad_files_get_a_clear_error() {
    let e = parse_file("{ not json").unwrap_err();
    assert!(
        matches!(e, HistoryFileError::NotJson { line: 1, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("not JSON"), "{e}");
    assert_eq!(
        parse_file(r#"{"format":"fleet-canary-plan","version":1}"#),
        Err(HistoryFileError::PlanFile)
    );
    assert_eq!(parse_file("[1,2]"), Err(HistoryFileError::NotHistory));
    assert_eq!(
        parse_file(r#"{"format":"fleet-canary-history","version":2,"entries":[]}"#),
        Err(HistoryFileError::Version { found: "2".into() })
    );
    assert_eq!(
        parse_file(r#"{"format":"fleet-canary-history","version":1}"#),
        Err(HistoryFileError::NoList)
    );
    assert_eq!(
        parse_file(r#"{"format":"fleet-canary-history","version":1,"entries":[]}"#),
        Err(HistoryFileError::Empty)
    );
    let good = serde_json::to_value(entry("2026-01-01T00:00:00Z", "apply", A, "v1")).unwrap();
    let mut no_yaml = good.clone();
    no_yaml.as_object_mut().unwrap().remove("yaml");
    let mut bad_mode = good.clone();
    bad_mode["mode"] = "deploy".into();
    let mut bad_time = good.clone();
    bad_time["time"] = "yesterday".into();
    for (bad, words) in [
        (no_yaml, "missing field `yaml`"),
        (bad_mode, "mode is \"deploy\""),
        (bad_time, "\"yesterday\" is not an ISO-8601 time"),
    ] {
        let doc =
            serde_json::json!({"format": FORMAT, "version": 1, "entries": [good.clone(), bad]});
        let e = parse_file(&doc.to_string()).unwrap_err();
        assert!(
            matches!(e, HistoryFileError::Entry { number: 2, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains(words), "{e}");
        assert!(e.to_string().starts_with("Entry 2 "), "{e}");
    }
}

#[test]
fn merging_skips_duplicates_sorts_and_keeps_the_limit() {
    let cur = vec![
        entry("2026-01-03T00:00:00Z", "apply", A, "v3"),
        entry("2026-01-01T00:00:00Z", "apply", A, "v1"),
    ];
    let file = vec![
        entry("2026-01-03T00:00:00Z", "apply", A, "v3"),
        entry("2026-01-02T00:00:00Z", "canary", A, "v2"),
        entry("2025-12-01T00:00:00Z", "canary", A, "v0"),
    ];
    let m = merge(&cur, file, 3);
    let order: Vec<&str> = m.entries.iter().map(|e| e.yaml.as_str()).collect();
    assert_eq!(order, vec!["v3", "v2", "v1"]);
    assert_eq!((m.added, m.already, m.dropped), (2, 1, 1));
    assert_eq!(
        m.describe(),
        "Imported 2 versions; 1 was in History already; the 1 oldest beyond the 3 kept were dropped."
    );
    // Into an empty history: the file as it was.
    let m = merge(&[], cur.clone(), 50);
    assert_eq!(m.entries, cur);
    assert_eq!(m.describe(), "Imported 2 versions.");
}

#[test]
fn comparing_two_versions_lists_the_fleet_and_file_changes() {
    let mut old = entry(
        "2026-01-01T00:00:00Z",
        "apply",
        A,
        "agents:\n  - name: a\n    x: 1\n",
    );
    let mut new = entry(
        "2026-01-02T00:00:00Z",
        "apply",
        A,
        "agents:\n  - name: a\n    x: 2\n",
    );
    old.files.insert("same.md".into(), "s".as_bytes());
    new.files.insert("same.md".into(), "s".as_bytes());
    old.files
        .insert("prompt.md".into(), "You are kind.".as_bytes());
    new.files
        .insert("prompt.md".into(), "You are brief.".as_bytes());
    old.files.insert("gone.md".into(), "bye".as_bytes());
    new.files.insert("doc.bin".into(), vec![0u8, 255]);
    let c = compare(&old, &new);
    let fields: Vec<&str> = c.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["fleet.yaml", "doc.bin", "gone.md", "prompt.md"]
    );
    assert!(matches!(c[0].diff, Some(crate::plan::TextChange::Lines(_))));
    assert_eq!(c[1].old, None);
    assert_eq!(c[1].new.as_deref(), Some("(binary, 2 bytes)"));
    assert_eq!(
        (c[2].old.as_deref(), c[2].new.as_deref()),
        (Some("bye"), None)
    );
    assert_eq!(c[3].new.as_deref(), Some("You are brief."));
    assert!(compare(&old, &old).is_empty());
}
