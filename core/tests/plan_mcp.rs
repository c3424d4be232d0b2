//! MCP servers and `mcp_tools` in the planner, against hand-made live states and the
//! in-memory server of `common` (which syncs an MCP server's tools the way Letta does).

mod common;

use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::{LiveMcpServer, LiveState, LiveTool, McpDefinition};
use canary_core::plan::vars::Vars;
use canary_core::plan::{
    fleet_variables, plan, Action, AgentStep, FleetStep, Kind, Mode, Plan, PlanOptions,
    SENSITIVE_TEXT as SENSITIVE,
};
use canary_core::render::render_text;
use common::{apply_with_mcp, empty_server};
use std::collections::BTreeMap;

const FLEET: &str = r#"mcp_servers:
  - name: calc
    type: stdio
    command: ${PY}
    args: [server.py, --toolset, $TOOLSET]
    env: {MODE: "${MODE}"}
agents:
  - name: support
    description: Support
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    mcp_tools:
      - server: calc
        tools: all
  - name: billing
    description: Billing
    system_prompt: {value: You bill.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    mcp_tools:
      - server: calc
        tools: [add]
"#;

fn fleet_of(yaml: &str) -> Fleet {
    let r = load_fleet(yaml, &FileSet::new());
    assert!(r.ok, "{:?}", r.errors);
    r.fleet.expect("fleet")
}

fn vars(toolset: &str) -> Vars {
    Vars::new(
        [
            ("PY", "/usr/bin/python3"),
            ("TOOLSET", toolset),
            ("MODE", "test"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

fn opts(mode: Mode, toolset: &str) -> PlanOptions {
    PlanOptions {
        mode,
        vars: vars(toolset),
        ..PlanOptions::default()
    }
}

/// What our test MCP server offers: v2 adds `multiply`.
fn offers(_: &str, def: &McpDefinition) -> Vec<String> {
    let v2 = matches!(def, McpDefinition::Stdio { args, .. } if args.iter().any(|a| a == "v2"));
    let mut t = vec!["add".to_string(), "shout".to_string()];
    if v2 {
        t.push("multiply".into());
    }
    t
}

fn run(live: &mut LiveState, p: &Plan) {
    assert!(p.is_executable(), "{:?}", p.blockers);
    apply_with_mcp(live, p, &offers);
}

fn tool_names(live: &LiveState, agent: &str) -> Vec<String> {
    let a = live.agents.iter().find(|a| a.name == agent).expect("agent");
    let mut v: Vec<String> = a
        .tool_ids
        .iter()
        .filter_map(|id| live.tool(id).map(|t| t.name.clone()))
        .filter(|n| n != "conversation_search")
        .collect();
    v.sort();
    v
}

fn converged(fleet: &Fleet, live: &LiveState, o: &PlanOptions) {
    let again = plan(fleet, live, o).expect("plan");
    assert!(again.is_noop(), "{}", render_text(&again));
    assert!(again.agents.iter().all(|a| a.action == Action::Unchanged));
}

#[test]
fn registers_the_server_expands_all_and_converges() {
    let fleet = fleet_of(FLEET);
    assert_eq!(
        fleet_variables(&fleet).into_iter().collect::<Vec<_>>(),
        ["MODE", "PY", "TOOLSET"]
    );
    let mut live = empty_server();
    let o = opts(Mode::Apply, "v1");
    let p = plan(&fleet, &live, &o).expect("plan");
    let [FleetStep::CreateMcpServer {
        name, definition, ..
    }] = p.fleet_steps.as_slice()
    else {
        panic!("{:?}", p.fleet_steps)
    };
    assert_eq!(name, "calc");
    let Some(McpDefinition::Stdio { command, args, env }) = definition else {
        panic!("{definition:?}")
    };
    assert_eq!(command, "/usr/bin/python3");
    assert_eq!(args, &["server.py", "--toolset", "v1"]);
    assert_eq!(env.get("MODE").map(String::as_str), Some("test"));
    // `all` on a server registered by this plan: one "every tool of the server" step.
    let support = &p.agents[0];
    assert!(support.steps.iter().any(|s| matches!(s,
        AgentStep::Attach { kind: Kind::McpServer, target } if target.name == "calc")));
    run(&mut live, &p);
    assert_eq!(live.mcp_servers.len(), 1);
    assert_eq!(tool_names(&live, "support"), ["add", "shout"]);
    assert_eq!(tool_names(&live, "billing"), ["add"]);
    converged(&fleet, &live, &o);
}

#[test]
fn the_canary_shares_the_server_and_a_changed_definition_is_production_impact() {
    let fleet = fleet_of(FLEET);
    let mut live = empty_server();
    let p = plan(&fleet, &live, &opts(Mode::Apply, "v1")).expect("plan");
    run(&mut live, &p);
    let server_id = live.mcp_servers[0].id.clone();

    // Unchanged server: the canary attaches production's tools, no server step.
    let canary = opts(Mode::Canary, "v1");
    let p = plan(&fleet, &live, &canary).expect("plan");
    assert!(p.fleet_steps.is_empty(), "{:?}", p.fleet_steps);
    let AgentStep::Create(c) = &p.agents[0].steps[0] else {
        panic!()
    };
    let prod_add = live.mcp_servers[0].tool("add").expect("add").id.clone();
    assert!(c.tools.iter().any(|r| r.id.as_ref() == Some(&prod_add)));
    run(&mut live, &p);
    assert_eq!(live.mcp_servers.len(), 1, "no second server for the canary");
    assert_eq!(tool_names(&live, "CANARY-support"), ["add", "shout"]);
    converged(&fleet, &live, &canary);

    // A changed definition: production impact, blocked, nothing planned for the server.
    let changed = opts(Mode::Canary, "v2");
    let p = plan(&fleet, &live, &changed).expect("plan");
    assert_eq!(p.production_impact.len(), 1);
    let i = &p.production_impact[0];
    assert_eq!(
        (i.kind, i.name.as_str(), i.accepted),
        (Kind::McpServer, "calc", false)
    );
    assert_eq!(i.used_by, ["billing", "support"]);
    assert!(!p.is_executable());
    assert!(p
        .blockers
        .iter()
        .any(|b| b.contains("MCP server 'calc' changed")));
    assert!(p.fleet_steps.is_empty());

    // Accepted: the update is planned.
    let accepted = PlanOptions {
        accept_tool_updates: true,
        ..changed.clone()
    };
    let p = plan(&fleet, &live, &accepted).expect("plan");
    assert!(p.is_executable(), "{:?}", p.blockers);
    assert!(
        matches!(&p.fleet_steps[..], [FleetStep::UpdateMcpServer { id, changes, .. }]
        if *id == server_id && changes.iter().any(|c| c.field == "args"))
    );

    // Promote: update + refresh, `all` picks up the new tool, then converges.
    let promote = opts(Mode::Promote, "v2");
    let p = plan(&fleet, &live, &promote).expect("plan");
    assert!(p.production_impact.is_empty());
    run(&mut live, &p);
    assert_eq!(tool_names(&live, "support"), ["add", "multiply", "shout"]);
    assert_eq!(tool_names(&live, "billing"), ["add"]);
    assert_eq!(live.mcp_servers[0].id, server_id, "updated in place");
    converged(&fleet, &live, &promote);
}

#[test]
fn an_unknown_tool_is_a_blocker_that_lists_the_servers_tools() {
    let fleet = fleet_of(&FLEET.replace("tools: [add]", "tools: [add, divide]"));
    let mut live = empty_server();
    let p = plan(&fleet_of(FLEET), &live, &opts(Mode::Apply, "v1")).expect("plan");
    run(&mut live, &p);
    let p = plan(&fleet, &live, &opts(Mode::Apply, "v1")).expect("plan");
    assert!(
        p.blockers
            .iter()
            .any(|b| b.contains("'calc' has no tool divide") && b.contains("add, shout")),
        "{:?}",
        p.blockers
    );
}

fn http_server(kind: &str, token: &str) -> LiveState {
    let def = |url: &str| {
        let (server_url, token, custom_headers) =
            (url.to_string(), Some(token.to_string()), BTreeMap::new());
        if kind == "sse" {
            McpDefinition::Sse {
                server_url,
                token,
                custom_headers,
            }
        } else {
            McpDefinition::StreamableHttp {
                server_url,
                token,
                custom_headers,
            }
        }
    };
    LiveState {
        mcp_servers: vec![LiveMcpServer {
            id: "mcp_server-1".into(),
            name: "remote".into(),
            definition: Some(def("https://mcp.example.com/x")),
            tools: vec![LiveTool {
                id: "tool-r".into(),
                name: "search".into(),
                source_code: None,
                tool_type: Some("external_mcp".into()),
            }],
        }],
        ..empty_server()
    }
}

const HTTP: &str = r#"mcp_servers:
  - name: remote
    type: KIND
    server_url: https://mcp.example.com/x
    auth_header: Authorization
    auth_token: Bearer ${REMOTE_TOKEN}
    custom_headers: {X-Team: "$TEAM"}
agents:
  - name: support
    description: Support
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    mcp_tools: [{server: remote}]
"#;

#[test]
fn secret_values_never_reach_the_plan() {
    let fleet = fleet_of(&HTTP.replace("KIND", "sse"));
    let live = http_server("sse", "old-secret-123");
    let o = PlanOptions {
        mode: Mode::Apply,
        vars: Vars::new([
            ("REMOTE_TOKEN".to_string(), "new-secret-456".to_string()),
            ("TEAM".to_string(), "team-secret-789".to_string()),
        ]),
        ..PlanOptions::default()
    };
    let p = plan(&fleet, &live, &o).expect("plan");
    let [FleetStep::UpdateMcpServer { changes, .. }] = p.fleet_steps.as_slice() else {
        panic!("{:?}", p.fleet_steps)
    };
    let token = changes
        .iter()
        .find(|c| c.field == "auth_token")
        .expect("token change");
    assert_eq!(token.old.as_deref(), Some(SENSITIVE));
    assert!(changes.iter().any(|c| c.field == "custom_headers X-Team"));
    let shown = format!(
        "{}\n{}\n{}",
        serde_json::to_string(&p).expect("json"),
        render_text(&p),
        serde_json::to_string(&o).expect("json")
    );
    for secret in ["old-secret-123", "new-secret-456", "team-secret-789"] {
        assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
    }
    assert!(!format!("{o:?}").contains("new-secret-456"));
    // The same values as on the server: nothing to do (the `Bearer ` prefix is normalised).
    let same = PlanOptions {
        vars: Vars::new([
            ("REMOTE_TOKEN".to_string(), "old-secret-123".to_string()),
            ("TEAM".to_string(), String::new()),
        ]),
        ..o.clone()
    };
    let mut live2 = live.clone();
    if let Some(McpDefinition::Sse { custom_headers, .. }) = &mut live2.mcp_servers[0].definition {
        custom_headers.insert("X-Team".into(), String::new());
    }
    let p = plan(&fleet, &live2, &same).expect("plan");
    assert!(p.fleet_steps.is_empty(), "{}", render_text(&p));
}

#[test]
fn what_letta_cannot_change_in_place_blocks() {
    let vars = Vars::new([("REMOTE_TOKEN".to_string(), "other".to_string())]);
    let o = PlanOptions {
        mode: Mode::Apply,
        vars,
        ..PlanOptions::default()
    };
    // Letta 0.16.8 keeps a streamable_http server's old token on PATCH.
    let fleet = fleet_of(&HTTP.replace("KIND", "streamable_http"));
    let p = plan(&fleet, &http_server("streamable_http", "old"), &o).expect("plan");
    assert!(p
        .blockers
        .iter()
        .any(|b| b.contains("keeps a streamable_http server's old token")));
    assert!(p.fleet_steps.is_empty());
    // A type change.
    let p = plan(
        &fleet_of(&HTTP.replace("KIND", "sse")),
        &http_server("http", "x"),
        &o,
    )
    .expect("plan");
    assert!(p
        .blockers
        .iter()
        .any(|b| b.contains("cannot change a server's type")));
}

#[test]
fn unset_variables_expand_to_empty_and_a_fresh_plan_carries_no_definition_in_json() {
    let fleet = fleet_of(FLEET);
    let p = plan(
        &fleet,
        &empty_server(),
        &PlanOptions {
            mode: Mode::Apply,
            ..PlanOptions::default()
        },
    )
    .expect("plan");
    let FleetStep::CreateMcpServer { definition, .. } = &p.fleet_steps[0] else {
        panic!()
    };
    assert!(
        matches!(definition, Some(McpDefinition::Stdio { command, args, .. })
        if command.is_empty() && args[2].is_empty())
    );
    let back: Plan = serde_json::from_str(&serde_json::to_string(&p).expect("json")).expect("plan");
    assert!(matches!(
        &back.fleet_steps[0],
        FleetStep::CreateMcpServer {
            definition: None,
            ..
        }
    ));
    assert_eq!(back.fingerprint, p.fingerprint);
}
