//! `plan(fleet, live, options)`: the one pure function behind every preview and every run.

use super::*;
use crate::canary::{canary_mark, keys, Prefix, PrefixError};
use crate::fleet::{AgentSpec, BlockSpec, Fleet, FolderFile, FolderSpec};
use crate::live::{LiveAgent, LiveBlock, LiveFolder, LiveState};
use std::collections::{BTreeMap, BTreeSet};

/// Why no plan can be made at all (as opposed to a plan with blockers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The prefix is unusable.
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    /// The agent filter names an agent that is not in the fleet.
    #[error(
        "agent '{0}' is not in the fleet; the filter takes production names from the fleet file"
    )]
    UnknownAgent(String),
}

/// Tool types the server attaches and manages itself; prune never detaches them.
fn server_managed(tool_type: Option<&str>) -> bool {
    matches!(
        tool_type,
        Some(t) if t.starts_with("letta_") && t != "letta_builtin"
    )
}

/// Hash of file contents stored in folder metadata, to detect changed documents.
fn content_hash(content: &str) -> String {
    fingerprint(content.as_bytes())
}

/// File name → content hash of a folder's documents, as stored in the folder's metadata.
pub fn folder_hashes(files: &[FolderFile]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|f| (f.file_name().to_string(), content_hash(&f.content)))
        .collect()
}

/// Files of `live` that differ from `files`: (to upload, to delete).
fn folder_delta(
    files: &[FolderFile],
    live: &LiveFolder,
) -> (Vec<FolderFile>, Vec<(String, String)>) {
    let recorded: Option<BTreeMap<String, String>> = live
        .metadata
        .get(keys::FOLDER_FILES)
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let mut upload = Vec::new();
    let mut delete = Vec::new();
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.file_name()).collect();
    for f in files {
        let name = f.file_name();
        let same = match (live.files.get(name), &recorded) {
            (None, _) => false,
            (Some(_), Some(hashes)) => hashes.get(name) == Some(&content_hash(&f.content)),
            (Some(size), None) => *size == f.content.len() as u64,
        };
        if !same {
            if let Some(id) = live.file_ids.get(name) {
                delete.push((id.clone(), name.to_string()));
            }
            upload.push(f.clone());
        }
    }
    for (name, id) in &live.file_ids {
        if !wanted.contains(name.as_str()) {
            delete.push((id.clone(), name.clone()));
        }
    }
    (upload, delete)
}

fn block_differs(spec: &BlockSpec, live: &LiveBlock) -> Vec<Change> {
    let mut c = Vec::new();
    if spec.value != live.value {
        c.push(Change::text("value", &live.value, &spec.value));
    }
    if u64::from(spec.limit) != live.limit {
        c.push(Change::value(
            "limit",
            Some(live.limit.to_string()),
            Some(spec.limit.to_string()),
        ));
    }
    if live.description.as_deref() != Some(spec.description.as_str()) {
        c.push(Change::text(
            "description",
            live.description.as_deref().unwrap_or(""),
            &spec.description,
        ));
    }
    c
}

fn is_copy(meta: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    meta.get(keys::COPY_PREFIX).and_then(|v| v.as_str())
}

/// Where a logical shared object (block label or folder name) resolves for this plan.
struct Resolved {
    /// Server name (folders: the copy's prefixed name).
    name: String,
    /// Existing id, or `None` when a fleet step creates it.
    id: Option<String>,
}

struct Planner<'a> {
    fleet: &'a Fleet,
    live: &'a LiveState,
    opts: &'a PlanOptions,
    prefix: Prefix,
    fleet_steps: Vec<FleetStep>,
    impact: Vec<Impact>,
    blockers: Vec<String>,
    blocks: BTreeMap<String, Resolved>,
    folders: BTreeMap<String, Resolved>,
    /// Agents of the fleet this plan covers.
    selected: Vec<&'a AgentSpec>,
    /// Block id → the agents it is attached to (read by several rules; built once).
    users: BTreeMap<&'a str, Vec<&'a LiveAgent>>,
}

