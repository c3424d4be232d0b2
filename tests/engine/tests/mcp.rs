//! MCP servers and `mcp_tools` end to end against the real Letta server and a real MCP server
//! of our own (tests/mcp_server/server.py, stdio: the Letta server spawns it), with the server
//! state read back through the API at every step: register, `all` expanded and attached, the
//! canary shares the production server, a changed definition is production impact that blocks
//! the canary, promote updates and refreshes in place, and every re-plan converges with zero
//! writes.

mod support;

use canary_core::client::{Counting, LettaClient, Transport};
use canary_core::execute::{execute, ExecError};
use canary_core::fleet::{FileSet, Fleet};
use canary_core::live::McpDefinition;
use canary_core::plan::vars::Vars;
use canary_core::plan::{Action, FleetStep, Kind, Mode, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport, MODEL};
use serde_json::Value;
use std::collections::BTreeSet;
use support::*;

/// The Python that runs our MCP server (the Letta venv has PyPI's `mcp`).
fn python() -> String {
    let cache = std::env::var("FLEET_CANARY_CACHE").unwrap_or_else(|_| "/opt/fleet-canary".into());
    format!("{cache}/letta-venv/bin/python")
}

fn server_script() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mcp_server/server.py");
    p.canonicalize().unwrap_or(p).to_string_lossy().into_owned()
}

fn yaml(n: &Names, tool_prefix: &str) -> String {
    format!(
        r#"mcp_servers:
  - name: {server}
    type: stdio
    command: ${{CANARY_MCP_PYTHON}}
    args: ["${{CANARY_MCP_SERVER}}", --prefix, {tool_prefix}, --toolset, $CANARY_MCP_TOOLSET]
agents:
  - name: {support}
    description: Support agent
    system_prompt:
      value: You help.
    llm_config:
      model: {MODEL}
      context_window: 16000
    tools: []
    mcp_tools:
      - server: {server}
        tools: all
  - name: {billing}
    description: Billing agent
    system_prompt:
      value: You bill.
    llm_config:
      model: {MODEL}
      context_window: 16000
    tools: []
    mcp_tools:
      - server: {server}
        tools: [{tool_prefix}add]
"#,
        server = n.name("calc"),
        support = n.name("support"),
        billing = n.name("billing"),
    )
}

/// The process environment (as the command line passes it), plus where our MCP server is.
fn vars(toolset: &str) -> Vars {
    let mut v = Vars::new(std::env::vars());
    v.set("CANARY_MCP_PYTHON", python());
    v.set("CANARY_MCP_SERVER", server_script());
    v.set("CANARY_MCP_TOOLSET", toolset);
    v
}

fn with_vars(mode: Mode, n: &Names, toolset: &str) -> PlanOptions {
    PlanOptions {
        vars: vars(toolset),
        ..opts(mode, &n.prefix)
    }
}

/// The MCP servers named `name`, as the server lists them.
async fn servers_named<T: Transport>(c: &LettaClient<T>, name: &str) -> Vec<Value> {
    c.list_mcp_servers()
        .await
        .expect("mcp servers")
        .into_iter()
        .filter(|s| s.get("server_name").and_then(Value::as_str) == Some(name))
        .collect()
}

