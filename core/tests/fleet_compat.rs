//! What lettactl accepts loads here too, and what a page cannot do is one clear error:
//! `disable_base_prompt`, folder globs, `from_bucket`, `root_path`, one error per cause, text
//! that must be text, binary folder documents, and all errors of a large fleet located.

mod fleet_support;

use canary_core::fleet::{load_fleet, FileSet};
use fleet_support::*;

#[test]
fn disable_base_prompt_loads_with_a_warning() {
    let yaml = r(
        "value: You are helpful.\n",
        "value: You are helpful.\n      disable_base_prompt: true\n",
    );
    let report = load_fleet(&yaml, &FileSet::new());
    assert!(report.ok, "{:?}", report.errors);
    let w: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec!["6:28: agents[0].system_prompt.disable_base_prompt: 'disable_base_prompt' has no effect: lettactl documents it but does not apply it, and neither does this tool"]
    );
}

#[test]
fn from_bucket_is_one_error_per_entry() {
    let yaml = with_block(&GOOD_BLOCK.replace(
        "value: I help.",
        "from_bucket: {provider: supabase, bucket: b, path: p.md}",
    ));
    let report = load_fleet(&yaml, &FileSet::new());
    let paths: Vec<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, vec!["agents[0].memory_blocks[0].from_bucket"]);
}

#[test]
fn an_invalid_shared_block_or_folder_is_one_error_not_one_per_reference() {
    let agent2 = BASE
        .replacen("agents:\n", "", 1)
        .replace("name: support", "name: other");
    let yaml = format!(
        "shared_blocks:\n  - name: rules\n    description: r\n    value: x\n    agent_owned: false\nshared_folders:\n  - name: kb\n    files: [kb/missing.md]\n{BASE}    shared_blocks: [rules]\n    shared_folders: [kb]\n{agent2}    shared_blocks: [rules]\n    shared_folders: [kb]\n"
    );
    let report = load_fleet(&yaml, &FileSet::new());
    let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        vec![
            "2:5: shared_blocks[0].limit: 'limit' is required",
            "8:13: shared_folders[0].files[0]: file 'kb/missing.md' is not in the fleet's files; add it or fix the path",
        ]
    );
}

/// A fleet below `root_path: ./config`: a prompt from a file and a folder of `docs/*.md`.
fn rooted_fleet() -> String {
    format!(
        "root_path: ./config\n{}    folders:\n      - name: docs\n        files: [\"docs/*.md\"]\n",
        r("value: You are helpful.", "from_file: prompts/p.md")
    )
}

#[test]
fn root_path_resolves_paths_inside_the_file_set() {
    let yaml = rooted_fleet();
    let f = files(&[
        ("config/prompts/p.md", "From the root path."),
        ("config/docs/a.md", "A"),
        ("docs/outside.md", "not below root_path"),
    ]);
    let report = load_fleet(&yaml, &f);
    assert!(report.ok, "{:?}", report.errors);
    let fleet = report.fleet.expect("fleet");
    assert_eq!(fleet.agents[0].system_prompt, "From the root path.");
    let docs: Vec<&str> = fleet.agents[0].folders[0]
        .files
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(docs, vec!["docs/a.md"]);
    // A file outside root_path is not reachable.
    let outside = load_fleet(
        &yaml,
        &files(&[("prompts/p.md", "x"), ("config/docs/a.md", "A")]),
    );
    assert_eq!(
        outside.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        vec!["6:18: agents[0].system_prompt.from_file: file 'prompts/p.md' is not in the fleet's files; add it or fix the path"]
    );
}

