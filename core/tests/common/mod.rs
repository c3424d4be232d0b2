//! Shared by the plan tests: a fleet, an in-memory server state, and `apply`, which changes
//! that state as the executor would change a real server (so convergence — plan, apply, plan
//! again gives nothing to do — is checked without a network).
#![allow(dead_code)]

use canary_core::canary::keys;
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::{
    LiveAgent, LiveArchive, LiveBlock, LiveFolder, LiveMcpServer, LiveState, LiveTool,
    McpDefinition,
};
use canary_core::plan::{
    folder_hashes, plan, AgentStep, DeleteKind, FleetStep, Kind, Mode, Plan, PlanOptions, Ref,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const FLEET: &str = r#"shared_blocks:
  - name: policies
    description: Policies
    limit: 200
    value: Be kind.
    agent_owned: false
  - name: style
    description: House style
    limit: 200
    value: Short answers.
    agent_owned: true
shared_folders:
  - name: kb
    files: ["kb/*"]
agents:
  - name: support
    description: Support
    system_prompt:
      value: You help customers.
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    embedding: openai/text-embedding-3-small
    tools: [lookup, conversation_search]
    shared_blocks: [policies, style]
    shared_folders: [kb]
    memory_blocks:
      - {name: persona, description: Me, limit: 100, value: I help., agent_owned: true}
      - {name: notes, description: Notes, limit: 100, value: v1, agent_owned: false}
    archives: [{name: tickets}]
    tags: [support, tier-1]
    first_message: Hello
  - name: billing
    description: Billing
    system_prompt:
      value: You bill.
    llm_config: {model: openai/gpt-4.1, context_window: 32000, max_tokens: 1000}
    tools: []
    shared_blocks: [policies]
    tags: [billing]
"#;

pub fn files(lookup_body: &str) -> FileSet {
    let mut f = FileSet::new();
    f.insert(
        "tools/lookup.py".into(),
        format!("def lookup(q: str) -> str:\n    \"\"\"Look up.\"\"\"\n    {lookup_body}\n"),
    );
    f.insert("kb/a.md".into(), "A");
    f
}

pub fn fleet_from(yaml: &str, lookup_body: &str) -> Fleet {
    let r = load_fleet(yaml, &files(lookup_body));
    assert!(r.ok, "{:?}", r.errors);
    r.fleet.expect("fleet")
}

pub fn fleet() -> Fleet {
    fleet_from(FLEET, "return q")
}

pub fn opts(mode: Mode) -> PlanOptions {
    PlanOptions {
        mode,
        ..PlanOptions::default()
    }
}

/// A server with the tools lettactl's defaults and our fleet name, nothing else.
pub fn empty_server() -> LiveState {
    LiveState {
        tools: vec![LiveTool {
            id: "tool-cs".into(),
            name: "conversation_search".into(),
            source_code: None,
            tool_type: Some("letta_core".into()),
        }],
        ..LiveState::default()
    }
}

/// The block a create request makes from a spec.
pub fn block_from(
    id: String,
    spec: &canary_core::fleet::BlockSpec,
    metadata: Map<String, Value>,
) -> LiveBlock {
    LiveBlock {
        id,
        label: spec.label.clone(),
        value: spec.value.clone(),
        limit: spec.limit.into(),
        description: Some(spec.description.clone()),
        metadata,
    }
}

/// Applies a plan to an in-memory live state, as the executor would to a server.
pub fn apply(live: &mut LiveState, p: &Plan) {
    apply_with_mcp(live, p, &|_, _| Vec::new())
}

/// Tool names an MCP server offers for a definition (the in-memory stand-in for connecting).
pub type McpOffers<'a> = &'a dyn Fn(&str, &McpDefinition) -> Vec<String>;

/// Registers or re-syncs an in-memory MCP server the way Letta does: tools that stay keep
/// their ids, new ones are added, gone ones are deleted (and detached from every agent).
fn sync_mcp(
    live: &mut LiveState,
    id: &str,
    offered: Vec<String>,
    next: &mut dyn FnMut(&str) -> String,
    ids: &mut BTreeMap<(Kind, String), String>,
) {
    let Some(pos) = live.mcp_servers.iter().position(|m| m.id == id) else {
        panic!("no MCP server {id}");
    };
    let old = std::mem::take(&mut live.mcp_servers[pos].tools);
    let mut tools = Vec::new();
    for name in offered {
        let t = old
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .unwrap_or_else(|| {
                let t = LiveTool {
                    id: next("tool"),
                    name: name.clone(),
                    source_code: None,
                    tool_type: Some("external_mcp".into()),
                };
                live.tools.push(t.clone());
                t
            });
        ids.insert((Kind::Tool, name), t.id.clone());
        tools.push(t);
    }
    for gone in old.iter().filter(|t| !tools.iter().any(|x| x.id == t.id)) {
        live.tools.retain(|t| t.id != gone.id);
        for a in &mut live.agents {
            a.tool_ids.retain(|x| x != &gone.id);
        }
    }
    ids.insert(
        (Kind::McpServer, live.mcp_servers[pos].name.clone()),
        id.to_string(),
    );
    live.mcp_servers[pos].tools = tools;
}

/// [`apply`], with MCP servers that offer `offers(name, definition)`.
pub fn apply_with_mcp(live: &mut LiveState, p: &Plan, offers: McpOffers) {
    let mut n = live.agents.len() + live.blocks.len() + live.tools.len() + live.folders.len() + 100;
    let mut next = |kind: &str| {
        n += 1;
        format!("{kind}-{n}")
    };
    let mut ids: BTreeMap<(Kind, String), String> = BTreeMap::new();
    for s in &p.fleet_steps {
        match s {
            FleetStep::CreateBlock { spec, copy_prefix } => {
                let mut metadata = Map::new();
                metadata.insert(keys::SHARED_BLOCK.into(), json!(spec.label));
                if let Some(pr) = copy_prefix {
                    metadata.insert(keys::COPY_PREFIX.into(), json!(pr));
                }
                let id = next("block");
                ids.insert((Kind::Block, spec.label.clone()), id.clone());
                live.blocks.push(LiveBlock {
                    id,
                    label: spec.label.clone(),
                    value: spec.value.clone(),
                    limit: spec.limit.into(),
                    description: Some(spec.description.clone()),
                    metadata,
                });
            }
            FleetStep::UpdateBlock { id, spec, .. } => {
                let b = live.blocks.iter_mut().find(|b| &b.id == id).expect("block");
                b.value = spec.value.clone();
                b.limit = spec.limit.into();
                b.description = Some(spec.description.clone());
            }
            FleetStep::CreateTool { name, source } => {
                let id = next("tool");
                ids.insert((Kind::Tool, name.clone()), id.clone());
                live.tools.push(LiveTool {
                    id,
                    name: name.clone(),
                    source_code: Some(source.clone()),
                    tool_type: Some("custom".into()),
                });
            }
            FleetStep::UpdateTool { id, source, .. } => {
                live.tools
                    .iter_mut()
                    .find(|t| &t.id == id)
                    .expect("tool")
                    .source_code = Some(source.clone());
            }
            FleetStep::CreateFolder {
                name,
                files,
                copy_prefix,
                ..
            } => {
                let id = next("source");
                ids.insert((Kind::Folder, name.clone()), id.clone());
                let mut metadata = Map::new();
                metadata.insert(keys::FOLDER_FILES.into(), json!(folder_hashes(files)));
                if let Some(pr) = copy_prefix {
                    metadata.insert(keys::COPY_PREFIX.into(), json!(pr));
                }
                let mut f = LiveFolder {
                    id,
                    name: name.clone(),
                    metadata,
                    ..LiveFolder::default()
                };
                for file in files {
                    f.files
                        .insert(file.file_name().into(), file.content.len() as u64);
                    f.file_ids.insert(
                        file.file_name().into(),
                        format!("file-{}", file.file_name()),
                    );
                }
                live.folders.push(f);
            }
            FleetStep::SyncFolder { id, files, .. } => {
                let f = live
                    .folders
                    .iter_mut()
                    .find(|f| &f.id == id)
                    .expect("folder");
                f.files.clear();
                f.file_ids.clear();
                for file in files {
                    f.files
                        .insert(file.file_name().into(), file.content.len() as u64);
                    f.file_ids.insert(
                        file.file_name().into(),
                        format!("file-{}", file.file_name()),
                    );
                }
                f.metadata
                    .insert(keys::FOLDER_FILES.into(), json!(folder_hashes(files)));
            }
            FleetStep::CreateMcpServer {
                name, definition, ..
            } => {
                let def = definition
                    .clone()
                    .expect("a fresh plan carries the definition");
                let id = next("mcp_server");
                live.mcp_servers.push(LiveMcpServer {
                    id: id.clone(),
                    name: name.clone(),
                    definition: Some(def.clone()),
                    tools: vec![],
                });
                sync_mcp(live, &id, offers(name, &def), &mut next, &mut ids);
            }
            FleetStep::UpdateMcpServer {
                id,
                name,
                changes,
                definition,
            } => {
                let m = live
                    .mcp_servers
                    .iter_mut()
                    .find(|m| &m.id == id)
                    .expect("MCP server");
                if !changes.is_empty() {
                    m.definition = definition.clone();
                }
                let def = m.definition.clone().expect("definition");
                sync_mcp(live, id, offers(name, &def), &mut next, &mut ids);
            }
            FleetStep::CreateArchive {
                name, description, ..
            } => {
                let id = next("archive");
                ids.insert((Kind::Archive, name.clone()), id.clone());
                live.archives.push(LiveArchive {
                    id,
                    name: name.clone(),
                    description: description.clone(),
                });
            }
        }
    }
    let resolve = |kind: Kind, r: &Ref| {
        r.id.clone()
            .or_else(|| ids.get(&(kind, r.name.clone())).cloned())
            .expect("resolvable ref")
    };
    for a in &p.agents {
        let mut agent_id = a.id.clone();
        for step in &a.steps {
            match step {
                AgentStep::Create(c) => {
                    let id = next("agent");
                    let mut block_ids = Vec::new();
                    for b in &c.memory_blocks {
                        let bid = next("block");
                        live.blocks.push(block_from(bid.clone(), b, Map::new()));
                        block_ids.push(bid);
                    }
                    block_ids.extend(c.blocks.iter().map(|r| resolve(Kind::Block, r)));
                    let mut tool_ids: Vec<String> =
                        c.tools.iter().map(|r| resolve(Kind::Tool, r)).collect();
                    if c.include_base_tools {
                        tool_ids.push("tool-cs".into());
                        tool_ids.dedup();
                    }
                    let mut metadata = c.metadata.clone();
                    if p.mode == Mode::Canary {
                        metadata.insert(keys::CREATED_AT.into(), json!("2026-01-01T00:00:00Z"));
                    }
                    live.agents.push(LiveAgent {
                        id: id.clone(),
                        name: c.name.clone(),
                        description: c.description.clone(),
                        system: c.system.clone(),
                        model: c.model.clone(),
                        context_window: Some(c.context_window.into()),
                        max_tokens: Some(c.max_tokens.unwrap_or(16384).into()),
                        embedding: c.embedding.clone(),
                        tags: c.tags.clone(),
                        tool_ids,
                        block_ids,
                        folder_ids: c.folders.iter().map(|r| resolve(Kind::Folder, r)).collect(),
                        archive_ids: vec![],
                        metadata,
                        created_at: None,
                        conversations: vec![],
                        secrets: Default::default(),
                    });
                    agent_id = Some(id);
                }
                other => {
                    let id = agent_id.clone().expect("agent id");
                    let mut new_block = None;
                    if let AgentStep::CreateBlock(spec) = other {
                        let bid = next("block");
                        live.blocks.push(block_from(bid.clone(), spec, Map::new()));
                        new_block = Some(bid);
                    }
                    if let AgentStep::UpdateBlock { id: bid, spec } = other {
                        let b = live
                            .blocks
                            .iter_mut()
                            .find(|b| &b.id == bid)
                            .expect("block");
                        b.value = spec.value.clone();
                    }
                    let all_of_server: Vec<String> = match other {
                        AgentStep::Attach {
                            kind: Kind::McpServer,
                            target,
                        } => {
                            let sid = resolve(Kind::McpServer, target);
                            live.mcp_servers
                                .iter()
                                .find(|m| m.id == sid)
                                .expect("MCP server")
                                .tools
                                .iter()
                                .map(|t| t.id.clone())
                                .collect()
                        }
                        _ => vec![],
                    };
                    let ag = live.agents.iter_mut().find(|x| x.id == id).expect("agent");
                    match other {
                        AgentStep::Attach {
                            kind: Kind::McpServer,
                            ..
                        } => {
                            for t in all_of_server {
                                if !ag.tool_ids.contains(&t) {
                                    ag.tool_ids.push(t);
                                }
                            }
                        }
                        AgentStep::Patch(pa) => {
                            if let Some(d) = &pa.description {
                                ag.description = d.clone();
                            }
                            if let Some(s) = &pa.system {
                                ag.system = s.clone();
                            }
                            if let Some((m, cw, mt)) = &pa.llm {
                                ag.model = m.clone();
                                ag.context_window = Some((*cw).into());
                                ag.max_tokens = Some(mt.unwrap_or(16384).into());
                            }
                            if let Some(t) = &pa.tags {
                                ag.tags = t.clone();
                            }
                            if let Some(e) = &pa.embedding {
                                ag.embedding = Some(e.clone());
                            }
                            if let Some(m) = &pa.metadata {
                                for (k, v) in m {
                                    ag.metadata.insert(k.clone(), v.clone());
                                }
                            }
                        }
                        AgentStep::CreateBlock(_) => ag.block_ids.extend(new_block),
                        AgentStep::CreateConversation { summary, .. } => {
                            ag.conversations.push(summary.clone());
                            ag.conversations.sort();
                        }
                        AgentStep::Attach { kind, target } => {
                            let tid = resolve(*kind, target);
                            match kind {
                                // Letta ignores attaching what is attached.
                                Kind::Tool if ag.tool_ids.contains(&tid) => {}
                                Kind::Tool => ag.tool_ids.push(tid),
                                Kind::Block => ag.block_ids.push(tid),
                                Kind::Folder => ag.folder_ids.push(tid),
                                Kind::Archive => ag.archive_ids.push(tid),
                                Kind::Agent | Kind::McpServer => {}
                            }
                        }
                        AgentStep::Detach { kind, target } => {
                            let tid = resolve(*kind, target);
                            match kind {
                                Kind::Tool => ag.tool_ids.retain(|x| x != &tid),
                                Kind::Block => ag.block_ids.retain(|x| x != &tid),
                                Kind::Folder => ag.folder_ids.retain(|x| x != &tid),
                                Kind::Archive => ag.archive_ids.retain(|x| x != &tid),
                                Kind::Agent | Kind::McpServer => {}
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for d in p.deletions() {
        match d.kind {
            DeleteKind::Agent => live.agents.retain(|a| a.id != d.id),
            DeleteKind::Block => live.blocks.retain(|b| b.id != d.id),
            DeleteKind::Folder => live.folders.retain(|f| f.id != d.id),
        }
    }
}

pub fn deployed(mode: Mode) -> LiveState {
    let mut live = empty_server();
    let p = plan(&fleet(), &live, &opts(mode)).expect("plan");
    apply(&mut live, &p);
    live
}