fn id(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The server's tools: name → id.
async fn server_tools<T: Transport>(c: &LettaClient<T>, id: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = c
        .mcp_server_tools(id)
        .await
        .expect("mcp tools")
        .iter()
        .map(|t| {
            let s = |k: &str| {
                t.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            assert_eq!(s("tool_type"), "external_mcp");
            (s("name"), s("id"))
        })
        .collect();
    v.sort();
    v
}

/// Names of the tools attached to the agent named `name`, read back from the server.
async fn agent_tools<T: Transport>(
    c: &LettaClient<T>,
    fleet: &Fleet,
    name: &str,
) -> BTreeSet<String> {
    let live = c.fetch_live(fleet).await.expect("live");
    let a = agent(&live, name);
    let v = c.get_agent(&a.id).await.expect("agent");
    v.get("tools")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|t| t.get("tool_type").and_then(Value::as_str) == Some("external_mcp"))
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Plans again and runs: nothing to do, and the run writes nothing.
async fn converges(c: &LettaClient<Counting<NativeTransport>>, fleet: &Fleet, o: &PlanOptions) {
    let (_, p) = preview(c, fleet, o).await;
    assert!(p.is_noop(), "not converged:\n{}", render_text(&p));
    assert!(p.agents.iter().all(|a| a.action == Action::Unchanged));
    c.transport().reset();
    let r = execute(c, fleet, &p, o, &exec(), &|_| {})
        .await
        .expect("execute");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(c.transport().writes(), 0, "a converged run writes nothing");
}

fn set<S: AsRef<str>>(names: &[S]) -> BTreeSet<String> {
    names.iter().map(|n| n.as_ref().to_string()).collect()
}

#[tokio::test(flavor = "current_thread")]
async fn mcp_servers_register_attach_share_and_converge() {
    let n = Names::new("mcp");
    let c = client(Counting::new(NativeTransport::default()));
    let tp = format!("{}_", n.ident("t"));
    let (add, shout, multiply) = (
        format!("{tp}add"),
        format!("{tp}shout"),
        format!("{tp}multiply"),
    );
    let fleet = load(&yaml(&n, &tp), &FileSet::new());
    let server = n.name("calc");

    // 1. Apply to production: the server is registered (Letta spawns our MCP server and syncs
    //    its tools), `all` is expanded after the registration, named tools are attached.
    let apply = with_vars(Mode::Apply, &n, "v1");
    let (_, p) = preview(&c, &fleet, &apply).await;
    assert!(
        matches!(&p.fleet_steps[..], [FleetStep::CreateMcpServer { name, .. }] if *name == server),
        "{}",
        render_text(&p)
    );
    let r = execute(&c, &fleet, &p, &apply, &exec(), &|_| {})
        .await
        .expect("apply");
    assert!(r.ok(), "{r:#?}");
    let found = servers_named(&c, &server).await;
    assert_eq!(found.len(), 1, "one MCP server {server}");
    let server_id = id(&found[0]);
    let tools_v1 = server_tools(&c, &server_id).await;
    let names: Vec<String> = tools_v1.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, [add.clone(), shout.clone()]);
    assert_eq!(
        agent_tools(&c, &fleet, &n.name("support")).await,
        set(&[&add, &shout]),
        "`all` attached every tool of the server"
    );
    assert_eq!(
        agent_tools(&c, &fleet, &n.name("billing")).await,
        set(&[&add])
    );
    let args = |v: &Value| -> Vec<String> {
        match McpDefinition::from_api(v) {
            Some(McpDefinition::Stdio { args, .. }) => args,
            other => panic!("not a stdio server: {other:?}"),
        }
    };
    assert_eq!(args(&found[0]).last().map(String::as_str), Some("v1"));
    converges(&c, &fleet, &apply).await;

    // 2. Canary, definition unchanged: the canaries attach production's tools; no second
    //    server, no server write.
    let canary = with_vars(Mode::Canary, &n, "v1");
    let (_, p) = preview(&c, &fleet, &canary).await;
    assert!(p.fleet_steps.is_empty(), "{}", render_text(&p));
    let r = execute(&c, &fleet, &p, &canary, &exec(), &|_| {})
        .await
        .expect("canary");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(
        agent_tools(&c, &fleet, &n.canary("support")).await,
        set(&[&add, &shout])
    );
    assert_eq!(servers_named(&c, &server).await.len(), 1);
    assert!(servers_named(&c, &format!("{}{server}", n.prefix))
        .await
        .is_empty());
    assert_eq!(
        server_tools(&c, &server_id).await,
        tools_v1,
        "same tool rows"
    );
    converges(&c, &fleet, &canary).await;

    // 3. Canary with a changed definition: production impact naming the production agents,
    //    the plan blocks, the run refuses, the production server is as it was.
    let changed = with_vars(Mode::Canary, &n, "v2");
    let (_, p) = preview(&c, &fleet, &changed).await;
    let impact: Vec<_> = p
        .production_impact
        .iter()
        .filter(|i| i.kind == Kind::McpServer)
        .collect();
    assert_eq!(impact.len(), 1, "{}", render_text(&p));
    assert_eq!(impact[0].name, server);
    assert_eq!(
        impact[0].used_by,
        [n.name("billing"), n.name("support")],
        "the production agents that use its tools"
    );
    assert!(!impact[0].accepted);
    assert!(!p.is_executable());
    assert!(matches!(
        execute(&c, &fleet, &p, &changed, &exec(), &|_| {}).await,
        Err(ExecError::Blocked(_))
    ));
    let now = servers_named(&c, &server).await;
    assert_eq!(args(&now[0]).last().map(String::as_str), Some("v1"));
    assert_eq!(server_tools(&c, &server_id).await, tools_v1);

    // 4. Promote v2: the server is updated in place and refreshed; the new tool reaches the
    //    `all` agent; the tools that stay keep their ids.
    let promote = with_vars(Mode::Promote, &n, "v2");
    let (_, p) = preview(&c, &fleet, &promote).await;
    assert!(
        matches!(&p.fleet_steps[..], [FleetStep::UpdateMcpServer { id, changes, .. }]
            if *id == server_id && !changes.is_empty()),
        "{}",
        render_text(&p)
    );
    let r = execute(&c, &fleet, &p, &promote, &exec(), &|_| {})
        .await
        .expect("promote");
    assert!(r.ok(), "{r:#?}");
    let now = servers_named(&c, &server).await;
    assert_eq!(now.len(), 1);
    assert_eq!(id(&now[0]), server_id, "updated in place");
    assert_eq!(args(&now[0]).last().map(String::as_str), Some("v2"));
    let tools_v2 = server_tools(&c, &server_id).await;
    for (name, tid) in &tools_v1 {
        assert!(
            tools_v2.contains(&(name.clone(), tid.clone())),
            "{name} kept its id"
        );
    }
    assert_eq!(
        agent_tools(&c, &fleet, &n.name("support")).await,
        set(&[&add, &multiply, &shout])
    );
    assert_eq!(
        agent_tools(&c, &fleet, &n.name("billing")).await,
        set(&[&add])
    );
    converges(&c, &fleet, &promote).await;

    // Clean up: canaries by plan, production agents and the MCP server (with its tools).
    let cleanup = with_vars(Mode::Cleanup, &n, "v2");
    deploy(&c, &fleet, &cleanup).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    for name in [n.name("support"), n.name("billing")] {
        c.delete_agent(&agent(&live, &name).id)
            .await
            .expect("delete agent");
    }
    c.delete_mcp_server(&server_id)
        .await
        .expect("delete server");
    assert!(servers_named(&c, &server).await.is_empty());
}
