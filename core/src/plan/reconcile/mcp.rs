//! MCP servers (`mcp_servers`) and the agents' `mcp_tools`.
//!
//! A server missing on the Letta server is registered (in every mode: a new server changes
//! nothing production uses). A server whose definition differs is updated, then refreshed
//! (its tools re-synced). In canary mode that update is a **production impact**: the canary
//! shares the production server — MCP servers and their tools are organisation-wide, the tool
//! rows are named after the MCP tools, so no canary-only copy can exist — and changing it
//! changes the tools production agents run; the plan blocks unless the user accepted the
//! impact, exactly like a changed custom tool.
//!
//! What is compared is the normalised [`McpDefinition`] (see its docs): the fleet's entry with
//! its `${VAR}`s expanded from [`crate::plan::PlanOptions::vars`], against what the server
//! reports. Two things Letta 0.16.8 cannot do in place are blockers instead of updates that
//! would never converge: changing a server's type, and changing a streamable-HTTP server's
//! token (its PATCH keeps the old token). Plans show secret values (tokens, header and `env`
//! values) as names only, and any value that comes from a variable as the variable's name.
//!
//! Agents: `tools` omitted or `all` means every tool of the server. For a server that is
//! unchanged, the selection is expanded now against its tool list (an unknown name is a
//! blocker that lists the server's tools). For a server this plan registers or changes, the
//! tool list is known only after that step: named tools are attached by name (the executor
//! records their ids after the step), `all` becomes one "attach every tool of this server"
//! step.

use super::{is_canary_agent, Ctx, Phase1};
use crate::fleet::{AgentSpec, McpServerSpec, McpToolSelection, McpTransport};
use crate::live::{LiveMcpServer, McpDefinition};
use crate::plan::vars::{expand, references, Vars};
use crate::plan::{Change, FleetStep, Impact, Kind, Ref, SENSITIVE_TEXT as SENSITIVE};
use std::collections::{BTreeMap, BTreeSet};

/// Where an MCP server named by the fleet stands for this plan.
#[derive(Debug, Clone)]
pub(in crate::plan) struct McpResolved {
    /// Server id, when it exists already.
    pub id: Option<String>,
    /// Its tools now (name → id); a refresh keeps the ids of the tools that stay.
    pub tools: BTreeMap<String, String>,
    /// Whether the plan leaves the server alone, so `tools` is what agents will find.
    pub settled: bool,
}

/// The definition the fleet asks for, `${VAR}`s expanded and normalised like the server's.
pub fn desired_definition(spec: &McpServerSpec, vars: &Vars) -> McpDefinition {
    let map = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        m.iter()
            .map(|(k, v)| (k.clone(), expand(v, vars)))
            .collect()
    };
    match &spec.transport {
        McpTransport::Stdio { command, args, env } => McpDefinition::Stdio {
            command: expand(command, vars),
            args: args.iter().map(|a| expand(a, vars)).collect(),
            env: map(env),
        },
        McpTransport::Sse(h) | McpTransport::StreamableHttp(h) => {
            let custom_headers = map(&h.custom_headers);
            let header = h.auth_header.as_deref().map(|x| expand(x, vars));
            let token = h.auth_token.as_deref().map(|x| expand(x, vars));
            // What the server keeps (HTTPBasedServerConfig.resolve_token): a token given with a
            // header name that custom_headers does not already set, without `Bearer `.
            let token = match (header, token) {
                (Some(hd), Some(t))
                    if !hd.is_empty() && !t.is_empty() && !custom_headers.contains_key(&hd) =>
                {
                    Some(t.strip_prefix("Bearer ").unwrap_or(&t).to_string())
                }
                _ => None,
            }
            .filter(|t| !t.is_empty());
            let server_url = expand(&h.server_url, vars);
            if matches!(spec.transport, McpTransport::Sse(_)) {
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
        }
    }
}