/// Computes the plan. Pure: the same inputs give the same plan, byte for byte.
pub fn plan(fleet: &Fleet, live: &LiveState, opts: &PlanOptions) -> Result<Plan, PlanError> {
    let prefix = Prefix::new(&opts.prefix)?;
    let selected: Vec<&AgentSpec> = match &opts.agents {
        None => fleet.agents.iter().collect(),
        Some(names) => {
            let mut v = Vec::new();
            for n in names {
                match fleet.agent(n) {
                    Some(a) => v.push(a),
                    None => return Err(PlanError::UnknownAgent(n.clone())),
                }
            }
            v
        }
    };
    if opts.mode.is_canary() {
        for a in &selected {
            prefix.canary_name(&a.name)?;
        }
    }
    let mut p = Planner {
        fleet,
        live,
        opts,
        prefix,
        fleet_steps: Vec::new(),
        impact: Vec::new(),
        blockers: Vec::new(),
        blocks: BTreeMap::new(),
        folders: BTreeMap::new(),
        selected,
        users: live.block_users(),
    };
    let (agents, deletions, kept) = if opts.mode == Mode::Cleanup {
        let (d, k) = p.cleanup();
        (Vec::new(), d, k)
    } else {
        p.shared_blocks();
        p.folders();
        p.tools();
        p.archives();
        let agents: Vec<AgentPlan> = p.selected.clone().into_iter().map(|a| p.agent(a)).collect();
        (agents, Vec::new(), Vec::new())
    };
    let mut summary = Summary::default();
    for a in &agents {
        match a.action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::Unchanged => summary.unchanged += 1,
        }
    }
    summary.delete = deletions.len();
    summary.fleet_steps = p.fleet_steps.len();
    summary.total_changes = summary.create
        + agents
            .iter()
            .filter(|a| a.action == Action::Update)
            .map(|a| a.changes.len())
            .sum::<usize>()
        + summary.fleet_steps
        + summary.delete;
    let mut out = Plan {
        mode: opts.mode,
        prefix: opts.mode.is_canary().then(|| p.prefix.as_str().to_string()),
        cleanup_after: opts.mode == Mode::Promote && opts.cleanup_after,
        fleet_steps: p.fleet_steps,
        agents,
        production_impact: p.impact,
        deletions,
        kept,
        blockers: p.blockers,
        summary,
        fingerprint: String::new(),
    };
    // Every plan type serialises (a test in tests/plan_cases.rs holds us to it); should that
    // ever break, the error text still differs from any real plan's JSON.
    let json =
        serde_json::to_string(&out).unwrap_or_else(|e| format!("unserialisable plan: {e} {out:?}"));
    out.fingerprint = fingerprint(json.as_bytes());
    Ok(out)
}

impl<'a> Planner<'a> {
    fn canary(&self) -> bool {
        self.opts.mode == Mode::Canary
    }

    fn target_name(&self, production: &str) -> String {
        if self.opts.mode.is_canary() {
            format!("{}{}", self.prefix.as_str(), production)
        } else {
            production.to_string()
        }
    }

    fn is_canary_agent(a: &LiveAgent) -> bool {
        canary_mark(&a.name, &a.metadata).is_some()
    }

