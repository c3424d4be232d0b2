//! Folders: the top-level `shared_folders` entries and each agent's own `folders`.

use super::{with, Walker};
use crate::fleet::files::expand_glob;
use crate::fleet::locate::Seg;
use crate::fleet::model::{FileSource, FolderFile, FolderSpec};
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

const FOLDER_FIELDS: &[&str] = &["name", "files"];

/// File extensions the Letta server accepts as folder documents (its file-type registry,
/// `letta/services/file_processor/file_types.py`, 0.16.8); anything else is refused with 415
/// at upload, so validation refuses it first.
pub const SERVER_DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf",
    "txt",
    "md",
    "markdown",
    "json",
    "jsonl",
    "csv",
    "py",
    "js",
    "ts",
    "java",
    "cpp",
    "cxx",
    "c",
    "h",
    "cs",
    "php",
    "rb",
    "go",
    "rs",
    "swift",
    "kt",
    "scala",
    "r",
    "m",
    "html",
    "htm",
    "css",
    "scss",
    "sass",
    "less",
    "vue",
    "jsx",
    "tsx",
    "xml",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "sh",
    "bash",
    "ps1",
    "bat",
    "cmd",
    "dockerfile",
    "sql",
];

/// Whether the server accepts a document with this path's extension.
fn is_server_document(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && SERVER_DOCUMENT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

impl Walker<'_> {
    /// The agent's own `folders`: no shared folder's name, and no folder on two agents.
    pub(super) fn agent_folders(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        agent_name: &str,
        shared_folders: &BTreeSet<String>,
    ) -> Vec<FolderSpec> {
        let mut folders = Vec::new();
        if let Some(v) = m.get("folders").filter(|v| !v.is_null()) {
            let fp = with(path, "folders");
            for (i, f) in self.list(v, &fp).unwrap_or_default().iter().enumerate() {
                let p = with(&fp, i);
                if let Some(folder) = self.folder(f, &p) {
                    if shared_folders.contains(&folder.name) {
                        self.err(
                            with(&p, "name"),
                            Problem::FolderIsShared(folder.name.clone()),
                        );
                    } else if let Some(owner) = self.folder_owner.get(&folder.name) {
                        if *owner != agent_name {
                            self.err(
                                with(&p, "name"),
                                Problem::FolderOnTwoAgents {
                                    name: folder.name.clone(),
                                    other: owner.clone(),
                                },
                            );
                        } else {
                            self.err(
                                with(&p, "name"),
                                Problem::Duplicate {
                                    what: "folder",
                                    name: folder.name.clone(),
                                },
                            );
                        }
                    } else {
                        self.folder_owner
                            .insert(folder.name.clone(), agent_name.to_string());
                        folders.push(folder);
                    }
                }
            }
        }
        folders
    }

    pub(super) fn folder(&mut self, v: &Value, path: &[Seg]) -> Option<FolderSpec> {
        let m = self.map(v, path, "a folder (a map with name and files)")?;
        self.keys(m, path, FOLDER_FIELDS, &[]);
        let name = self.text(m, path, "name", true);
        let fp = with(path, "files");
        let mut files = BTreeMap::new();
        let mut sources = Vec::new();
        match m.get("files") {
            None | Some(Value::Null) => self.err(fp.clone(), Problem::Missing("files")),
            Some(list) => {
                for (i, pat) in self.list(list, &fp).unwrap_or_default().iter().enumerate() {
                    let pp = with(&fp, i);
                    if pat
                        .as_mapping()
                        .is_some_and(|m| m.contains_key("from_bucket"))
                    {
                        self.err(
                            with(&pp, "from_bucket"),
                            Problem::FromBucket {
                                instead: "list its path under 'files'",
                            },
                        );
                        continue;
                    }
                    let Some(pat) = self.text_value(pat, &pp, "files", true) else {
                        continue;
                    };
                    match expand_glob(&pat, self.files) {
                        Ok(paths) => {
                            self.used.extend(paths.iter().cloned());
                            for p in &paths {
                                if !is_server_document(p) {
                                    self.err(pp.clone(), Problem::UnsupportedDocument(p.clone()));
                                } else if let Some(c) = self.files.get(p) {
                                    files.insert(p.clone(), c.to_vec());
                                }
                            }
                            sources.push(FileSource {
                                pattern: pat,
                                matched: paths,
                            });
                        }
                        Err(e) => self.err(pp, Problem::Path(e.to_string())),
                    }
                }
            }
        }
        let files: Vec<FolderFile> = files
            .into_iter()
            .map(|(path, content)| FolderFile { path, content })
            .collect();
        let mut seen = BTreeMap::new();
        for f in &files {
            if let Some(prev) = seen.insert(f.file_name().to_string(), f.path.clone()) {
                self.err(
                    fp.clone(),
                    Problem::SameFileName {
                        a: prev,
                        b: f.path.clone(),
                    },
                );
            }
        }
        Some(FolderSpec {
            name: name?,
            files,
            sources,
        })
    }
}