#[test]
fn folder_globs_record_what_each_entry_matched() {
    let yaml = format!("{BASE}    folders:\n      - name: docs\n        files: [\"docs/**/*.md\", \"*.txt\", extra/faq.md]\n");
    let f = files(&[
        ("docs/a.md", "A"),
        ("docs/deep/b.md", "B"),
        ("docs/c.pdf", "C"),
        ("notes.txt", "N"),
        ("extra/faq.md", "F"),
    ]);
    let report = load_fleet(&yaml, &f);
    assert!(report.ok, "{:?}", report.errors);
    let folder = &report.fleet.expect("fleet").agents[0].folders[0];
    let got: Vec<(&str, Vec<&str>)> = folder
        .sources
        .iter()
        .map(|s| {
            (
                s.pattern.as_str(),
                s.matched.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("docs/**/*.md", vec!["docs/a.md", "docs/deep/b.md"]),
            ("*.txt", vec!["notes.txt"]),
            ("extra/faq.md", vec!["extra/faq.md"]),
        ]
    );
    assert_eq!(folder.files.len(), 4);
}

#[test]
fn server_built_in_tools_are_known() {
    use canary_core::fleet::{is_server_builtin, SERVER_BUILTIN_TOOLS};
    for t in [
        "web_search",
        "fetch_webpage",
        "archival_memory_search",
        "send_message",
        "run_code",
    ] {
        assert!(is_server_builtin(t), "{t}");
    }
    assert!(!is_server_builtin("lookup"));
    assert_eq!(SERVER_BUILTIN_TOOLS.len(), 26);
}

/// A fleet where every agent misses its description (issue 11 item 8's shape).
fn agents_without_description(n: usize) -> String {
    let mut y = String::from("agents:\n");
    for i in 0..n {
        y.push_str(&format!(
            "  - name: agent-{i}\n    system_prompt: {{value: p}}\n    llm_config: {{model: a/b, context_window: 2000}}\n"
        ));
    }
    y
}

#[test]
fn every_error_of_a_large_fleet_is_located() {
    let n = 1500;
    let report = load_fleet(&agents_without_description(n), &FileSet::new());
    assert_eq!(report.errors.len(), n);
    for (i, e) in report.errors.iter().enumerate() {
        assert_eq!(e.path, format!("agents[{i}].description"));
        assert_eq!(e.message, "'description' is required");
        assert_eq!((e.line, e.column), (Some(2 + 3 * i), Some(5)), "{e}");
    }
}

#[test]
fn folder_documents_may_be_binary() {
    let yaml = format!(
        "{BASE}    folders:\n      - name: docs\n        files: [docs/manual.pdf, docs/a.md]\n"
    );
    let mut f = raw(&[("docs/manual.pdf", PDF)]);
    f.insert("docs/a.md".into(), "text");
    let report = load_fleet(&yaml, &f);
    assert!(report.ok, "{:?}", report.errors);
    let fleet = report.fleet.expect("fleet");
    let docs = &fleet.agents[0].folders[0].files;
    assert_eq!(docs[1].path, "docs/manual.pdf");
    assert_eq!(docs[1].content, PDF, "bytes kept as they are");
    assert_eq!(docs[0].content, b"text");
}

/// The start of a PDF with binary bytes (not UTF-8).
const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\0\x01";

#[test]
fn documents_the_server_refuses_are_refused_at_the_entry_that_brought_them() {
    let yaml = format!("{BASE}    folders:\n      - name: docs\n        files:\n          - docs/a.md\n          - \"docs/*\"\n");
    let mut f = raw(&[("docs/logo.png", PNG), ("docs/Makefile", b"all:")]);
    f.insert("docs/a.md".into(), "text");
    let errors: Vec<String> = load_fleet(&yaml, &f)
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect();
    let refused = |p: &str| {
        format!("14:13: agents[0].folders[0].files[1]: '{p}' is not a document type the Letta server accepts (it answers 415); use PDF, text, Markdown, JSON, CSV, source code or configuration files")
    };
    assert_eq!(
        errors,
        vec![refused("docs/Makefile"), refused("docs/logo.png")]
    );
}

#[test]
fn file_sets_serialise_as_text_or_bytes() {
    let mut f = raw(&[("logo.png", &[0xff, 0])]);
    f.insert("a.md".into(), "hi");
    let json = serde_json::to_string(&f).expect("json");
    assert_eq!(json, r#"{"a.md":"hi","logo.png":[255,0]}"#);
    let back: FileSet = serde_json::from_str(&json).expect("back");
    assert_eq!(back, f);
}

#[test]
fn the_report_names_the_files_the_fleet_uses() {
    // Below root_path: a prompt, a folder glob; beside them a leftover and a misspelt path.
    let yaml = rooted_fleet();
    let f = files(&[
        ("config/prompts/p.md", "From the root path."),
        ("config/docs/a.md", "A"),
        ("config/docs/b.md", "B"),
        ("config/prompts/old.md", "left over"),
        ("docs/outside.md", "not below root_path"),
    ]);
    let report = load_fleet(&yaml, &f);
    assert!(report.ok, "{:?}", report.errors);
    let used: Vec<&str> = report
        .files_used
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(
        used,
        vec![
            "config/docs/a.md",
            "config/docs/b.md",
            "config/prompts/p.md"
        ]
    );
    assert_eq!(report.uses_file("./config/prompts/p.md"), Some(true));
    assert_eq!(report.uses_file("config/prompts/old.md"), Some(false));
    assert_eq!(report.uses_file("docs/outside.md"), Some(false));

    // A fleet with errors cannot say (its walk may stop short of a reference), nor can one
    // that does not parse.
    let broken = load_fleet(
        &r("value: You are helpful.", "from_file: prompts/nope.md"),
        &files(&[("prompts/p.md", "x")]),
    );
    assert!(!broken.ok);
    assert_eq!(broken.uses_file("prompts/p.md"), None);
    let unreadable = load_fleet("agents: [", &f);
    assert_eq!(unreadable.uses_file("config/prompts/p.md"), None);
}

#[test]
fn tool_sources_count_as_used() {
    let yaml = r("tools: [", "tools: [lookup_order, ");
    let report = load_fleet(
        &yaml,
        &files(&[("tools/lookup_order.py", "def lookup_order(id: str) -> str:\n    \"\"\"Look an order up.\n\n    Args:\n        id: The order.\n    \"\"\"\n    return id\n")]),
    );
    assert_eq!(
        report.uses_file("tools/lookup_order.py"),
        Some(true),
        "{:?}",
        report.errors
    );
    // `tools/*` takes every tools/NAME.py: each counts as used, a file elsewhere does not.
    let source = |n: &str| {
        format!("def {n}(id: str) -> str:\n    \"\"\"Look it up.\n\n    Args:\n        id: The id.\n    \"\"\"\n    return id\n")
    };
    let (a, b) = (source("find_a"), source("find_b"));
    let all = load_fleet(
        &r("tools: [", "tools: [\"tools/*\", "),
        &files(&[
            ("tools/find_a.py", &a),
            ("tools/find_b.py", &b),
            ("notes.md", "x"),
        ]),
    );
    assert!(all.ok, "{:?}", all.errors);
    assert_eq!(all.uses_file("tools/find_a.py"), Some(true));
    assert_eq!(all.uses_file("tools/find_b.py"), Some(true));
    assert_eq!(all.uses_file("notes.md"), Some(false));
}
