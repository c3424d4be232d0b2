//! lettactl's own fleets (its main 32-agent end-to-end fixture and a few others, in
//! `tests/fixtures/lettactl/`) load here as they load in lettactl: with a warning where
//! lettactl ignores a setting, and one clear error per `from_bucket` entry (Supabase storage
//! cannot be read from a page).

#![cfg(not(target_arch = "wasm32"))]

use canary_core::fleet::{load_fleet, FileSet, FleetReport};
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lettactl");

/// Every file of the fixture folder, as the page gets them when the folder is opened.
fn fixture_files() -> FileSet {
    fn walk(dir: &Path, root: &Path, out: &mut FileSet) {
        for e in std::fs::read_dir(dir).expect("fixture dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).expect("inside").to_string_lossy();
                out.insert(rel.replace('\\', "/"), std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = FileSet::new();
    walk(Path::new(DIR), Path::new(DIR), &mut out);
    out
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).expect("fixture")
}

fn messages(r: &FleetReport) -> (Vec<String>, Vec<String>) {
    (
        r.errors.iter().map(|e| e.to_string()).collect(),
        r.warnings.iter().map(|w| w.to_string()).collect(),
    )
}

const NO_EFFECT: &str = "system_prompt.disable_base_prompt: 'disable_base_prompt' has no effect: lettactl documents it but does not apply it, and neither does this tool";
const BUCKET: &str = "'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and list its path under 'files'";

#[test]
fn the_main_fixture_reports_only_its_bucket_entries() {
    let r = load_fleet(&fixture("fleet.yml"), &fixture_files());
    let (errors, warnings) = messages(&r);
    assert_eq!(
        errors,
        vec![
            format!("349:9: agents[21].folders[0].files[0].from_bucket: {BUCKET}"),
            format!("364:9: agents[22].folders[0].files[0].from_bucket: {BUCKET}"),
            format!("380:9: agents[23].folders[0].files[1].from_bucket: {BUCKET}"),
        ]
    );
    assert_eq!(
        warnings,
        vec![
            format!("53:26: agents[2].{NO_EFFECT}"),
            format!("290:26: agents[19].{NO_EFFECT}"),
        ]
    );
}

#[test]
fn the_main_fixture_without_bucket_files_loads() {
    // The same fleet once its bucket documents are local files (what the error asks for).
    let yaml = fixture("fleet.yml")
        .replace(
            "    - from_bucket:\n        provider: supabase\n        bucket: test-bucket\n        path: '*.txt'\n",
            "    - folder-files/*.txt\n",
        )
        .replace(
            "    - from_bucket:\n        provider: supabase\n        bucket: test-bucket\n        path: test-doc.txt\n",
            "    - folder-files/doc2.txt\n",
        );
    let r = load_fleet(&yaml, &fixture_files());
    let (errors, warnings) = messages(&r);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    let fleet = r.fleet.expect("fleet");
    assert_eq!(fleet.agents.len(), 32);
    assert_eq!(fleet.shared_blocks.len(), 3);
    // Globs: `folder-files/*.txt` is the two text documents, `folder-files/*` all three.
    let glob_txt = fleet.agent("e2e-13-folder-glob-txt").expect("agent 13");
    assert_eq!(
        glob_txt.folders[0].sources[0].matched,
        vec!["folder-files/doc1.txt", "folder-files/doc2.txt"]
    );
    let glob_all = fleet.agent("e2e-14-folder-glob-all").expect("agent 14");
    assert_eq!(glob_all.folders[0].files.len(), 3);
    let no_base = fleet.agent("e2e-03-no-base-prompt").expect("agent 3");
    assert_eq!(
        no_base.system_prompt,
        "You operate without Letta base instructions.\nThis is your complete system prompt."
    );
}

#[test]
fn other_lettactl_fleets_load_without_warnings() {
    for name in [
        "fleet-folder-files-test.yml",
        "fleet-shared-folders-test.yml",
        "fleet-archives-test.yml",
        "fleet-tags-test.yml",
    ] {
        let r = load_fleet(&fixture(name), &fixture_files());
        let (errors, warnings) = messages(&r);
        assert!(
            errors.is_empty() && warnings.is_empty(),
            "{name}: {errors:#?} {warnings:#?}"
        );
        assert!(r.fleet.is_some_and(|f| !f.agents.is_empty()), "{name}");
    }
}