/// Every variable the fleet reads from the environment, sorted, each once: the `${VAR}`s of
/// its MCP servers and the `from_env` of its secrets. The page has no environment, so it asks
/// for these (and keeps the answers in memory only).
pub fn fleet_variables(fleet: &crate::fleet::Fleet) -> BTreeSet<String> {
    let secrets = fleet
        .global_secrets
        .iter()
        .chain(fleet.agents.iter().flat_map(|a| a.secrets.iter()))
        .filter_map(|s| match &s.source {
            crate::fleet::SecretSource::FromEnv { var, .. } => Some(var.clone()),
            crate::fleet::SecretSource::Value(_) => None,
        });
    fleet
        .mcp_servers
        .iter()
        .flat_map(|s| s.variables.iter().cloned())
        .chain(secrets)
        .collect()
}

/// How a plain (non-secret) field is shown: its value, unless the fleet builds it from
/// variables — then the variables' names, never what they expanded to.
fn shown(templates: &[&str], value: String) -> String {
    let refs: BTreeSet<String> = templates.iter().flat_map(|t| references(t)).collect();
    if refs.is_empty() {
        value
    } else {
        let names: Vec<String> = refs.iter().map(|r| format!("${{{r}}}")).collect();
        format!("(from {})", names.join(", "))
    }
}

fn map_changes(
    field: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for k in keys {
        let (o, n) = (old.get(k), new.get(k));
        if o != n {
            out.push(Change::value(
                &format!("{field} {k}"),
                o.map(|_| SENSITIVE.to_string()),
                n.map(|_| {
                    if o.is_some() {
                        format!("{SENSITIVE}, changed")
                    } else {
                        SENSITIVE.to_string()
                    }
                }),
            ));
        }
    }
}

/// What an update would change, secret values left out. `Err` when Letta cannot make the
/// change in place (the reason, for a blocker).
fn changes(
    spec: &McpServerSpec,
    want: &McpDefinition,
    have: &McpDefinition,
) -> Result<Vec<Change>, String> {
    let mut c = Vec::new();
    match (want, have, &spec.transport) {
        (
            McpDefinition::Stdio { command, args, env },
            McpDefinition::Stdio {
                command: c0,
                args: a0,
                env: e0,
            },
            McpTransport::Stdio {
                command: tc,
                args: ta,
                ..
            },
        ) => {
            if command != c0 {
                c.push(Change::value(
                    "command",
                    Some(shown(&[tc], c0.clone())),
                    Some(shown(&[tc], command.clone())),
                ));
            }
            if args != a0 {
                let t: Vec<&str> = ta.iter().map(String::as_str).collect();
                c.push(Change::value(
                    "args",
                    Some(shown(&t, a0.join(" "))),
                    Some(shown(&t, args.join(" "))),
                ));
            }
            map_changes("env", e0, env, &mut c);
        }
        (
            McpDefinition::Sse {
                server_url,
                token,
                custom_headers,
            }
            | McpDefinition::StreamableHttp {
                server_url,
                token,
                custom_headers,
            },
            McpDefinition::Sse {
                server_url: u0,
                token: t0,
                custom_headers: h0,
            }
            | McpDefinition::StreamableHttp {
                server_url: u0,
                token: t0,
                custom_headers: h0,
            },
            McpTransport::Sse(h) | McpTransport::StreamableHttp(h),
        ) if want.type_name() == have.type_name() => {
            if server_url != u0 {
                let t = [h.server_url.as_str()];
                c.push(Change::value(
                    "server_url",
                    Some(shown(&t, u0.clone())),
                    Some(shown(&t, server_url.clone())),
                ));
            }
            if token != t0 {
                if matches!(want, McpDefinition::StreamableHttp { .. }) {
                    return Err(format!(
                        "MCP server '{}': its token changed, and Letta 0.16.8 keeps a streamable_http server's old token on update; delete the MCP server on the Letta server and apply again to register it anew",
                        spec.name
                    ));
                }
                c.push(Change::value(
                    "auth_token",
                    t0.as_ref().map(|_| SENSITIVE.to_string()),
                    token.as_ref().map(|_| SENSITIVE.to_string()),
                ));
            }
            map_changes("custom_headers", h0, custom_headers, &mut c);
        }
        _ => {
            return Err(format!(
                "MCP server '{}' is a {} server on the Letta server and the fleet makes it {}; Letta cannot change a server's type in place: delete the MCP server on the Letta server (or rename it in the fleet) and apply again",
                spec.name,
                have.type_name(),
                want.type_name()
            ))
        }
    }
    Ok(c)
}

