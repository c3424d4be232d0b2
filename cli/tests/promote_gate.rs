//! `fleet-canary apply --promote` consults the promote gate (the web app's, from
//! `canary_core::verdict::gate`) against the real server: refused (exit 1, production
//! untouched, read back through the API) when no suite ran, when it failed, or when it tested
//! another fleet version; allowed when `fleet-canary test` passed for this version; allowed
//! with `--override-gate REASON`, which is recorded on the promoted agents. `apply --plan` of
//! a promote plan file is gated the same way.

mod common;

use canary_core::verdict::{fleet_hash, OVERRIDE_KEY};
use common::{client, Out, TestFleet};
use serde_json::{json, Value};

/// Everything of production this fleet touches, as the server has it: the production agents
/// (name, description, system prompt, metadata, blocks) and the shared block.
async fn production(f: &TestFleet) -> Value {
    let c = client();
    let mut agents: Vec<Value> = c
        .agents_matching(&f.u)
        .await
        .expect("agents")
        .iter()
        .filter(|a| {
            !a["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&f.prefix)
        })
        .map(|a| {
            let mut blocks: Vec<String> = a["blocks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| format!("{} {} {}", b["id"], b["label"], b["value"]))
                .collect();
            blocks.sort();
            json!({"name": a["name"], "id": a["id"], "description": a["description"],
                   "system": a["system"], "metadata": a["metadata"], "blocks": blocks})
        })
        .collect();
    agents.sort_by_key(|a| a["name"].to_string());
    let mut shared: Vec<Value> = c
        .blocks_labelled(&format!("policies_{}", f.u))
        .await
        .expect("blocks")
        .iter()
        .map(|b| json!({"id": b["id"], "value": b["value"], "limit": b["limit"]}))
        .collect();
    shared.sort_by_key(|b| b["id"].to_string());
    json!({"agents": agents, "shared": shared})
}

/// The production agent `n` of this fleet, read from the server.
async fn production_agent(f: &TestFleet, n: &str) -> Option<Value> {
    client()
        .agents_named(&f.agent(n))
        .await
        .expect("agents")
        .into_iter()
        .next()
}

fn apply(f: &TestFleet, extra: &[&str]) -> Out {
    let mut args = vec![
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        f.prefix.as_str(),
        "--agent",
        "billing",
    ];
    args.extend_from_slice(extra);
    f.run(&args)
}

/// A suite for the billing canary: `check` is what its reply must contain.
fn write_suite(f: &TestFleet, path: &str, check: &str) {
    std::fs::create_dir_all(f.dir.join("tests")).expect("mkdir");
    let suite = format!(
        "name: gate\nagents: [{}]\ncases:\n  - name: echoes\n    input: hello\n    checks:\n      - contains: '{check}'\n",
        f.agent("billing")
    );
    std::fs::write(f.dir.join(path), suite).expect("write suite");
}

fn test(f: &TestFleet, suite: &str) -> Out {
    f.run(&[
        "test",
        "-f",
        "fleet.yaml",
        "--canary-prefix",
        &f.prefix,
        "--suite",
        suite,
    ])
}

async fn tidy(f: &TestFleet) {
    let out = apply(f, &["--cleanup"]);
    assert_eq!(out.code, 0, "{out:?}");
    if let Some(a) = production_agent(f, "billing").await {
        let id = a["id"].as_str().expect("id");
        client().delete_agent(id).await.expect("delete production");
    }
}

#[tokio::test]
async fn promote_is_refused_without_a_passing_verdict_unless_overridden() {
    let f = TestFleet::new("cligate");
    let p = f.prefix.clone();
    let out = apply(&f, &[]);
    assert_eq!(out.code, 0, "canary deployed: {out:?}");
    let before = production(&f).await;

    // No suite has run: refused, with what to do and the override's name; nothing written.
    let out = apply(&f, &["--promote"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "promote refused by the test gate: no test suite has run against the {p} canaries"
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("Nothing was written"), "{out:?}");
    assert!(out.stderr.contains("--override-gate \"REASON\""), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("fleet-canary test -f FLEET --canary-prefix {p}")),
        "{out:?}"
    );
    assert_eq!(production(&f).await, before, "production untouched");
    assert!(production_agent(&f, "billing").await.is_none());
    // The same as JSON for a pipeline.
    let out = apply(&f, &["--promote", "-o", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["error"]["kind"], "gate", "{out:?}");
    assert_eq!(out.json()["error"]["code"], 1, "{out:?}");
    // A dry run shows the plan and says the promote would be refused; writes nothing.
    let out = apply(&f, &["--promote", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("[+] {} (CREATE)", f.agent("billing"))),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("this promote would be refused"),
        "{out:?}"
    );
    assert_eq!(production(&f).await, before, "a dry run writes nothing");

    // The suite ran and failed: refused, saying so.
    write_suite(&f, "tests/fails.yaml", "a reply it never gives");
    let out = test(&f, "tests/fails.yaml");
    assert_eq!(out.code, 1, "the suite fails: {out:?}");
    let out = apply(&f, &["--promote"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "promote refused by the test gate: the suite failed for this fleet version: suite 'gate', 0 of 1 cases passed, run "
        ),
        "{out:?}"
    );
    assert_eq!(production(&f).await, before, "production untouched");

    // Bad overrides are bad command lines (exit 2), still before anything is written.
    let out = apply(&f, &["--promote", "--override-gate", "  "]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("--override-gate needs a reason"),
        "{out:?}"
    );
    let out = apply(&f, &["--override-gate", "why"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("applies only to a promote"), "{out:?}");
    assert_eq!(production(&f).await, before, "production untouched");

    // Overridden with a reason: promoted, and the override is on the promoted agent.
    let reason = "hotfix for the billing outage, checked by hand";
    let out = apply(&f, &["--promote", "--override-gate", reason]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("promote gate overridden"), "{out:?}");
    let promoted = production_agent(&f, "billing")
        .await
        .expect("the production agent exists");
    let record = &promoted["metadata"][OVERRIDE_KEY];
    assert_eq!(record["reason"], reason, "{promoted:#}");
    assert_eq!(record["fleetHash"], fleet_hash(&f.fleet()), "{record:#}");
    assert!(
        record["refusal"]
            .as_str()
            .is_some_and(|r| r.contains("the suite failed")),
        "{record:#}"
    );
    // Recording the override does not unsettle the fleet: the re-plan converges.
    let out = apply(
        &f,
        &[
            "--promote",
            "--override-gate",
            reason,
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let agents = out.json()["agents"].clone();
    assert!(
        agents
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|x| x["action"] == "UNCHANGED")),
        "{agents:#}"
    );
    tidy(&f).await;
}

#[tokio::test]
async fn promote_runs_after_a_passing_suite_and_only_for_the_version_it_tested() {
    let f = TestFleet::new("cligateok");
    let out = apply(&f, &[]);
    assert_eq!(out.code, 0, "canary deployed: {out:?}");
    write_suite(&f, "tests/suite.yaml", "Echo: hello");
    let out = test(&f, "tests/suite.yaml");
    assert_eq!(out.code, 0, "the suite passes: {out:?}");

    // A passing verdict for exactly this fleet: promoted, nothing recorded as an override.
    let out = apply(&f, &["--promote"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("promote gate: the suite passed for this fleet version"),
        "{out:?}"
    );
    let promoted = production_agent(&f, "billing")
        .await
        .expect("the production agent exists");
    assert_eq!(promoted["metadata"].get(OVERRIDE_KEY), None, "{promoted:#}");

    // Another version of the fleet was not tested: refused, production as it was.
    let changed = f
        .yaml()
        .replace("You handle billing.", "You handle billing and refunds.");
    std::fs::write(f.fleet_file(), changed).expect("write fleet");
    let before = production(&f).await;
    let out = apply(&f, &["--promote"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("tested another version of the fleet"),
        "{out:?}"
    );
    assert_eq!(production(&f).await, before, "production untouched");

    // A reviewed promote plan file is no test either: `apply --plan` is gated the same way.
    let out = f.run(&[
        "plan",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        &f.prefix,
        "--agent",
        "billing",
        "--promote",
        "--out",
        "promote.json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = f.run(&["apply", "--plan", "promote.json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("promote refused by the test gate"),
        "{out:?}"
    );
    assert_eq!(production(&f).await, before, "production untouched");
    let out = f.run(&[
        "apply",
        "--plan",
        "promote.json",
        "--override-gate",
        "refund wording only",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let promoted = production_agent(&f, "billing").await.expect("production");
    assert_eq!(promoted["system"], "You handle billing and refunds.");
    assert_eq!(
        promoted["metadata"][OVERRIDE_KEY]["reason"], "refund wording only",
        "{promoted:#}"
    );
    tidy(&f).await;
}

#[test]
fn the_gate_and_its_override_are_in_the_help() {
    let dir = std::env::temp_dir();
    let out = common::run_with(&dir, &[], &["apply", "--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("--override-gate <REASON>"), "{out:?}");
    assert!(
        out.stdout
            .contains("recorded on every promoted agent's metadata"),
        "{out:?}"
    );
    let out = common::run_with(&dir, &[], &["--help"]);
    assert!(
        out.stdout.contains("promote gate refused a promote"),
        "{out:?}"
    );
    assert!(out.stdout.contains("--override-gate"), "{out:?}");
}
