//! lettactl's integrations in a fleet: `mcp_servers`, agent `mcp_tools`, agent `secrets`,
//! `global-secrets` and `preserve_secrets`. Invalid cases make one mistake each and assert the
//! exact message, YAML path and line; valid cases assert the resolved model.

use canary_core::fleet::{
    load_fleet, FileSet, McpHttp, McpToolSelection, McpTransport, SecretSource,
};

/// One valid agent (lines 1-8) that cases extend.
const AGENT: &str = "\
agents:
  - name: support
    description: Helps customers
    system_prompt:
      value: You are helpful.
    llm_config:
      model: openai/gpt-4.1
      context_window: 32000
";

/// An MCP server section (lines 1-6) put in front of [`AGENT`] (which then starts at line 7).
const SERVERS: &str = "\
mcp_servers:
  - name: docs
    type: streamable_http
    server_url: https://${MCP_HOST}/mcp
    auth_header: Authorization
    auth_token: Bearer $DOCS_TOKEN
";

fn load_errors(yaml: &str) -> Vec<String> {
    load_fleet(yaml, &FileSet::new())
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn every_invalid_integration_reports_its_one_mistake() {
    let with_servers = |agent_tail: &str| format!("{SERVERS}{AGENT}{agent_tail}");
    let cases: Vec<(&str, String, &str)> = vec![
        ("server without type", "mcp_servers:\n  - name: x\n    server_url: http://a\n".to_string() + AGENT,
         "2:5: mcp_servers[0].type: 'type' is required"),
        ("unknown type", "mcp_servers:\n  - name: x\n    type: websocket\n".to_string() + AGENT,
         "3:11: mcp_servers[0].type: MCP server type 'websocket' is not known; use sse, streamable_http or stdio"),
        ("http without url", "mcp_servers:\n  - name: x\n    type: sse\n".to_string() + AGENT,
         "2:5: mcp_servers[0].server_url: 'server_url' is required"),
        ("stdio without command", "mcp_servers:\n  - name: x\n    type: stdio\n    args: [a]\n".to_string() + AGENT,
         "2:5: mcp_servers[0].command: 'command' is required"),
        ("stdio field on http", "mcp_servers:\n  - name: x\n    type: sse\n    server_url: http://a\n    command: run\n".to_string() + AGENT,
         "5:5: mcp_servers[0].command: unknown field 'command'; allowed fields are: name, type, server_url, auth_header, auth_token, custom_headers"),
        ("env not a map", "mcp_servers:\n  - name: x\n    type: stdio\n    command: run\n    env: [A]\n".to_string() + AGENT,
         "5:10: mcp_servers[0].env: expected a map of names to text, found a list"),
        ("args not text", "mcp_servers:\n  - name: x\n    type: stdio\n    command: run\n    args: [[a]]\n".to_string() + AGENT,
         "5:12: mcp_servers[0].args[0]: expected text, found a list"),
        ("duplicate server", format!("{}  - name: docs\n    type: sse\n    server_url: http://b\n{AGENT}", SERVERS),
         "7:11: mcp_servers[1].name: MCP server 'docs' appears twice; names must be unique"),
        ("mcp_tools unknown server", with_servers("    mcp_tools:\n      - server: search\n"),
         "16:17: agents[0].mcp_tools[0].server: MCP server 'search' is not defined in the fleet's top-level 'mcp_servers'; defined: docs"),
        ("mcp_tools without servers", format!("{AGENT}    mcp_tools:\n      - server: search\n"),
         "10:17: agents[0].mcp_tools[0].server: MCP server 'search' is not defined in the fleet's top-level 'mcp_servers'; add it there"),
        ("mcp_tools without server", with_servers("    mcp_tools:\n      - tools: all\n"),
         "16:9: agents[0].mcp_tools[0].server: 'server' is required"),
        ("mcp_tools tools wrong", with_servers("    mcp_tools:\n      - server: docs\n        tools: some\n"),
         "17:16: agents[0].mcp_tools[0].tools: expected \"all\" or a list of tool names, found text"),
        ("mcp_tools empty tool name", with_servers("    mcp_tools:\n      - server: docs\n        tools: [search, \"\"]\n"),
         "17:25: agents[0].mcp_tools[0].tools[1]: 'tools' must not be empty"),
        ("mcp_tools server twice", with_servers("    mcp_tools:\n      - server: docs\n      - server: docs\n"),
         "17:17: agents[0].mcp_tools[1].server: mcp_tools server 'docs' appears twice; names must be unique"),
        ("secret bad name", format!("{AGENT}    secrets:\n      1KEY: {{value: x}}\n"),
         "10:13: agents[0].secrets.1KEY: secret name '1KEY' may contain only letters, digits and '_' and must not start with a digit (it is upper-cased, as lettactl does)"),
        ("secret dash", format!("{AGENT}    secrets:\n      api-key: {{value: x}}\n"),
         "10:16: agents[0].secrets.api-key: secret name 'api-key' may contain only letters, digits and '_' and must not start with a digit (it is upper-cased, as lettactl does)"),
        ("secret both sources", format!("{AGENT}    secrets:\n      KEY: {{value: x, from_env: K}}\n"),
         "10:12: agents[0].secrets.KEY: give exactly one of 'value' or 'from_env' for a secret"),
        ("secret no source", format!("{AGENT}    secrets:\n      KEY: {{preserve_existing: true}}\n"),
         "10:12: agents[0].secrets.KEY: give exactly one of 'value' or 'from_env' for a secret"),
        ("secret empty value", format!("{AGENT}    secrets:\n      KEY: {{value: \"\"}}\n"),
         "10:20: agents[0].secrets.KEY.value: 'value' must not be empty"),
        ("secret blank from_env", format!("{AGENT}    secrets:\n      KEY: {{from_env: \" \"}}\n"),
         "10:23: agents[0].secrets.KEY.from_env: 'from_env' must not be empty"),
        ("preserve_existing with value", format!("{AGENT}    secrets:\n      KEY: {{value: x, preserve_existing: true}}\n"),
         "10:42: agents[0].secrets.KEY.preserve_existing: 'preserve_existing' only applies to 'from_env' secrets (it keeps the server's value when the variable is not set)"),
        ("preserve_existing not bool", format!("{AGENT}    secrets:\n      KEY: {{from_env: K, preserve_existing: yes please}}\n"),
         "10:45: agents[0].secrets.KEY.preserve_existing: expected true or false, found text"),
        ("secret unknown field", format!("{AGENT}    secrets:\n      KEY: {{value: x, note: y}}\n"),
         "10:23: agents[0].secrets.KEY.note: unknown field 'note'; allowed fields are: value, from_env, preserve_existing"),
        ("secret is text", format!("{AGENT}    secrets:\n      KEY: abc\n"),
         "10:12: agents[0].secrets.KEY: expected a secret ({value} or {from_env}), found text"),
        ("secret names collide", format!("{AGENT}    secrets:\n      key: {{value: a}}\n      KEY: {{value: b}}\n"),
         "11:12: agents[0].secrets.KEY: secret (names are upper-cased) 'KEY' appears twice; names must be unique"),
        ("global secrets list", format!("global-secrets: [A]\n{AGENT}"),
         "1:17: global-secrets: expected a map of secret names to {value} or {from_env}, found a list"),
        ("global secret bad", format!("global-secrets:\n  OK: {{from_env: OK}}\n  bad name: {{value: x}}\n{AGENT}"),
         "3:13: global-secrets.bad name: secret name 'bad name' may contain only letters, digits and '_' and must not start with a digit (it is upper-cased, as lettactl does)"),
        ("preserve_secrets bad name", format!("preserve_secrets: [OK, 9LIVES]\n{AGENT}"),
         "1:24: preserve_secrets[1]: secret name '9LIVES' may contain only letters, digits and '_' and must not start with a digit (it is upper-cased, as lettactl does)"),
        ("preserve_secrets text", format!("preserve_secrets: KEY\n{AGENT}"),
         "1:19: preserve_secrets: expected a list, found text"),
    ];
    let mut failures = Vec::new();
    for (name, yaml, want) in &cases {
        let got = load_errors(yaml);
        if got.len() != 1 || got[0] != *want {
            failures.push(format!("{name}:\n   want {want}\n   got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn an_invalid_mcp_server_is_one_error_not_one_per_reference() {
    let yaml = format!(
        "mcp_servers:\n  - name: docs\n    type: sse\n{AGENT}    mcp_tools:\n      - server: docs\n"
    );
    assert_eq!(
        load_errors(&yaml),
        vec!["2:5: mcp_servers[0].server_url: 'server_url' is required"]
    );
}

#[test]
fn mcp_servers_and_tools_resolve_with_raw_strings_and_their_variables() {
    let yaml = format!(
        "{SERVERS}  - name: local
    type: stdio
    command: ${{TOOLS_DIR}}/server
    args: [--port, 8080]
    env: {{API_KEY: $LOCAL_KEY, MODE: fast}}
  - name: events
    type: sse
    server_url: http://events:3000/sse
    custom_headers: {{X-Team: support}}
{AGENT}    mcp_tools:
      - server: docs
        tools: [search, fetch, search]
      - server: local
        tools: all
      - server: events
"
    );
    let report = load_fleet(&yaml, &FileSet::new());
    assert!(report.ok, "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let fleet = report.fleet.expect("fleet");
    let docs = fleet.mcp_server("docs").expect("docs");
    assert_eq!(
        docs.transport,
        McpTransport::StreamableHttp(McpHttp {
            server_url: "https://${MCP_HOST}/mcp".into(),
            auth_header: Some("Authorization".into()),
            auth_token: Some("Bearer $DOCS_TOKEN".into()),
            custom_headers: Default::default(),
        })
    );
    assert_eq!(docs.variables, vec!["DOCS_TOKEN", "MCP_HOST"]);
    let local = fleet.mcp_server("local").expect("local");
    match &local.transport {
        McpTransport::Stdio { command, args, env } => {
            assert_eq!(command, "${TOOLS_DIR}/server");
            assert_eq!(args, &vec!["--port".to_string(), "8080".to_string()]);
            assert_eq!(env.get("API_KEY").map(String::as_str), Some("$LOCAL_KEY"));
        }
        other => panic!("stdio expected, got {other:?}"),
    }
    assert_eq!(local.variables, vec!["LOCAL_KEY", "TOOLS_DIR"]);
    assert_eq!(local.transport.type_name(), "stdio");
    assert!(fleet
        .mcp_server("events")
        .expect("events")
        .variables
        .is_empty());
    let tools = &fleet.agents[0].mcp_tools;
    assert_eq!(tools.len(), 3);
    assert_eq!(
        tools[0].tools,
        McpToolSelection::Named(vec!["search".into(), "fetch".into()])
    );
    assert_eq!(tools[1].tools, McpToolSelection::All);
    assert_eq!(
        (tools[2].server.as_str(), &tools[2].tools),
        ("events", &McpToolSelection::All),
        "tools omitted means all"
    );
}

#[test]
fn secrets_resolve_upper_cased_with_agent_entries_winning() {
    let yaml = format!(
        "global-secrets:
  shared_key: {{value: from-global}}
  REGION: {{from_env: AWS_REGION, preserve_existing: true}}
preserve_secrets: [runtime_token, RUNTIME_TOKEN]
{AGENT}    secrets:
      shared_KEY: {{value: from-agent}}
      openai_api_key: {{from_env: OPENAI_API_KEY}}
"
    );
    let report = load_fleet(&yaml, &FileSet::new());
    assert!(report.ok, "{:?}", report.errors);
    let fleet = report.fleet.expect("fleet");
    assert_eq!(fleet.preserve_secrets, vec!["RUNTIME_TOKEN"]);
    let names: Vec<&str> = fleet.agents[0]
        .secrets
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, vec!["OPENAI_API_KEY", "SHARED_KEY"]);
    let merged = fleet.secrets_for(&fleet.agents[0]);
    let merged: Vec<(&str, &SecretSource)> = merged
        .iter()
        .map(|s| (s.name.as_str(), &s.source))
        .collect();
    assert_eq!(
        merged,
        vec![
            (
                "OPENAI_API_KEY",
                &SecretSource::FromEnv {
                    var: "OPENAI_API_KEY".into(),
                    preserve_existing: false
                }
            ),
            (
                "REGION",
                &SecretSource::FromEnv {
                    var: "AWS_REGION".into(),
                    preserve_existing: true
                }
            ),
            ("SHARED_KEY", &SecretSource::Value("from-agent".into())),
        ]
    );
    // Values never show in debug output (logs, panics).
    let debug = format!("{:?}", fleet.agents[0].secrets);
    assert!(!debug.contains("from-agent"), "{debug}");
    assert!(
        debug.contains("SHARED_KEY") && debug.contains("<sensitive value>"),
        "{debug}"
    );
}

/// A secret written into the file travels with the file (the page's draft and History, plan
/// files, downloads): each one is a warning at its value, naming the alternative. One read from
/// the environment, a credential with a `$VAR` in it, or a header or variable whose name does
/// not say credential (`X-Author`, `TOKENIZER_PATH`, `KEYBOARD_LAYOUT`: words, not substrings),
/// is not.
#[test]
fn inline_secret_values_are_warnings_at_their_value() {
    let yaml = format!(
        "mcp_servers:
  - name: docs
    type: streamable_http
    server_url: https://docs.example/mcp
    auth_header: Authorization
    auth_token: Bearer sk-live-123
    custom_headers: {{X-Api-Key: sk-hdr-1, X-Team: support, X-Auth: $HDR, X-Author: jane, accessToken: at-1}}
  - name: wiki
    type: sse
    server_url: https://wiki.example/sse
    auth_token: Bearer ${{WIKI_TOKEN}}
  - name: local
    type: stdio
    command: server
    env: {{GITHUB_TOKEN: ghp-sk-9, MODE: fast, DB_PASSWORD: \"${{DB_PW}}\", TOKENIZER_PATH: /m, KEYBOARD_LAYOUT: us, HF_APITOKEN: hf-2}}
global-secrets:
  shared_key: {{value: from-global}}
  REGION: {{from_env: AWS_REGION}}
{AGENT}    secrets:
      api_key:
        value: sk-agent
      other: {{from_env: OTHER}}
"
    );
    let report = load_fleet(&yaml, &FileSet::new());
    assert!(report.ok, "{:?}", report.errors);
    let found: Vec<(&str, Option<usize>, &str)> = report
        .warnings
        .iter()
        .map(|w| (w.path.as_str(), w.line, w.message.as_str()))
        .collect();
    let paths: Vec<(&str, Option<usize>)> = found.iter().map(|(p, l, _)| (*p, *l)).collect();
    assert_eq!(
        paths,
        vec![
            ("mcp_servers[0].auth_token", Some(6)),
            ("mcp_servers[0].custom_headers.X-Api-Key", Some(7)),
            ("mcp_servers[0].custom_headers.accessToken", Some(7)),
            ("mcp_servers[2].env.GITHUB_TOKEN", Some(15)),
            ("mcp_servers[2].env.HF_APITOKEN", Some(15)),
            ("global-secrets.shared_key.value", Some(17)),
            ("agents[0].secrets.api_key.value", Some(29)),
        ],
        "{found:#?}"
    );
    let starts = [
        "this MCP server's token",
        "this header's credential",
        "this header's credential",
        "this variable's credential",
        "this variable's credential",
        "this secret's value",
        "this secret's value",
    ];
    for ((_, _, message), start) in found.iter().zip(starts) {
        assert!(
            message.starts_with(&format!("{start} is written into the fleet file"))
                && message.contains("the page's draft and History, plan files"),
            "{message}"
        );
    }
    assert!(
        found[0].2.contains("'${NAME}' in its place"),
        "{}",
        found[0].2
    );
    assert!(found[5].2.contains("'from_env: NAME'"), "{}", found[5].2);
    // The warning never repeats the value.
    assert!(
        found.iter().all(|(_, _, m)| !m.contains("sk-")),
        "{found:#?}"
    );
}
