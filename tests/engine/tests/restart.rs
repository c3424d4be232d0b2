//! Canary metadata is stored on the agent: it survives a restart of the Letta server.
//! Restarts the server of the test stack, so it runs on its own (`make test` runs it last).

use canary_core::canary::canary_mark;
use canary_core::execute::{execute, ExecOptions, Timestamp};
use canary_core::fleet::{load_fleet, FileSet};
use canary_core::live::LiveAgent;
use canary_core::plan::{plan, Mode, PlanOptions};
use canary_tests::{client, now_iso, unique, NativeTransport, MODEL};

#[tokio::test]
#[ignore = "restarts the Letta server; run with --ignored"]
async fn canary_metadata_survives_a_server_restart() {
    let u = unique("rs");
    let yaml = format!("agents:\n  - name: restart-{u}\n    description: d\n    system_prompt: {{value: hi}}\n    llm_config: {{model: {MODEL}, context_window: 16000}}\n    tools: []\n");
    let fleet = load_fleet(&yaml, &FileSet::new()).fleet.expect("fleet");
    let o = PlanOptions {
        mode: Mode::Canary,
        prefix: format!("R{u}-"),
        ..PlanOptions::default()
    };
    let c = client(NativeTransport::default());
    let live = c.fetch_live(&fleet).await.expect("live");
    let p = plan(&fleet, &live, &o).expect("plan");
    assert!(execute(
        &c,
        &fleet,
        &p,
        &o,
        &ExecOptions {
            concurrency: 1,
            ..ExecOptions::new(Timestamp::parse(&now_iso()).expect("now is ISO-8601 UTC"))
        },
        &|_| {}
    )
    .await
    .expect("deploy")
    .ok());

    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let status = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/letta.sh"))
        .arg("restart")
        .status()
        .expect("restart");
    assert!(status.success(), "server restart failed");

    let found = c
        .agents_named(&format!("R{u}-restart-{u}"))
        .await
        .expect("list");
    assert_eq!(found.len(), 1);
    let a = LiveAgent::from_api(&found[0]);
    let mark = canary_mark(&a.name, &a.metadata).expect("still a canary after the restart");
    assert_eq!(mark.production_name, format!("restart-{u}"));
    let again = plan(&fleet, &c.fetch_live(&fleet).await.expect("live"), &o).expect("plan");
    assert!(again.is_noop(), "still converged after the restart");
}
