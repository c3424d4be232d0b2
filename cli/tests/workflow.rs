//! The seed's whole canary workflow through `fleet-canary` with lettactl's command lines, as a
//! subprocess against the real Letta server: dry run (text equal to the core's rendering of
//! the same plan), deploy, converged re-plan (`--output json`), get, describe, send, test,
//! promote (through the gate), cleanup dry run and cleanup, each checked by reading the
//! server back.

mod common;

use canary_core::plan::Mode;
use canary_core::render::render_text;
use common::{agents_named, agents_starting, golden, TestFleet};

#[tokio::test]
async fn whole_workflow_with_lettactl_command_lines() {
    let f = TestFleet::new("cliwf");
    let fleet = f.fleet();
    let p = f.prefix.as_str();

    // 1. Dry run: lettactl's dry-run text, byte for byte the core's rendering; nothing written.
    let (_, expected) = golden(&fleet, &f.opts(Mode::Canary)).await;
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, render_text(&expected), "{out:?}");
    assert!(out
        .stdout
        .contains(&format!("[+] {} (CREATE)", f.canary("support"))));
    assert!(
        agents_starting(p).await.is_empty(),
        "a dry run writes nothing"
    );

    // 2. Canary deploy.
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Apply completed: 2 applied, 0 unchanged"),
        "{out:?}"
    );
    assert_eq!(
        agents_starting(p).await,
        vec![f.canary("billing"), f.canary("support")]
    );
    assert_eq!(
        agents_named(&f.agent("support")).await,
        0,
        "no production agent yet"
    );

    // 3. Converged: the re-plan, as JSON, is all unchanged and has nothing to do.
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--dry-run",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let plan = out.json();
    let agents = plan["agents"].as_array().expect("agents");
    assert_eq!(agents.len(), 2);
    assert!(
        agents.iter().all(|a| a["action"] == "UNCHANGED"),
        "{plan:#}"
    );
    assert_eq!(plan["summary"]["create"], 0, "{plan:#}");
    // Applying the converged fleet again writes nothing and says so.
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Apply completed: all 2 agents already up to date"),
        "{out:?}"
    );

    // 4. get agents --canary: the table and the JSON list carry both canaries.
    let out = f.run(&["get", "agents", "--canary", "--canary-prefix", p]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("NAME"), "{out:?}");
    assert!(
        out.stdout.contains(&f.canary("support")) && out.stdout.contains(&f.canary("billing")),
        "{out:?}"
    );
    let out = f.run(&[
        "get",
        "agents",
        "--canary",
        "--canary-prefix",
        p,
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let names: Vec<String> = out
        .json()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // 5. describe agent NAME --canary: the canary's details; no production agent yet.
    let out = f.run(&[
        "describe",
        "agent",
        &f.agent("support"),
        "--canary",
        "--canary-prefix",
        p,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with(&format!("Agent Details: {}", f.canary("support"))),
        "{out:?}"
    );
    assert!(out.stdout.contains("Production: none"), "{out:?}");
    assert!(out.stdout.contains("  - persona"), "{out:?}");

    // 6. send: the reply between lettactl's `---` lines.
    let out = f.run(&["send", &f.canary("support"), "hello canary"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "---\nEcho: hello canary\n---\n", "{out:?}");
    let out = f.run(&["send", &f.canary("support"), "hello again", "-o", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Echo: hello again"), "{out:?}");

    // 7. Promote: production agents from the same YAML; the canaries stay. The promote gate
    // wants a passing suite for this fleet version first (tests/promote_gate.rs has the rest).
    std::fs::create_dir_all(f.dir.join("tests")).expect("mkdir");
    std::fs::write(
        f.dir.join("tests/suite.yaml"),
        format!(
            "name: workflow\nagents: [{}, {}]\ncases:\n  - name: echoes\n    input: hello\n    checks:\n      - contains: 'Echo: hello'\n",
            f.agent("support"),
            f.agent("billing")
        ),
    )
    .expect("write suite");
    let out = f.run(&["test", "-f", "fleet.yaml", "--canary-prefix", p]);
    assert_eq!(out.code, 0, "the suite passes: {out:?}");
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--promote",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("the suite passed"), "{out:?}");
    assert_eq!(agents_named(&f.agent("support")).await, 1);
    assert_eq!(agents_named(&f.agent("billing")).await, 1);
    let out = f.run(&[
        "describe",
        "agent",
        &f.agent("support"),
        "--canary",
        "--canary-prefix",
        p,
    ]);
    assert!(
        out.stdout
            .contains(&format!("Production: {} (", f.agent("support"))),
        "{out:?}"
    );

    // 8. Cleanup dry run: exactly the core's rendering; nothing deleted.
    let (_, expected) = golden(&fleet, &f.opts(Mode::Cleanup)).await;
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--cleanup",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, render_text(&expected), "{out:?}");
    assert_eq!(
        agents_starting(p).await.len(),
        2,
        "a cleanup dry run deletes nothing"
    );

    // 9. Cleanup: canaries gone, production kept.
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--cleanup",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Cleanup completed"), "{out:?}");
    assert!(agents_starting(p).await.is_empty(), "{out:?}");
    assert_eq!(
        agents_named(&f.agent("support")).await,
        1,
        "production is never cleaned up"
    );
    let out = f.run(&["get", "agents", "--canary", "--canary-prefix", p]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains(p), "{out:?}");
}