    /// The production object behind a shared block label.
    fn production_block(&self, label: &str) -> Option<&'a LiveBlock> {
        let candidates: Vec<&LiveBlock> = self
            .live
            .blocks
            .iter()
            .filter(|b| b.label == label && is_copy(&b.metadata).is_none())
            .collect();
        if let Some(b) = candidates
            .iter()
            .find(|b| b.metadata.get(keys::SHARED_BLOCK).and_then(|v| v.as_str()) == Some(label))
        {
            return Some(b);
        }
        // A shared block made by another tool: the one a production agent of this fleet that
        // lists the label under `shared_blocks` has attached.
        let users = &self.users;
        candidates.into_iter().find(|b| {
            users.get(b.id.as_str()).is_some_and(|agents| {
                agents.iter().any(|a| {
                    !Self::is_canary_agent(a)
                        && self
                            .fleet
                            .agent(&a.name)
                            .is_some_and(|s| s.shared_blocks.iter().any(|l| l == label))
                })
            })
        })
    }

    fn shared_blocks(&mut self) {
        let labels: BTreeSet<&str> = self
            .selected
            .iter()
            .flat_map(|a| a.shared_blocks.iter().map(String::as_str))
            .collect();
        for label in labels {
            let Some(spec) = self.fleet.shared_block(label) else {
                continue;
            };
            let prod = self.production_block(label);
            let resolved = match (self.canary(), prod) {
                (false, None) => {
                    self.fleet_steps.push(FleetStep::CreateBlock {
                        spec: spec.clone(),
                        copy_prefix: None,
                    });
                    Resolved {
                        name: label.into(),
                        id: None,
                    }
                }
                (false, Some(b)) => {
                    let changes = if spec.agent_owned {
                        vec![]
                    } else {
                        block_differs(spec, b)
                    };
                    if !changes.is_empty() {
                        self.fleet_steps.push(FleetStep::UpdateBlock {
                            id: b.id.clone(),
                            spec: spec.clone(),
                            copy: false,
                            changes,
                        });
                    }
                    Resolved {
                        name: label.into(),
                        id: Some(b.id.clone()),
                    }
                }
                (true, Some(b)) if spec.agent_owned || block_differs(spec, b).is_empty() => {
                    Resolved {
                        name: label.into(),
                        id: Some(b.id.clone()),
                    }
                }
                (true, _) => {
                    // A canary never writes the production block: it gets its own copy.
                    let copy = self.live.blocks.iter().find(|b| {
                        b.label == label && is_copy(&b.metadata) == Some(self.prefix.as_str())
                    });
                    match copy {
                        Some(c) => {
                            let changes = block_differs(spec, c);
                            if !changes.is_empty() {
                                self.fleet_steps.push(FleetStep::UpdateBlock {
                                    id: c.id.clone(),
                                    spec: spec.clone(),
                                    copy: true,
                                    changes,
                                });
                            }
                            Resolved {
                                name: label.into(),
                                id: Some(c.id.clone()),
                            }
                        }
                        None => {
                            self.fleet_steps.push(FleetStep::CreateBlock {
                                spec: spec.clone(),
                                copy_prefix: Some(self.prefix.as_str().into()),
                            });
                            Resolved {
                                name: label.into(),
                                id: None,
                            }
                        }
                    }
                }
            };
            self.blocks.insert(label.to_string(), resolved);
        }
    }

    /// Every folder the selected agents use, with the embedding of the first agent using it.
    fn wanted_folders(&self) -> BTreeMap<String, (&'a FolderSpec, Option<String>)> {
        let mut out = BTreeMap::new();
        for a in &self.selected {
            for f in &a.folders {
                out.entry(f.name.clone())
                    .or_insert((f, a.embedding.clone()));
            }
            for n in &a.shared_folders {
                if let Some(f) = self.fleet.shared_folder(n) {
                    out.entry(f.name.clone())
                        .or_insert((f, a.embedding.clone()));
                }
            }
        }
        out
    }

    fn folders(&mut self) {
        for (name, (spec, embedding)) in self.wanted_folders() {
            let prod = self
                .live
                .folders
                .iter()
                .find(|f| f.name == name && is_copy(&f.metadata).is_none());
            let prod_delta = prod.map(|f| folder_delta(&spec.files, f));
            let prod_same = prod_delta
                .as_ref()
                .is_some_and(|(u, d)| u.is_empty() && d.is_empty());
            let resolved = if !self.canary() || prod_same {
                match (prod, prod_delta) {
                    (Some(f), Some((upload, delete))) => {
                        if !upload.is_empty() || !delete.is_empty() {
                            self.fleet_steps.push(FleetStep::SyncFolder {
                                id: f.id.clone(),
                                name: name.clone(),
                                upload,
                                delete,
                                files: spec.files.clone(),
                                copy_prefix: None,
                            });
                        }
                        Resolved {
                            name: name.clone(),
                            id: Some(f.id.clone()),
                        }
                    }
                    _ => {
                        self.fleet_steps.push(FleetStep::CreateFolder {
                            name: name.clone(),
                            embedding,
                            files: spec.files.clone(),
                            copy_prefix: None,
                        });
                        Resolved {
                            name: name.clone(),
                            id: None,
                        }
                    }
                }
            } else {
                let copy_name = format!("{}{}", self.prefix.as_str(), name);
                match self.live.folder_by_name(&copy_name) {
                    Some(c) => {
                        let (upload, delete) = folder_delta(&spec.files, c);
                        if !upload.is_empty() || !delete.is_empty() {
                            self.fleet_steps.push(FleetStep::SyncFolder {
                                id: c.id.clone(),
                                name: copy_name.clone(),
                                upload,
                                delete,
                                files: spec.files.clone(),
                                copy_prefix: Some(self.prefix.as_str().into()),
                            });
                        }
                        Resolved {
                            name: copy_name,
                            id: Some(c.id.clone()),
                        }
                    }
                    None => {
                        self.fleet_steps.push(FleetStep::CreateFolder {
                            name: copy_name.clone(),
                            embedding,
                            files: spec.files.clone(),
                            copy_prefix: Some(self.prefix.as_str().into()),
                        });
                        Resolved {
                            name: copy_name,
                            id: None,
                        }
                    }
                }
            };
            self.folders.insert(name, resolved);
        }
    }

    fn tools(&mut self) {
        let mut done = BTreeSet::new();
        for a in self.selected.clone() {
            for t in &a.tools {
                if !done.insert(t.name.clone()) {
                    continue;
                }
                let live = self.live.tool_by_name(&t.name);
                match (&t.source, live) {
                    (None, None) => self.blockers.push(format!(
                        "tool '{}' is not on the server; add tools/{}.py to the fleet's files or install the tool on the server",
                        t.name, t.name
                    )),
                    (None, Some(_)) => {}
                    (Some(src), None) => self.fleet_steps.push(FleetStep::CreateTool { name: t.name.clone(), source: src.clone() }),
                    (Some(src), Some(lt)) => {
                        let live_src = lt.source_code.as_deref().unwrap_or("");
                        if live_src.trim_end() == src.trim_end() {
                            continue;
                        }
                        let change = Change::text("source_code", live_src, src);
                        let step = FleetStep::UpdateTool { id: lt.id.clone(), name: t.name.clone(), source: src.clone(), change };
                        if self.canary() {
                            let used_by: Vec<String> = self
                                .live
                                .agents
                                .iter()
                                .filter(|x| !Self::is_canary_agent(x) && x.tool_ids.contains(&lt.id))
                                .map(|x| x.name.clone())
                                .collect();
                            let accepted = self.opts.accept_tool_updates;
                            self.impact.push(Impact {
                                kind: Kind::Tool,
                                name: t.name.clone(),
                                detail: "the source changed; tools cannot be copied for a canary (the server names them after their function), so the production tool would be updated in place".into(),
                                used_by,
                                accepted,
                            });
                            if accepted {
                                self.fleet_steps.push(step);
                            } else {
                                self.blockers.push(format!(
                                    "tool '{}' changed: a canary deploy would update the production tool in place; accept the production impact to go on, or promote instead",
                                    t.name
                                ));
                            }
                        } else {
                            self.fleet_steps.push(step);
                        }
                    }
                }
            }
        }
    }

    fn archives(&mut self) {
        let mut done = BTreeSet::new();
        for a in self.selected.clone() {
            let Some(ar) = &a.archive else { continue };
            if !done.insert(ar.name.clone()) || self.live.archive_by_name(&ar.name).is_some() {
                continue;
            }
            self.fleet_steps.push(FleetStep::CreateArchive {
                name: ar.name.clone(),
                description: ar.description.clone(),
                embedding: ar.embedding.clone().or_else(|| a.embedding.clone()),
            });
        }
    }

    fn tool_ref(&self, name: &str) -> Ref {
        Ref {
            name: name.into(),
            id: self.live.tool_by_name(name).map(|t| t.id.clone()),
        }
    }

    fn block_ref(&self, label: &str) -> Ref {
        let r = self.blocks.get(label);
        Ref {
            name: label.into(),
            id: r.and_then(|r| r.id.clone()),
        }
    }

    fn folder_ref(&self, name: &str) -> Ref {
        match self.folders.get(name) {
            Some(r) => Ref {
                name: r.name.clone(),
                id: r.id.clone(),
            },
            None => Ref {
                name: name.into(),
                id: None,
            },
        }
    }

    fn archive_ref(&self, name: &str) -> Ref {
        Ref {
            name: name.into(),
            id: self.live.archive_by_name(name).map(|a| a.id.clone()),
        }
    }

    fn folder_names(a: &AgentSpec) -> Vec<String> {
        a.folders
            .iter()
            .map(|f| f.name.clone())
            .chain(a.shared_folders.iter().cloned())
            .collect()
    }

    /// Finds the existing agent this fleet agent maps to, or records why it is ambiguous.
    fn existing(&mut self, name: &str) -> Result<Option<&'a LiveAgent>, ()> {
        let live: &'a LiveState = self.live;
        let all: Vec<&'a LiveAgent> = live.agents.iter().filter(|a| a.name == name).collect();
        let (ours, others): (Vec<&'a LiveAgent>, Vec<&'a LiveAgent>) =
            all.into_iter().partition(|a| {
                let mark = canary_mark(&a.name, &a.metadata);
                if self.opts.mode.is_canary() {
                    mark.is_some_and(|m| m.prefix == self.prefix.as_str())
                } else {
                    mark.is_none()
                }
            });
        if self.opts.mode.is_canary() && ours.is_empty() && !others.is_empty() {
            self.blockers.push(format!(
                "an agent named '{name}' exists but is not a canary of prefix '{}' (no canary metadata); it is left alone — rename it or choose another prefix",
                self.prefix
            ));
            return Err(());
        }
        if ours.len() > 1 {
            self.blockers.push(format!(
                "{} agents are named '{name}' ({}); delete the duplicates so the target is unambiguous",
                ours.len(),
                ours.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(", ")
            ));
            return Err(());
        }
        Ok(ours.first().copied())
    }

    fn desired_metadata(&self, a: &AgentSpec) -> serde_json::Map<String, serde_json::Value> {
        let mut m = if self.opts.mode.is_canary() {
            let mut m = crate::canary::canary_metadata(&self.prefix, &a.name, "");
            m.remove(keys::CREATED_AT);
            m
        } else {
            serde_json::Map::new()
        };
        m.insert(keys::REASONING.into(), serde_json::Value::Bool(a.reasoning));
        m
    }

    fn agent(&mut self, a: &'a AgentSpec) -> AgentPlan {
        let name = self.target_name(&a.name);
        let existing = match self.existing(&name) {
            Ok(e) => e,
            Err(()) => {
                return AgentPlan {
                    production_name: a.name.clone(),
                    name,
                    action: Action::Unchanged,
                    id: None,
                    changes: vec![],
                    unchanged: vec![],
                    steps: vec![],
                }
            }
        };
        match existing {
            None => self.create_agent(a, name),
            Some(live) => self.update_agent(a, name, live),
        }
    }

    fn create_agent(&self, a: &AgentSpec, name: String) -> AgentPlan {
        let create = CreateAgent {
            name: name.clone(),
            description: a.description.clone(),
            system: a.system_prompt.clone(),
            model: a.llm.model.clone(),
            context_window: a.llm.context_window,
            max_tokens: a.llm.max_tokens,
            embedding: a.embedding.clone(),
            memory_blocks: a.memory_blocks.clone(),
            blocks: a.shared_blocks.iter().map(|l| self.block_ref(l)).collect(),
            tools: a.tools.iter().map(|t| self.tool_ref(&t.name)).collect(),
            folders: Self::folder_names(a)
                .iter()
                .map(|n| self.folder_ref(n))
                .collect(),
            tags: a.tags.clone(),
            metadata: self.desired_metadata(a),
            include_base_tools: a.include_base_tools,
            reasoning: a.reasoning,
        };
        let mut steps = vec![AgentStep::Create(Box::new(create))];
        if let Some(ar) = &a.archive {
            steps.push(AgentStep::Attach {
                kind: Kind::Archive,
                target: self.archive_ref(&ar.name),
            });
        }
        if !self.opts.mode.is_canary() {
            if let Some(m) = &a.first_message {
                steps.push(AgentStep::FirstMessage { text: m.clone() });
            }
        }
        AgentPlan {
            production_name: a.name.clone(),
            name,
            action: Action::Create,
            id: None,
            changes: vec![],
            unchanged: vec![],
            steps,
        }
    }

    fn update_agent(&self, a: &AgentSpec, name: String, live: &LiveAgent) -> AgentPlan {
        let mut changes = Vec::new();
        let mut unchanged = Vec::new();
        let mut patch = AgentPatch::default();
        let mut steps = Vec::new();

        let mut simple = |field: &str, old: &str, new: &str, changes: &mut Vec<Change>| -> bool {
            if old != new {
                changes.push(Change::text(field, old, new));
                true
            } else {
                unchanged.push((field.to_string(), new.to_string()));
                false
            }
        };
        if simple(
            "description",
            &live.description,
            &a.description,
            &mut changes,
        ) {
            patch.description = Some(a.description.clone());
        }
        if simple(
            "system_prompt",
            &live.system,
            &a.system_prompt,
            &mut changes,
        ) {
            patch.system = Some(a.system_prompt.clone());
        }
        let mut llm_changed = simple("model", &live.model, &a.llm.model, &mut changes);
        let cw_old = live
            .context_window
            .map(|c| c.to_string())
            .unwrap_or_default();
        llm_changed |= simple(
            "context_window",
            &cw_old,
            &a.llm.context_window.to_string(),
            &mut changes,
        );
        if let Some(mt) = a.llm.max_tokens {
            let old = live.max_tokens.map(|c| c.to_string()).unwrap_or_default();
            llm_changed |= simple("max_tokens", &old, &mt.to_string(), &mut changes);
        }
        if llm_changed {
            patch.llm = Some((a.llm.model.clone(), a.llm.context_window, a.llm.max_tokens));
        }
        if let Some(e) = &a.embedding {
            if simple(
                "embedding",
                live.embedding.as_deref().unwrap_or(""),
                e,
                &mut changes,
            ) {
                patch.embedding = Some(e.clone());
            }
        }
        if simple(
            "tags",
            &live.tags.join(", "),
            &a.tags.join(", "),
            &mut changes,
        ) {
            patch.tags = Some(a.tags.clone());
        }
        let live_reasoning = live.metadata.get(keys::REASONING).and_then(|v| v.as_bool());
        if live_reasoning != Some(a.reasoning) {
            changes.push(Change::value(
                "reasoning",
                live_reasoning.map(|r| r.to_string()),
                Some(a.reasoning.to_string()),
            ));
            patch.reasoning = Some(a.reasoning);
        }
        let want_meta = self.desired_metadata(a);
        let meta_diff: serde_json::Map<String, serde_json::Value> = want_meta
            .into_iter()
            .filter(|(k, v)| live.metadata.get(k) != Some(v))
            .collect();
        if !meta_diff.is_empty() {
            if meta_diff.keys().any(|k| k != keys::REASONING) {
                changes.push(Change::value(
                    "metadata",
                    None,
                    Some(meta_diff.keys().cloned().collect::<Vec<_>>().join(", ")),
                ));
            }
            patch.metadata = Some(meta_diff);
        }
        if !patch.is_empty() {
            steps.push(AgentStep::Patch(patch));
        }

        // Tools: attach what is missing; detach the rest only when pruning.
        let desired_tools: BTreeSet<&str> = a.tools.iter().map(|t| t.name.as_str()).collect();
        for t in &a.tools {
            let r = self.tool_ref(&t.name);
            if r.id.as_ref().is_none_or(|id| !live.tool_ids.contains(id)) {
                changes.push(Change::value("tools", None, Some(t.name.clone())));
                steps.push(AgentStep::Attach {
                    kind: Kind::Tool,
                    target: r,
                });
            }
        }
        if self.opts.prune {
            for id in &live.tool_ids {
                if let Some(t) = self.live.tool(id) {
                    if !desired_tools.contains(t.name.as_str())
                        && !server_managed(t.tool_type.as_deref())
                    {
                        changes.push(Change::value("tools", Some(t.name.clone()), None));
                        steps.push(AgentStep::Detach {
                            kind: Kind::Tool,
                            target: Ref {
                                name: t.name.clone(),
                                id: Some(id.clone()),
                            },
                        });
                    }
                }
            }
        }

        // Blocks.
        let users = &self.users;
        let attached: Vec<&LiveBlock> = live
            .block_ids
            .iter()
            .filter_map(|id| self.live.block(id))
            .collect();
        let mut wanted_labels = BTreeSet::new();
        for spec in &a.memory_blocks {
            wanted_labels.insert(spec.label.as_str());
            let field = format!("block {}", spec.label);
            match attached.iter().find(|b| b.label == spec.label) {
                None => {
                    changes.push(Change::value(&field, None, Some("new block".into())));
                    steps.push(AgentStep::CreateBlock(spec.clone()));
                }
                Some(b) => {
                    let shared_with_production = users.get(b.id.as_str()).is_some_and(|us| {
                        us.iter()
                            .any(|u| u.id != live.id && !Self::is_canary_agent(u))
                    });
                    if self.canary() && shared_with_production {
                        // Never write a block production uses: give the canary its own.
                        changes.push(Change::value(
                            &field,
                            Some("block shared with production".into()),
                            Some("own block".into()),
                        ));
                        steps.push(AgentStep::Detach {
                            kind: Kind::Block,
                            target: Ref {
                                name: b.label.clone(),
                                id: Some(b.id.clone()),
                            },
                        });
                        steps.push(AgentStep::CreateBlock(spec.clone()));
                    } else if !spec.agent_owned {
                        let diff = block_differs(spec, b);
                        if !diff.is_empty() {
                            changes.extend(diff.into_iter().map(|mut c| {
                                c.field = format!("{field} {}", c.field);
                                c
                            }));
                            steps.push(AgentStep::UpdateBlock {
                                id: b.id.clone(),
                                spec: spec.clone(),
                            });
                        }
                    }
                }
            }
        }
        for label in &a.shared_blocks {
            wanted_labels.insert(label.as_str());
            let want = self.block_ref(label);
            let have: Vec<&&LiveBlock> = attached.iter().filter(|b| &b.label == label).collect();
            if want.id.is_some() && have.iter().any(|b| Some(&b.id) == want.id.as_ref()) {
                continue;
            }
            for b in &have {
                steps.push(AgentStep::Detach {
                    kind: Kind::Block,
                    target: Ref {
                        name: b.label.clone(),
                        id: Some(b.id.clone()),
                    },
                });
            }
            let what = if self.canary() && self.fleet_steps.iter().any(|s| matches!(s, FleetStep::CreateBlock { spec, copy_prefix: Some(_) } if &spec.label == label))
                || (self.canary() && want.id.as_ref().is_some_and(|id| self.live.block(id).is_some_and(|b| is_copy(&b.metadata).is_some())))
            {
                "canary copy"
            } else {
                "shared"
            };
            changes.push(Change::value(
                &format!("shared block {label}"),
                (!have.is_empty()).then(|| "other block".into()),
                Some(what.into()),
            ));
            steps.push(AgentStep::Attach {
                kind: Kind::Block,
                target: want,
            });
        }
        if self.opts.prune {
            for b in &attached {
                if !wanted_labels.contains(b.label.as_str()) {
                    changes.push(Change::value(
                        &format!("block {}", b.label),
                        Some("attached".into()),
                        None,
                    ));
                    steps.push(AgentStep::Detach {
                        kind: Kind::Block,
                        target: Ref {
                            name: b.label.clone(),
                            id: Some(b.id.clone()),
                        },
                    });
                }
            }
        }

        // Folders: the desired server object per logical name; swap a wrong one.
        let mut wanted_folder_ids = BTreeSet::new();
        for logical in Self::folder_names(a) {
            let want = self.folder_ref(&logical);
            if let Some(id) = &want.id {
                wanted_folder_ids.insert(id.clone());
                if live.folder_ids.contains(id) {
                    continue;
                }
            }
            let copy_name = format!("{}{}", self.prefix.as_str(), logical);
            for id in &live.folder_ids {
                if let Some(f) = self.live.folder(id) {
                    if (f.name == logical || f.name == copy_name) && Some(id) != want.id.as_ref() {
                        steps.push(AgentStep::Detach {
                            kind: Kind::Folder,
                            target: Ref {
                                name: f.name.clone(),
                                id: Some(id.clone()),
                            },
                        });
                    }
                }
            }
            changes.push(Change::value("folders", None, Some(want.name.clone())));
            steps.push(AgentStep::Attach {
                kind: Kind::Folder,
                target: want,
            });
        }
        if self.opts.prune {
            for id in &live.folder_ids {
                if !wanted_folder_ids.contains(id) {
                    let name = self
                        .live
                        .folder(id)
                        .map(|f| f.name.clone())
                        .unwrap_or_else(|| id.clone());
                    let listed = Self::folder_names(a)
                        .iter()
                        .any(|l| self.folder_ref(l).name == name);
                    if !listed {
                        changes.push(Change::value("folders", Some(name.clone()), None));
                        steps.push(AgentStep::Detach {
                            kind: Kind::Folder,
                            target: Ref {
                                name,
                                id: Some(id.clone()),
                            },
                        });
                    }
                }
            }
        }

        // Archive.
        if let Some(ar) = &a.archive {
            let r = self.archive_ref(&ar.name);
            if r.id
                .as_ref()
                .is_none_or(|id| !live.archive_ids.contains(id))
            {
                changes.push(Change::value("archive", None, Some(ar.name.clone())));
                steps.push(AgentStep::Attach {
                    kind: Kind::Archive,
                    target: r,
                });
            }
        }
        if self.opts.prune {
            for id in &live.archive_ids {
                let name = self
                    .live
                    .archives
                    .iter()
                    .find(|x| &x.id == id)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| id.clone());
                if a.archive.as_ref().is_none_or(|ar| ar.name != name) {
                    changes.push(Change::value("archive", Some(name.clone()), None));
                    steps.push(AgentStep::Detach {
                        kind: Kind::Archive,
                        target: Ref {
                            name,
                            id: Some(id.clone()),
                        },
                    });
                }
            }
        }

        AgentPlan {
            production_name: a.name.clone(),
            name,
            action: if steps.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            },
            id: Some(live.id.clone()),
            changes,
            unchanged,
            steps,
        }
    }

    /// Cleanup: the exact list of what goes, and what is spared and why.
    fn cleanup(&mut self) -> (Vec<Deletion>, Vec<Kept>) {
        let prefix = self.prefix.as_str();
        let in_scope: BTreeSet<&str> = self.selected.iter().map(|a| a.name.as_str()).collect();
        let whole_prefix = self.opts.all_canaries && self.opts.agents.is_none();
        let mut doomed: Vec<&LiveAgent> = Vec::new();
        let mut kept = Vec::new();
        for a in &self.live.agents {
            if !a.name.starts_with(prefix) {
                continue;
            }
            match canary_mark(&a.name, &a.metadata) {
                Some(m) if m.prefix == prefix => {
                    if whole_prefix || in_scope.contains(m.production_name.as_str()) {
                        doomed.push(a);
                    } else {
                        kept.push(Kept {
                            kind: Kind::Agent,
                            id: a.id.clone(),
                            name: a.name.clone(),
                            reason: format!(
                                "canary of '{}', which is not in this cleanup's scope",
                                m.production_name
                            ),
                        });
                    }
                }
                Some(m) => kept.push(Kept {
                    kind: Kind::Agent,
                    id: a.id.clone(),
                    name: a.name.clone(),
                    reason: format!("a canary of prefix '{}', not '{prefix}'", m.prefix),
                }),
                None => kept.push(Kept {
                    kind: Kind::Agent,
                    id: a.id.clone(),
                    name: a.name.clone(),
                    reason: "not a canary (no canary metadata); never deleted".into(),
                }),
            }
        }
        let doomed_ids: BTreeSet<&str> = doomed.iter().map(|a| a.id.as_str()).collect();
        let remaining = |id: &str| !doomed_ids.contains(id);
        let shared_labels: BTreeSet<&str> = self
            .fleet
            .shared_blocks
            .iter()
            .map(|b| b.label.as_str())
            .collect();
        let users = &self.users;
        let mut deletions = Vec::new();
        let mut block_done = BTreeSet::new();
        for a in &doomed {
            deletions.push(Deletion {
                kind: Kind::Agent,
                id: a.id.clone(),
                name: a.name.clone(),
                reason: "canary agent".into(),
                after_agent: None,
            });
        }
        for a in &doomed {
            for id in &a.block_ids {
                let Some(b) = self.live.block(id) else {
                    continue;
                };
                if !block_done.insert(id.clone()) {
                    continue;
                }
                let copy = is_copy(&b.metadata);
                let used_elsewhere = users
                    .get(id.as_str())
                    .is_some_and(|us| us.iter().any(|u| remaining(&u.id)));
                let production_shared = copy.is_none()
                    && (b.metadata.contains_key(keys::SHARED_BLOCK)
                        || shared_labels.contains(b.label.as_str()));
                if used_elsewhere || production_shared || copy.is_some_and(|p| p != prefix) {
                    kept.push(Kept {
                        kind: Kind::Block,
                        id: id.clone(),
                        name: b.label.clone(),
                        reason: if used_elsewhere {
                            "used by an agent that stays".into()
                        } else {
                            "shared block".into()
                        },
                    });
                    continue;
                }
                // A canary's own block used by this agent alone goes right after it.
                let only_this = users
                    .get(id.as_str())
                    .is_none_or(|us| us.iter().all(|u| u.id == a.id));
                deletions.push(Deletion {
                    kind: Kind::Block,
                    id: id.clone(),
                    name: b.label.clone(),
                    reason: if copy.is_some() {
                        "canary-only copy of a shared block".into()
                    } else {
                        "canary's own block".into()
                    },
                    after_agent: (copy.is_none() && only_this).then(|| a.id.clone()),
                });
            }
        }
        // Orphaned copies of this prefix (e.g. left by an interrupted run).
        for b in &self.live.blocks {
            if is_copy(&b.metadata) == Some(prefix)
                && !block_done.contains(&b.id)
                && !users
                    .get(b.id.as_str())
                    .is_some_and(|us| us.iter().any(|u| remaining(&u.id)))
                && (whole_prefix || shared_labels.contains(b.label.as_str()))
            {
                block_done.insert(b.id.clone());
                deletions.push(Deletion {
                    kind: Kind::Block,
                    id: b.id.clone(),
                    name: b.label.clone(),
                    reason: "unused canary-only copy of a shared block".into(),
                    after_agent: None,
                });
            }
        }
        let fleet_folders: BTreeSet<String> = self
            .fleet
            .shared_folders
            .iter()
            .map(|f| f.name.clone())
            .chain(
                self.fleet
                    .agents
                    .iter()
                    .flat_map(|a| a.folders.iter().map(|f| f.name.clone())),
            )
            .collect();
        for f in &self.live.folders {
            let Some(logical) = f.name.strip_prefix(prefix) else {
                continue;
            };
            let ours = is_copy(&f.metadata) == Some(prefix);
            if !ours || !(whole_prefix || fleet_folders.contains(logical)) {
                continue;
            }
            let in_use = self
                .live
                .agents
                .iter()
                .any(|a| remaining(&a.id) && a.folder_ids.contains(&f.id));
            if in_use {
                kept.push(Kept {
                    kind: Kind::Folder,
                    id: f.id.clone(),
                    name: f.name.clone(),
                    reason: "used by an agent that stays".into(),
                });
            } else {
                deletions.push(Deletion {
                    kind: Kind::Folder,
                    id: f.id.clone(),
                    name: f.name.clone(),
                    reason: "canary-only copy of a folder".into(),
                    after_agent: None,
                });
            }
        }
        (deletions, kept)
    }
}
