//! `plan --out` and `apply --plan` against the real server: the file is the versioned plan
//! format, a current plan applies exactly, a stale one is refused with exit 3 and an edited one
//! with exit 2, and nothing is written by a refusal (read back through the API).

mod common;

use canary_core::plan::Mode;
use canary_core::planfile::{PlanFile, FORMAT, VERSION};
use canary_core::render::render_text;
use common::{agents_named, agents_starting, golden, TestFleet};

#[tokio::test]
async fn plan_file_applies_when_current_and_is_refused_when_stale_or_edited() {
    let f = TestFleet::new("cliplan");
    let fleet = f.fleet();
    let p = f.prefix.as_str();

    // plan --out: the file, and the plan's text on stdout.
    let (_, expected) = golden(&fleet, &f.opts(Mode::Canary)).await;
    let out = f.run(&[
        "plan",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--out",
        "plan.json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, render_text(&expected), "{out:?}");
    let text = std::fs::read_to_string(f.dir.join("plan.json")).expect("plan file");
    let file = PlanFile::from_json(&text).expect("a plan file");
    assert_eq!((file.format.as_str(), file.version), (FORMAT, VERSION));
    assert_eq!(file.plan.fingerprint, expected.fingerprint);
    assert_eq!(file.options.prefix, p);
    assert!(file.fleet.files.contains_key("prompts/support.md"));
    assert!(
        agents_starting(p).await.is_empty(),
        "planning writes nothing"
    );

    // Without --out the plan file itself goes to stdout.
    let out = f.run(&["plan", "-f", "fleet.yaml", "--canary", "--canary-prefix", p]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(PlanFile::from_json(&out.stdout).is_ok(), "{out:?}");

    // A current plan file: the dry run says so and shows it.
    let out = f.run(&["apply", "--plan", "plan.json", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("is current"), "{out:?}");

    // Someone deploys one canary meanwhile: plan.json no longer describes the work.
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
    assert_eq!(agents_starting(p).await, vec![f.canary("billing")]);
    let out = f.run(&["apply", "--plan", "plan.json"]);
    assert_eq!(out.code, 3, "stale plan refused: {out:?}");
    assert!(
        out.stderr
            .contains("the server changed since this plan was made"),
        "{out:?}"
    );
    assert!(out.stderr.contains("The plan as it is now:"), "{out:?}");
    assert_eq!(
        agents_starting(p).await,
        vec![f.canary("billing")],
        "nothing written"
    );
    let out = f.run(&["apply", "--plan", "plan.json", "-o", "json"]);
    assert_eq!(out.code, 3, "{out:?}");
    let err = out.json();
    assert_eq!(err["error"]["kind"], "stale", "{err:#}");
    assert!(err["plan"]["fingerprint"].is_string(), "{err:#}");

    // A fresh plan file; edited after it was made (same fingerprint, other contents): refused.
    let out = f.run(&[
        "plan",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--out",
        "fresh.json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let fresh = std::fs::read_to_string(f.dir.join("fresh.json")).expect("fresh");
    let mut edited: serde_json::Value = serde_json::from_str(&fresh).expect("json");
    edited["plan"]["agents"][0]["name"] = "someone-else".into();
    std::fs::write(f.dir.join("edited.json"), edited.to_string()).expect("write");
    let out = f.run(&["apply", "--plan", "edited.json"]);
    assert_eq!(out.code, 2, "edited plan refused: {out:?}");
    assert!(out.stderr.contains("fingerprint"), "{out:?}");
    assert_eq!(agents_named("someone-else").await, 0);
    assert_eq!(
        agents_starting(p).await,
        vec![f.canary("billing")],
        "nothing written"
    );

    // The fresh plan applies exactly: the support canary appears; then the canaries go.
    let out = f.run(&["apply", "--plan", "fresh.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        agents_starting(p).await,
        vec![f.canary("billing"), f.canary("support")]
    );
    let out = f.run(&[
        "plan",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        p,
        "--cleanup",
        "--out",
        "cleanup.json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = f.run(&["apply", "--plan", "cleanup.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(agents_starting(p).await.is_empty(), "{out:?}");
}

/// Secrets `from_env` never reach the plan file; `apply --plan` reads the variable again and
/// the canary gets the value.
#[tokio::test]
async fn plan_files_hold_no_secret_values_and_apply_with_them() {
    let u = common::unique("clisec");
    let dir = std::env::temp_dir().join(format!("fleet-canary-test-{u}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let name = format!("sec-{u}");
    let prefix = format!("S{u}-");
    let var = format!("FC_TEST_KEY_{u}");
    let value = format!("value-{u}");
    std::fs::write(
        dir.join("fleet.yaml"),
        format!(
            "agents:\n  - name: {name}\n    description: Secrets\n    system_prompt: {{value: You help.}}\n    llm_config: {{model: {}, context_window: 16000}}\n    embedding: {}\n    tools: []\n    secrets:\n      api_key: {{from_env: {var}}}\n",
            common::MODEL,
            common::EMBEDDING
        ),
    )
    .expect("write");
    let server = common::base_url();
    let env = [
        ("LETTA_BASE_URL", server.as_str()),
        (var.as_str(), value.as_str()),
    ];
    let args = [
        "plan",
        "-f",
        "fleet.yaml",
        "--canary",
        "--canary-prefix",
        &prefix,
        "--out",
        "plan.json",
    ];
    let out = common::run_with(&dir, &env, &args);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(dir.join("plan.json")).expect("plan file");
    assert!(
        !text.contains(&value) && !out.stdout.contains(&value),
        "no secret value in the plan file or its text"
    );
    let out = common::run_with(&dir, &env, &["apply", "--plan", "plan.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let c = common::client();
    let canary = c
        .agents_named(&format!("{prefix}{name}"))
        .await
        .expect("agents");
    assert_eq!(canary.len(), 1);
    let id = canary[0]["id"].as_str().expect("id").to_string();
    let secrets = c.get_agent_secrets(&id).await.expect("secrets");
    assert_eq!(
        secrets.get("API_KEY"),
        Some(&value),
        "the value came from the environment"
    );
    let out = common::run_with(
        &dir,
        &env,
        &[
            "apply",
            "-f",
            "fleet.yaml",
            "--canary",
            "--canary-prefix",
            &prefix,
            "--cleanup",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(agents_starting(&prefix).await.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
