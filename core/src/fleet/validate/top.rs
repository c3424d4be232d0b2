//! The top level of the fleet: its keys, the shared blocks and folders, and the agent list.

use super::{kind_of, with, Found, Walker};
use crate::fleet::files::{normalize_path, FileSet};
use crate::fleet::locate::Seg;
use crate::fleet::model::Fleet;
use crate::fleet::Problem;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

const TOP_FIELDS: &[&str] = &[
    "agents",
    "shared_blocks",
    "shared_folders",
    "root_path",
    "mcp_servers",
    "global-secrets",
    "preserve_secrets",
];
const TOP_IGNORED: &[&str] = &["providers", "prune_missing_providers"];

/// The file set as `root_path` sees it: lettactl resolves every path of the fleet against
/// `root_path` (relative to the fleet file), so only the files below it remain, with the
/// prefix removed. A `root_path` that is not text or leaves the fleet's folder is an error
/// (the whole set is kept, so that the other errors still make sense). The third value is the
/// prefix that was removed (`""` for none), to name the files the fleet used as the user does.
pub(crate) fn rooted(root: &Value, files: FileSet) -> (FileSet, Option<Found>, String) {
    let Some(v) = root.get("root_path").filter(|v| !v.is_null()) else {
        return (files, None, String::new());
    };
    let path = vec![Seg::from("root_path")];
    let Some(raw) = v.as_str() else {
        let problem = Problem::WrongType {
            expected: "text",
            found: kind_of(v),
        };
        return (files, Some(Found { problem, path }), String::new());
    };
    if matches!(raw.trim(), "." | "./" | "") {
        return (files, None, String::new());
    }
    match normalize_path(raw) {
        Err(e) => {
            let problem = Problem::Path(e.to_string());
            (files, Some(Found { problem, path }), String::new())
        }
        Ok(dir) => {
            let prefix = format!("{dir}/");
            let inside = files
                .into_iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v)))
                .collect();
            (inside, None, prefix)
        }
    }
}

impl Walker<'_> {
    /// Walks the whole document; `None` when the fleet cannot be resolved.
    pub fn fleet(&mut self, root: &Value) -> Option<Fleet> {
        let Value::Mapping(top) = root else {
            self.err(vec![], Problem::NotAMap(kind_of(root)));
            return None;
        };
        self.keys(top, &[], TOP_FIELDS, TOP_IGNORED);

        let mut shared_blocks = Vec::new();
        if let Some(v) = top.get("shared_blocks").filter(|v| !v.is_null()) {
            let p = vec![Seg::from("shared_blocks")];
            let mut seen = BTreeSet::new();
            for (i, b) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
                let bp = with(&p, i);
                let Some(block) = self.block(b, &bp) else {
                    self.mark_broken("shared block", b);
                    continue;
                };
                if !seen.insert(block.label.clone()) {
                    self.err(
                        with(&bp, "name"),
                        Problem::Duplicate {
                            what: "shared block",
                            name: block.label.clone(),
                        },
                    );
                } else {
                    shared_blocks.push(block);
                }
            }
        }
        let mut shared_folders = Vec::new();
        if let Some(v) = top.get("shared_folders").filter(|v| !v.is_null()) {
            let p = vec![Seg::from("shared_folders")];
            let mut seen = BTreeSet::new();
            for (i, f) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
                let fp = with(&p, i);
                let Some(folder) = self.folder(f, &fp) else {
                    self.mark_broken("shared folder", f);
                    continue;
                };
                if !seen.insert(folder.name.clone()) {
                    self.err(
                        with(&fp, "name"),
                        Problem::Duplicate {
                            what: "shared folder",
                            name: folder.name.clone(),
                        },
                    );
                } else {
                    shared_folders.push(folder);
                }
            }
        }
        let mcp_servers = self.mcp_servers(top);
        let global_secrets = self.secrets(top, &[], "global-secrets");
        let preserve_secrets = self.preserve_secrets(top);

        let ap = vec![Seg::from("agents")];
        let agents_val = match top.get("agents") {
            None | Some(Value::Null) => {
                self.err(ap.clone(), Problem::NoAgents);
                return None;
            }
            Some(v) => v,
        };
        let list = self.list(agents_val, &ap)?;
        if list.is_empty() {
            self.err(ap.clone(), Problem::NoAgents);
        }
        let shared_block_names: BTreeSet<String> =
            shared_blocks.iter().map(|b| b.label.clone()).collect();
        let shared_folder_names: BTreeSet<String> =
            shared_folders.iter().map(|f| f.name.clone()).collect();
        let mut agents = Vec::new();
        let mut names = BTreeMap::new();
        for (i, a) in list.iter().enumerate() {
            let p = with(&ap, i);
            if let Some(agent) = self.agent(a, &p, &shared_block_names, &shared_folder_names) {
                if let Some(first) = names.insert(agent.name.clone(), i) {
                    self.err(
                        with(&p, "name"),
                        Problem::DuplicateAgent {
                            name: agent.name.clone(),
                            first,
                        },
                    );
                }
                agents.push(agent);
            }
        }
        Some(Fleet {
            agents,
            shared_blocks,
            shared_folders,
            mcp_servers,
            global_secrets,
            preserve_secrets,
        })
    }

    /// Remembers a defined-but-invalid shared block or folder by its name, if it has one.
    fn mark_broken(&mut self, what: &'static str, v: &Value) {
        if let Some(name) = v.get("name").and_then(Value::as_str) {
            self.broken.insert((what, name.to_string()));
        }
    }
}
