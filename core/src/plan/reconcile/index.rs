//! Lookups of the live state by id and by name, built once per plan.
//!
//! The reconcilers ask the same questions for every agent of the fleet (its attached blocks by
//! id, the agents carrying its target name, each tool by name): answered by scanning
//! [`LiveState`]'s lists, a 1,000-agent re-deploy made ~10 million string comparisons. Each
//! lookup here gives what the scan gave — the *first* match in the state's (canonical) order —
//! so the plan is the same value, byte for byte.

use crate::live::{LiveAgent, LiveBlock, LiveFolder, LiveState, LiveTool};
use std::collections::HashMap;

/// The live state's objects by key.
pub(in crate::plan) struct Index<'a> {
    blocks: HashMap<&'a str, &'a LiveBlock>,
    agents_by_name: HashMap<&'a str, Vec<&'a LiveAgent>>,
    tools_by_name: HashMap<&'a str, &'a LiveTool>,
    tools: HashMap<&'a str, &'a LiveTool>,
    folders: HashMap<&'a str, &'a LiveFolder>,
}

/// Maps each key to its first object, as a `find` over the list would.
fn first<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, &'a T> {
    let mut m = HashMap::with_capacity(items.len());
    for x in items {
        m.entry(key(x)).or_insert(x);
    }
    m
}

impl<'a> Index<'a> {
    /// Indexes `live`.
    pub fn new(live: &'a LiveState) -> Index<'a> {
        let mut agents_by_name: HashMap<&'a str, Vec<&'a LiveAgent>> =
            HashMap::with_capacity(live.agents.len());
        for a in &live.agents {
            agents_by_name.entry(a.name.as_str()).or_default().push(a);
        }
        Index {
            blocks: first(&live.blocks, |b| b.id.as_str()),
            agents_by_name,
            tools_by_name: first(&live.tools, |t| t.name.as_str()),
            tools: first(&live.tools, |t| t.id.as_str()),
            folders: first(&live.folders, |f| f.id.as_str()),
        }
    }

    /// The block with this id ([`LiveState::block`]).
    pub fn block(&self, id: &str) -> Option<&'a LiveBlock> {
        self.blocks.get(id).copied()
    }

    /// Agents with this exact name, in the state's order ([`LiveState::agents_named`]).
    pub fn agents_named(&self, name: &str) -> &[&'a LiveAgent] {
        self.agents_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The tool with this name ([`LiveState::tool_by_name`]).
    pub fn tool_by_name(&self, name: &str) -> Option<&'a LiveTool> {
        self.tools_by_name.get(name).copied()
    }

    /// The tool with this id ([`LiveState::tool`]).
    pub fn tool(&self, id: &str) -> Option<&'a LiveTool> {
        self.tools.get(id).copied()
    }

    /// The folder with this id ([`LiveState::folder`]).
    pub fn folder(&self, id: &str) -> Option<&'a LiveFolder> {
        self.folders.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_give_the_first_match_like_a_scan() {
        let tool = |id: &str, name: &str| LiveTool {
            id: id.into(),
            name: name.into(),
            ..LiveTool::default()
        };
        let agent = |id: &str, name: &str| LiveAgent {
            id: id.into(),
            name: name.into(),
            ..LiveAgent::default()
        };
        let live = LiveState {
            tools: vec![tool("t1", "x"), tool("t2", "x"), tool("t3", "y")],
            agents: vec![agent("a1", "n"), agent("a2", "m"), agent("a3", "n")],
            blocks: vec![LiveBlock {
                id: "b1".into(),
                ..LiveBlock::default()
            }],
            ..LiveState::default()
        };
        let ix = Index::new(&live);
        for name in ["x", "y", "z"] {
            assert_eq!(
                ix.tool_by_name(name).map(|t| &t.id),
                live.tool_by_name(name).map(|t| &t.id)
            );
        }
        assert_eq!(ix.tool("t2").map(|t| t.name.as_str()), Some("x"));
        let named: Vec<&str> = ix.agents_named("n").iter().map(|a| a.id.as_str()).collect();
        let scanned: Vec<&str> = live.agents_named("n").map(|a| a.id.as_str()).collect();
        assert_eq!(named, scanned);
        assert!(ix.agents_named("none").is_empty());
        assert!(ix.block("b1").is_some() && ix.block("b2").is_none());
        assert!(ix.folder("f").is_none());
    }
}
