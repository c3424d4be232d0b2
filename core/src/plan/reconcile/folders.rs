//! Folders: create or sync the production folder (promote, apply); in canary mode keep the
//! production folder when its documents already match, else use a canary-only copy named
//! `PREFIX + name` — recognised by our marker for this prefix, never by its name alone.

use super::{copy_prefix, Ctx, Phase1, Resolved};
use crate::canary::keys;
use crate::fleet::{FolderFile, FolderSpec};
use crate::live::LiveFolder;
use crate::plan::steps::ServerFile;
use crate::plan::{fingerprint, FleetStep};
use std::collections::{BTreeMap, BTreeSet};

/// Hash of file contents stored in folder metadata, to detect changed documents.
fn content_hash(content: &[u8]) -> String {
    fingerprint(content)
}

/// File name → content hash of a folder's documents, as stored in the folder's metadata.
pub fn folder_hashes(files: &[FolderFile]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|f| (f.file_name().to_string(), content_hash(&f.content)))
        .collect()
}

/// Files of `live` that differ from `files`: (to upload, to delete).
fn folder_delta(files: &[FolderFile], live: &LiveFolder) -> (Vec<FolderFile>, Vec<ServerFile>) {
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
                delete.push(ServerFile {
                    id: id.clone(),
                    name: name.to_string(),
                });
            }
            upload.push(f.clone());
        }
    }
    for (name, id) in &live.file_ids {
        if !wanted.contains(name.as_str()) {
            delete.push(ServerFile {
                id: id.clone(),
                name: name.clone(),
            });
        }
    }
    (upload, delete)
}

/// Every folder the selected agents use, with the embedding of the first agent using it.
fn wanted_folders<'a>(ctx: &Ctx<'a>) -> BTreeMap<String, (&'a FolderSpec, Option<String>)> {
    let mut out = BTreeMap::new();
    for a in &ctx.selected {
        for f in &a.folders {
            out.entry(f.name.clone())
                .or_insert((f, a.embedding.clone()));
        }
        for n in &a.shared_folders {
            if let Some(f) = ctx.fleet.shared_folder(n) {
                out.entry(f.name.clone())
                    .or_insert((f, a.embedding.clone()));
            }
        }
    }
    out
}

/// Reconciles every folder the selected agents use.
pub(in crate::plan) fn reconcile(ctx: &Ctx, out: &mut Phase1) {
    for (name, (spec, embedding)) in wanted_folders(ctx) {
        let prod = ctx
            .live
            .folders
            .iter()
            .find(|f| f.name == name && copy_prefix(&f.metadata).is_none());
        let prod_delta = prod.map(|f| folder_delta(&spec.files, f));
        let prod_same = prod_delta
            .as_ref()
            .is_some_and(|(u, d)| u.is_empty() && d.is_empty());
        let resolved = if !ctx.canary() || prod_same {
            match (prod, prod_delta) {
                (Some(f), Some((upload, delete))) => {
                    if !upload.is_empty() || !delete.is_empty() {
                        out.steps.push(FleetStep::SyncFolder {
                            id: f.id.clone(),
                            name: name.clone(),
                            upload,
                            delete,
                            files: spec.files.clone(),
                            copy_prefix: None,
                            sources: spec.sources.clone(),
                        });
                    }
                    Some(Resolved {
                        name: name.clone(),
                        id: Some(f.id.clone()),
                        copy: false,
                    })
                }
                _ => {
                    out.steps.push(FleetStep::CreateFolder {
                        name: name.clone(),
                        embedding,
                        files: spec.files.clone(),
                        copy_prefix: None,
                        sources: spec.sources.clone(),
                    });
                    Some(Resolved {
                        name: name.clone(),
                        id: None,
                        copy: false,
                    })
                }
            }
        } else {
            canary_copy(ctx, &name, spec, embedding, out)
        };
        if let Some(r) = resolved {
            out.folders.insert(name, r);
        }
    }
}

/// The canary-only copy of folder `name`: reuse ours, create one, or block the plan when the
/// copy's name is taken by a folder that is not our copy (or that production uses).
fn canary_copy(
    ctx: &Ctx,
    name: &str,
    spec: &FolderSpec,
    embedding: Option<String>,
    out: &mut Phase1,
) -> Option<Resolved> {
    let prefix = ctx.prefix.as_str();
    let copy_name = ctx.copy_name(name);
    let same_name: Vec<&LiveFolder> = ctx
        .live
        .folders
        .iter()
        .filter(|f| f.name == copy_name)
        .collect();
    let mut ours = None;
    for f in &same_name {
        let users = ctx.folder_production_users(&f.id);
        if copy_prefix(&f.metadata) != Some(prefix) {
            out.blockers.push(format!(
                "a folder named '{copy_name}' ({}) exists but is not a canary-only copy of '{name}' (it has no copy marker for prefix '{prefix}'){}; it is left alone — rename it, or choose another prefix",
                f.id,
                used_by(&users)
            ));
            return None;
        }
        if !users.is_empty() {
            out.blockers.push(format!(
                "folder '{copy_name}' ({}) is marked as a canary-only copy, but {}, so it is production's now and is left alone; detach it from them, or choose another prefix",
                f.id,
                production_users(&users)
            ));
            return None;
        }
        ours.get_or_insert(*f);
    }
    match ours {
        Some(c) => {
            let (upload, delete) = folder_delta(&spec.files, c);
            if !upload.is_empty() || !delete.is_empty() {
                out.steps.push(FleetStep::SyncFolder {
                    id: c.id.clone(),
                    name: copy_name.clone(),
                    upload,
                    delete,
                    files: spec.files.clone(),
                    copy_prefix: Some(prefix.into()),
                    sources: spec.sources.clone(),
                });
            }
            Some(Resolved {
                name: copy_name,
                id: Some(c.id.clone()),
                copy: true,
            })
        }
        None => {
            out.steps.push(FleetStep::CreateFolder {
                name: copy_name.clone(),
                embedding,
                files: spec.files.clone(),
                copy_prefix: Some(prefix.into()),
                sources: spec.sources.clone(),
            });
            Some(Resolved {
                name: copy_name,
                id: None,
                copy: true,
            })
        }
    }
}

fn used_by(users: &[String]) -> String {
    if users.is_empty() {
        String::new()
    } else {
        format!(" and {}", production_users(users))
    }
}

/// "production agent a uses it", "production agents a, b use it".
pub(super) fn production_users(users: &[String]) -> String {
    let n = users.len();
    format!(
        "production {} {} {} it",
        crate::wording::pick(n, "agent", "agents"),
        users.join(", "),
        crate::wording::pick(n, "uses", "use")
    )
}
