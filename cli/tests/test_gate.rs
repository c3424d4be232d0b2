//! `fleet-canary test` against the real server: a passing suite exits 0 and stores its
//! verdict on the canary (for the promote gate), a failing one exits 1, a broken one exits 2.

mod common;

use canary_core::verdict::VERDICT_KEY;
use common::{agents_starting, client, TestFleet};

#[tokio::test]
async fn test_exits_1_when_the_gate_fails() {
    let f = TestFleet::new("clitest");
    let p = f.prefix.as_str();
    let billing = f.agent("billing");
    let out = f.run(&[
        "apply",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--agent",
        "billing",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    std::fs::create_dir_all(f.dir.join("tests")).expect("mkdir");
    let suite = |check: &str| {
        format!("name: gate\nagents: [{billing}]\ncases:\n  - name: echoes\n    input: hello\n    checks:\n      - contains: '{check}'\n")
    };
    std::fs::write(f.dir.join("tests/suite.yaml"), suite("Echo: hello")).expect("write");
    std::fs::write(
        f.dir.join("tests/fails.yaml"),
        suite("a reply it never gives"),
    )
    .expect("write");
    std::fs::write(f.dir.join("tests/broken.yaml"), "name: [\n").expect("write");

    let out = f.run(&["test", "-f", "fleet.yaml", "--canary-prefix", p]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("PASSED"), "{out:?}");
    let canary = client()
        .agents_named(&f.canary("billing"))
        .await
        .expect("agents");
    let stored = canary[0]["metadata"][VERDICT_KEY].clone();
    assert_eq!(
        stored["ok"], true,
        "verdict stored on the canary: {stored:#}"
    );

    let out = f.run(&[
        "test",
        "-f",
        "fleet.yaml",
        "--canary-prefix",
        p,
        "--suite",
        "tests/fails.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 1, "the gate fails: {out:?}");
    assert_eq!(out.json()["verdict"]["ok"], false, "{out:?}");
    assert!(out.stderr.contains("gate failed"), "{out:?}");

    let out = f.run(&[
        "test",
        "-f",
        "fleet.yaml",
        "--canary-prefix",
        p,
        "--suite",
        "tests/broken.yaml",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("tests/broken.yaml"), "{out:?}");

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
    assert!(agents_starting(p).await.is_empty(), "{out:?}");
}
