//! Secrets against the real server: set on the canary from the fleet and from the caller's
//! variables, converged with zero writes, merged on update (PATCH replaces them whole),
//! pruned only when asked and never when preserved; no value in any rendered plan.

mod support;

use canary_core::client::Counting;
use canary_core::execute::execute;
use canary_core::fleet::FileSet;
use canary_core::plan::{plan, vars::Vars, Mode, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport};
use support::*;

fn yaml(n: &Names) -> String {
    format!(
        r#"global-secrets:
  REGION: {{value: eu-west-{u}}}
preserve_secrets: [KEEP_ME]
agents:
  - name: {agent}
    description: Secrets test
    system_prompt: {{value: You help.}}
    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}
    embedding: openai/text-embedding-3-small
    tools: []
    secrets:
      api_key: {{from_env: SECRETS_TEST_KEY}}
"#,
        u = n.u,
        agent = n.name("sec")
    )
}

fn options(mode: Mode, prefix: &str, key: &str) -> PlanOptions {
    PlanOptions {
        vars: Vars::new([("SECRETS_TEST_KEY".to_string(), key.to_string())]),
        ..opts(mode, prefix)
    }
}

#[tokio::test]
async fn secrets_are_set_merged_converged_and_never_shown() {
    let n = Names::new("sec");
    let c = client(Counting::new(NativeTransport::default()));
    let fleet = load(&yaml(&n), &FileSet::new());
    let key = format!("key-{}", n.u);
    let canary = options(Mode::Canary, &n.prefix, &key);
    let live = c.fetch_live(&fleet).await.expect("live");
    let p = plan(&fleet, &live, &canary).expect("plan");
    let text = render_text(&p);
    let json = serde_json::to_string(&p).expect("json");
    for v in [key.as_str(), &format!("eu-west-{}", n.u)] {
        assert!(!text.contains(v) && !json.contains(v), "value {v} shown");
    }
    let r = execute(&c, &fleet, &p, &canary, &exec(), &|_| {})
        .await
        .expect("run");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&fleet).await.expect("live");
    let ca = agent(&live, &n.canary("sec")).id.clone();
    let on_server = c.get_agent_secrets(&ca).await.expect("secrets");
    assert_eq!(on_server.get("API_KEY"), Some(&key));
    assert_eq!(on_server.get("REGION"), Some(&format!("eu-west-{}", n.u)));

    // Converged: a re-deploy writes nothing.
    let again = plan(&fleet, &live, &canary).expect("plan");
    assert!(again.is_noop(), "{}", render_text(&again));
    c.transport().reset();
    execute(&c, &fleet, &again, &canary, &exec(), &|_| {})
        .await
        .expect("run");
    assert_eq!(c.transport().writes(), 0);

    // Someone adds secrets by hand; a rotated key merges without losing them.
    c.patch_agent(
        &ca,
        serde_json::json!({"secrets": {"API_KEY": key, "REGION": format!("eu-west-{}", n.u), "KEEP_ME": "k", "OLD": "o"}}),
    )
    .await
    .expect("patch");
    let rotated = options(Mode::Canary, &n.prefix, "rotated");
    let live = c.fetch_live(&fleet).await.expect("live");
    let p = plan(&fleet, &live, &rotated).expect("plan");
    assert!(!render_text(&p).contains("rotated"));
    execute(&c, &fleet, &p, &rotated, &exec(), &|_| {})
        .await
        .expect("run");
    let s = c.get_agent_secrets(&ca).await.expect("secrets");
    assert_eq!(s.get("API_KEY").map(String::as_str), Some("rotated"));
    assert!(
        s.contains_key("KEEP_ME") && s.contains_key("OLD"),
        "undeclared stay: {:?}",
        s.keys()
    );

    // Prune removes the undeclared one, never the preserved one.
    let prune = PlanOptions {
        prune: true,
        ..rotated.clone()
    };
    let live = c.fetch_live(&fleet).await.expect("live");
    let p = plan(&fleet, &live, &prune).expect("plan");
    execute(&c, &fleet, &p, &prune, &exec(), &|_| {})
        .await
        .expect("run");
    let s = c.get_agent_secrets(&ca).await.expect("secrets");
    assert!(
        !s.contains_key("OLD") && s.contains_key("KEEP_ME"),
        "{:?}",
        s.keys()
    );

    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
}