/// Production agents that have one of the server's tools attached.
fn production_users(ctx: &Ctx, live: &LiveMcpServer) -> Vec<String> {
    let ids: BTreeSet<&str> = live.tools.iter().map(|t| t.id.as_str()).collect();
    let mut v: Vec<String> = ctx
        .live
        .agents
        .iter()
        .filter(|a| !is_canary_agent(a) && a.tool_ids.iter().any(|t| ids.contains(t.as_str())))
        .map(|a| a.name.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn tool_map(live: &LiveMcpServer) -> BTreeMap<String, String> {
    live.tools
        .iter()
        .map(|t| (t.name.clone(), t.id.clone()))
        .collect()
}

/// Reconciles the MCP servers the plan covers: every server of the fleet, or, with an agent
/// filter, those the selected agents use. Then checks every selected agent's `mcp_tools`.
pub(in crate::plan) fn reconcile(ctx: &Ctx, out: &mut Phase1) {
    let used: BTreeSet<&str> = ctx
        .selected
        .iter()
        .flat_map(|a| a.mcp_tools.iter().map(|m| m.server.as_str()))
        .collect();
    for spec in &ctx.fleet.mcp_servers {
        if ctx.opts.agents.is_some() && !used.contains(spec.name.as_str()) {
            continue;
        }
        if let Some(r) = server(ctx, spec, out) {
            out.mcp.insert(spec.name.clone(), r);
        }
    }
    // Servers the agents use that the fleet does not define: lettactl attaches the tools of
    // servers registered by other means; so do we, read-only.
    for name in used {
        if out.mcp.contains_key(name) || ctx.fleet.mcp_servers.iter().any(|s| s.name == name) {
            continue;
        }
        match ctx.live.mcp_server(name) {
            Some(l) => {
                out.mcp.insert(
                    name.to_string(),
                    McpResolved {
                        id: Some(l.id.clone()),
                        tools: tool_map(l),
                        settled: true,
                    },
                );
            }
            None => out.blockers.push(format!(
                "MCP server '{name}' (in mcp_tools) is neither in the fleet's mcp_servers nor on the Letta server; add it to mcp_servers"
            )),
        }
    }
    for a in &ctx.selected {
        for sel in &a.mcp_tools {
            let Some(McpResolved {
                tools,
                settled: true,
                ..
            }) = out.mcp.get(&sel.server)
            else {
                continue;
            };
            let McpToolSelection::Named(names) = &sel.tools else {
                continue;
            };
            let missing: Vec<&str> = names
                .iter()
                .filter(|n| !tools.contains_key(n.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let offered: Vec<&str> = tools.keys().map(String::as_str).collect();
                out.blockers.push(format!(
                    "agent '{}': MCP server '{}' has no tool {}; it offers: {}",
                    a.name,
                    sel.server,
                    missing.join(", "),
                    if offered.is_empty() {
                        "no tools at all (is it running? a refresh happens when its definition changes)".to_string()
                    } else {
                        offered.join(", ")
                    }
                ));
            }
        }
    }
}

fn server(ctx: &Ctx, spec: &McpServerSpec, out: &mut Phase1) -> Option<McpResolved> {
    let want = desired_definition(spec, &ctx.opts.vars);
    let Some(live) = ctx.live.mcp_server(&spec.name) else {
        out.steps.push(FleetStep::CreateMcpServer {
            name: spec.name.clone(),
            server_type: want.type_name().to_string(),
            definition: Some(want),
        });
        return Some(McpResolved {
            id: None,
            tools: BTreeMap::new(),
            settled: false,
        });
    };
    let Some(have) = &live.definition else {
        out.blockers.push(format!(
            "MCP server '{}' on the Letta server has a type this tool does not know; it is left alone",
            spec.name
        ));
        return None;
    };
    let changes = match changes(spec, &want, have) {
        Ok(c) => c,
        Err(reason) => {
            out.blockers.push(reason);
            return None;
        }
    };
    if changes.is_empty() {
        return Some(McpResolved {
            id: Some(live.id.clone()),
            tools: tool_map(live),
            settled: true,
        });
    }
    let step = FleetStep::UpdateMcpServer {
        id: live.id.clone(),
        name: spec.name.clone(),
        changes,
        definition: Some(want),
    };
    if ctx.canary() {
        let accepted = ctx.opts.accept_tool_updates;
        out.impact.push(Impact {
            kind: Kind::McpServer,
            name: spec.name.clone(),
            detail: "the server definition changed; MCP servers and their tools are shared by every agent (no canary-only copy can exist), so the production server would be updated and its tools refreshed in place".into(),
            used_by: production_users(ctx, live),
            accepted,
        });
        if !accepted {
            out.blockers.push(format!(
                "MCP server '{}' changed: a canary deploy would update the server production uses; accept the production impact to go on, or promote instead",
                spec.name
            ));
            // The canary keeps using the production server as it is.
            return Some(McpResolved {
                id: Some(live.id.clone()),
                tools: tool_map(live),
                settled: true,
            });
        }
    }
    out.steps.push(step);
    Some(McpResolved {
        id: Some(live.id.clone()),
        tools: tool_map(live),
        settled: false,
    })
}

/// What an agent's `mcp_tools` ask the agent steps to attach.
#[derive(Debug, Default)]
pub(super) struct AgentMcp {
    /// Tools by name (ids known now, or recorded by the executor after a server step).
    pub tools: Vec<Ref>,
    /// Servers whose every tool is attached once this plan's fleet steps ran.
    pub all_of: Vec<Ref>,
    /// Tools to keep when pruning: every tool of a server this plan touches with `all`.
    pub keep: BTreeSet<String>,
}

/// Expands an agent's `mcp_tools` against the resolutions of [`reconcile`].
pub(super) fn agent_mcp(ctx: &Ctx, phase1: &Phase1, a: &AgentSpec) -> AgentMcp {
    let mut out = AgentMcp::default();
    let mut seen = BTreeSet::new();
    for sel in &a.mcp_tools {
        let Some(r) = phase1.mcp.get(&sel.server) else {
            continue;
        };
        match (r.settled, &sel.tools) {
            (true, McpToolSelection::All) => {
                for (name, id) in &r.tools {
                    if seen.insert(name.clone()) {
                        out.tools.push(Ref {
                            name: name.clone(),
                            id: Some(id.clone()),
                        });
                    }
                }
            }
            (settled, McpToolSelection::Named(names)) => {
                for name in names {
                    // A tool the server has now keeps its id through a refresh; one it does
                    // not have yet gets its id from the executor after the server step.
                    let id = r.tools.get(name).cloned();
                    if settled && id.is_none() {
                        continue; // a blocker already names it
                    }
                    if seen.insert(name.clone()) {
                        out.tools.push(Ref {
                            name: name.clone(),
                            id,
                        });
                    }
                }
            }
            (false, McpToolSelection::All) => {
                out.all_of.push(Ref {
                    name: sel.server.clone(),
                    id: r.id.clone(),
                });
                if let Some(l) = ctx.live.mcp_server(&sel.server) {
                    out.keep.extend(l.tools.iter().map(|t| t.name.clone()));
                }
            }
        }
    }
    out
}
