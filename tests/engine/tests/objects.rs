//! Folders and archives through the whole canary workflow against the real Letta server, with
//! the server state read back through the API at every step: production deploy, canary with
//! unchanged folders (the canary references production's), canary with a changed document (a
//! canary-only `PREFIX+name` copy; production's folder byte-for-byte as before), convergence,
//! promote (production folder synced file by file), cleanup (the copy goes; production
//! folders, the archive and tools stay, the archive still attached).

mod support;

use canary_core::canary::keys;
use canary_core::client::{Counting, LettaClient, Transport};
use canary_core::execute::execute;
use canary_core::fleet::{FileSet, Fleet};
use canary_core::plan::{folder_hashes, Action, FleetStep, Kind, Mode, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport, EMBEDDING, MODEL};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::*;

fn yaml(n: &Names) -> String {
    format!(
        r#"shared_folders:
  - name: {kb}
    files: ["kb/*"]
agents:
  - name: {support}
    description: Support agent
    system_prompt:
      value: You answer from the documents.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: [{tool}]
    shared_folders: [{kb}]
    folders:
      - name: {docs}
        files: ["docs/*"]
    archives:
      - name: {archive}
        description: Past tickets
    tags: [support]
  - name: {billing}
    description: Billing agent
    system_prompt:
      value: You handle billing.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    shared_folders: [{kb}]
    tags: [billing]
"#,
        kb = n.name("kb"),
        docs = n.name("docs"),
        archive = n.name("archive"),
        support = n.name("support"),
        billing = n.name("billing"),
        tool = n.ident("lookup"),
    )
}

/// The fleet's files; `docs` are the agent folder's documents as (file name, content).
fn files(n: &Names, docs: &[(&str, &str)]) -> FileSet {
    let mut f = FileSet::new();
    f.insert("kb/faq.md".into(), format!("# FAQ {}\nAsk us.\n", n.u));
    for (name, content) in docs {
        f.insert(format!("docs/{name}"), *content);
    }
    let tool = n.ident("lookup");
    f.insert(
        format!("tools/{tool}.py"),
        format!("def {tool}(query: str) -> str:\n    \"\"\"Look something up.\n\n    Args:\n        query: what to look up\n    \"\"\"\n    return query\n"),
    );
    f
}

const V1: &[(&str, &str)] = &[
    ("guide.md", "# Guide\nVersion one.\n"),
    ("returns.md", "# Returns\nThirty days.\n"),
    ("shipping.md", "# Shipping\nTwo days.\n"),
];
/// The guide changed.
const V2: &[(&str, &str)] = &[
    ("guide.md", "# Guide\nVersion two.\n"),
    ("returns.md", "# Returns\nThirty days.\n"),
    ("shipping.md", "# Shipping\nTwo days.\n"),
];
/// The guide changed again, shipping removed, warranty added.
const V3: &[(&str, &str)] = &[
    ("guide.md", "# Guide\nVersion three.\n"),
    ("returns.md", "# Returns\nThirty days.\n"),
    ("warranty.md", "# Warranty\nTwo years.\n"),
];

/// The hashes our folder metadata records for the fleet's version of a folder.
fn hashes(fleet: &Fleet, folder: &str) -> Value {
    let spec = fleet
        .agents
        .iter()
        .flat_map(|a| a.folders.iter())
        .chain(fleet.shared_folders.iter())
        .find(|f| f.name == folder)
        .unwrap_or_else(|| panic!("folder {folder} in the fleet"));
    json!(folder_hashes(&spec.files))
}

fn names(list: &[(&str, &str)]) -> BTreeSet<String> {
    list.iter().map(|(n, _)| n.to_string()).collect()
}

/// A folder update V2 -> V3 names each file it adds, replaces and removes, and no other.
fn assert_names_files(described: &str) {
    for f in ["guide.md", "shipping.md", "warranty.md"] {
        assert!(described.contains(f), "'{described}' names {f}");
    }
    assert!(
        !described.contains("returns.md"),
        "'{described}': returns.md is unchanged"
    );
}

async fn archive_ids_named<T: Transport>(c: &LettaClient<T>, name: &str) -> Vec<String> {
    c.list_archives()
        .await
        .expect("archives")
        .iter()
        .filter(|a| a.get("name").and_then(Value::as_str) == Some(name))
        .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[tokio::test]
async fn folders_and_archives_deploy_copy_converge_promote_cleanup() {
    let n = Names::new("obj");
    let c = client(Counting::new(NativeTransport::default()));
    let (kb, docs, archive) = (n.name("kb"), n.name("docs"), n.name("archive"));
    let docs_copy = format!("{}{docs}", n.prefix);
    let kb_copy = format!("{}{kb}", n.prefix);
    let canary = opts(Mode::Canary, &n.prefix);
    let v1 = load(&yaml(&n), &files(&n, V1));

    // 1. Production: both folders with their files and our hashes, the archive attached.
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    let prod_support = agent(&live, &n.name("support")).clone();
    let prod_billing = agent(&live, &n.name("billing")).clone();
    let prod_kb = folder_named(&c, &kb).await;
    let prod_docs = folder_named(&c, &docs).await;
    assert_eq!(prod_docs.file_names(), names(V1));
    assert_eq!(
        prod_docs.meta(keys::FOLDER_FILES),
        Some(&hashes(&v1, &docs))
    );
    assert!(prod_docs.meta(keys::COPY_PREFIX).is_none());
    assert_eq!(
        agent_folder_ids(&c, &prod_support.id).await,
        BTreeSet::from([prod_kb.id.clone(), prod_docs.id.clone()])
    );
    let archives = archive_ids_named(&c, &archive).await;
    assert_eq!(archives.len(), 1, "one archive {archive}");
    let archive_id = archives[0].clone();
    assert!(c
        .archive_agents(&archive_id)
        .await
        .expect("archive agents")
        .contains(&prod_support.id));

    // 2. Canary, folders unchanged: the canaries reference production's folders and archive;
    //    no copy is made and production's folders are exactly as before.
    let (_, p) = preview(&c, &v1, &canary).await;
    assert!(
        !p.fleet_steps.iter().any(|s| s.target().0 == Kind::Folder),
        "unchanged folders need no folder step: {}",
        render_text(&p)
    );
    let r = execute(&c, &v1, &p, &canary, &exec(), &|_| {})
        .await
        .expect("canary deploy");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&v1).await.expect("live");
    let can_support = agent(&live, &n.canary("support")).clone();
    let can_billing = agent(&live, &n.canary("billing")).clone();
    assert_eq!(
        agent_folder_ids(&c, &can_support.id).await,
        BTreeSet::from([prod_kb.id.clone(), prod_docs.id.clone()]),
        "the canary attaches the production folders"
    );
    assert_eq!(
        agent_folder_ids(&c, &can_billing.id).await,
        BTreeSet::from([prod_kb.id.clone()])
    );
    assert!(folders_named(&c, &docs_copy).await.is_empty());
    assert!(folders_named(&c, &kb_copy).await.is_empty());
    assert_eq!(folder_named(&c, &docs).await, prod_docs);
    assert_eq!(folder_named(&c, &kb).await, prod_kb);
    assert_eq!(
        archive_ids_named(&c, &archive).await,
        vec![archive_id.clone()],
        "the canary made no archive of its own"
    );
    let users = c.archive_agents(&archive_id).await.expect("archive agents");
    assert!(
        users.contains(&can_support.id) && users.contains(&prod_support.id),
        "the canary attaches the production archive, production keeps it: {users:?}"
    );

    // 3. Canary with a changed document: a canary-only copy named PREFIX+docs with our marker;
    //    the production folder's ids, names and metadata exactly as before.
    let v2 = load(&yaml(&n), &files(&n, V2));
    let (_, p) = preview(&c, &v2, &canary).await;
    assert!(p.is_executable(), "{:?}", p.blockers);
    assert!(p.production_impact.is_empty(), "{}", render_text(&p));
    assert!(
        p.fleet_steps.iter().any(|s| matches!(s,
            FleetStep::CreateFolder { name, copy_prefix: Some(cp), .. } if *name == docs_copy && *cp == n.prefix)),
        "{}",
        render_text(&p)
    );
    assert!(
        !p.fleet_steps.iter().any(|s| matches!(s,
            FleetStep::SyncFolder { id, .. } if *id == prod_docs.id || *id == prod_kb.id)),
        "a canary plan never syncs a production folder: {}",
        render_text(&p)
    );
    let r = execute(&c, &v2, &p, &canary, &exec(), &|_| {})
        .await
        .expect("canary deploy of the change");
    assert!(r.ok(), "{r:#?}");
    let copy = folder_named(&c, &docs_copy).await;
    assert_eq!(
        copy.meta(keys::COPY_PREFIX),
        Some(&Value::String(n.prefix.clone()))
    );
    assert_eq!(copy.file_names(), names(V2));
    assert_eq!(copy.meta(keys::FOLDER_FILES), Some(&hashes(&v2, &docs)));
    assert_eq!(
        folder_named(&c, &docs).await,
        prod_docs,
        "production folder files and metadata unchanged"
    );
    assert_eq!(folder_named(&c, &kb).await, prod_kb);
    assert_eq!(
        agent_folder_ids(&c, &can_support.id).await,
        BTreeSet::from([prod_kb.id.clone(), copy.id.clone()]),
        "the canary swaps to the copy and keeps the unchanged shared folder"
    );
    assert_eq!(
        agent_folder_ids(&c, &prod_support.id).await,
        BTreeSet::from([prod_kb.id.clone(), prod_docs.id.clone()]),
        "the production agent still has the production folder only"
    );
    assert_eq!(
        agent_folder_ids(&c, &prod_billing.id).await,
        BTreeSet::from([prod_kb.id.clone()])
    );

    // 4. Re-plan converges: all UNCHANGED, and running it makes zero writes.
    let (_, again) = preview(&c, &v2, &canary).await;
    assert!(
        again.agents.iter().all(|a| a.action == Action::Unchanged) && again.is_noop(),
        "{}",
        render_text(&again)
    );
    c.transport().reset();
    let r = execute(&c, &v2, &again, &canary, &exec(), &|_| {})
        .await
        .expect("no-op");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(
        c.transport().writes(),
        0,
        "a converged deploy writes nothing"
    );

    // 5. Another change: the copy is synced in place (removed file gone, new one there);
    //    production still untouched.
    let v3 = load(&yaml(&n), &files(&n, V3));
    let (_, p) = preview(&c, &v3, &canary).await;
    let sync = p
        .fleet_steps
        .iter()
        .find(|s| {
            matches!(s,
            FleetStep::SyncFolder { id, copy_prefix: Some(_), .. } if *id == copy.id)
        })
        .unwrap_or_else(|| panic!("the copy is synced: {}", render_text(&p)));
    assert_names_files(&sync.describe());
    let r = execute(&c, &v3, &p, &canary, &exec(), &|_| {})
        .await
        .expect("canary sync");
    assert!(r.ok(), "{r:#?}");
    let copy3 = folder_by_id(&c, &copy.id).await.expect("copy still there");
    assert_eq!(copy3.file_names(), names(V3));
    assert_eq!(
        copy3.file_id("returns.md"),
        copy.file_id("returns.md"),
        "an unchanged document is not re-uploaded"
    );
    assert_eq!(copy3.meta(keys::FOLDER_FILES), Some(&hashes(&v3, &docs)));
    assert_eq!(folder_named(&c, &docs).await, prod_docs);

    // 6. Promote: production's folder synced as the fleet says (same folder, changed files
    //    replaced, removed ones gone, unchanged ones kept), the production agent unchanged.
    let promote = opts(Mode::Promote, &n.prefix);
    let (_, p) = preview(&c, &v3, &promote).await;
    let sync = p
        .fleet_steps
        .iter()
        .find(|s| {
            matches!(s,
            FleetStep::SyncFolder { id, copy_prefix: None, .. } if *id == prod_docs.id)
        })
        .unwrap_or_else(|| panic!("production's folder is synced: {}", render_text(&p)));
    assert_names_files(&sync.describe());
    deploy(&c, &v3, &promote).await;
    let promoted = folder_named(&c, &docs).await;
    assert_eq!(
        promoted.id, prod_docs.id,
        "the production folder is synced in place"
    );
    assert_eq!(promoted.file_names(), names(V3));
    assert_eq!(
        promoted.file_id("returns.md"),
        prod_docs.file_id("returns.md")
    );
    assert_ne!(promoted.file_id("guide.md"), prod_docs.file_id("guide.md"));
    assert_eq!(promoted.meta(keys::FOLDER_FILES), Some(&hashes(&v3, &docs)));
    assert!(promoted.meta(keys::COPY_PREFIX).is_none());
    assert_eq!(folder_named(&c, &kb).await, prod_kb);
    assert_eq!(
        agent_folder_ids(&c, &prod_support.id).await,
        BTreeSet::from([prod_kb.id.clone(), prod_docs.id.clone()])
    );
    let (_, p) = preview(&c, &v3, &promote).await;
    assert!(p.is_noop(), "promote converged: {}", render_text(&p));

    // 7. Cleanup: exactly the copy goes among folders; production folders, the archive (still
    //    attached to production) and the tool remain.
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let (_, dry) = preview(&c, &v3, &cleanup).await;
    let planned = deletions(&dry);
    let folders_to_go: Vec<&str> = planned
        .iter()
        .filter(|(k, _, _)| *k == Kind::Folder)
        .map(|(_, id, _)| id.as_str())
        .collect();
    assert_eq!(
        folders_to_go,
        vec![copy.id.as_str()],
        "{}",
        render_text(&dry)
    );
    assert!(
        planned
            .iter()
            .all(|(k, _, _)| matches!(k, Kind::Agent | Kind::Block | Kind::Folder)),
        "cleanup never plans to delete tools or archives: {planned:?}"
    );
    let r = execute(&c, &v3, &dry, &cleanup, &exec(), &|_| {})
        .await
        .expect("cleanup");
    assert!(r.ok(), "{r:#?}");
    assert!(
        folder_by_id(&c, &copy.id).await.is_none(),
        "the copy is deleted"
    );
    assert_eq!(folder_named(&c, &docs).await, promoted);
    assert_eq!(folder_named(&c, &kb).await, prod_kb);
    assert_eq!(
        archive_ids_named(&c, &archive).await,
        vec![archive_id.clone()]
    );
    let users = c.archive_agents(&archive_id).await.expect("archive agents");
    assert!(
        users.contains(&prod_support.id),
        "the archive is still attached to production: {users:?}"
    );
    assert!(!users.contains(&can_support.id));
    let live = c.fetch_live(&v3).await.expect("live");
    assert!(
        live.tool_by_name(&n.ident("lookup")).is_some(),
        "the tool remains"
    );
    assert!(
        agent(&live, &n.name("support"))
            .tool_ids
            .iter()
            .any(|id| live.tool(id).is_some_and(|t| t.name == n.ident("lookup"))),
        "production keeps its tool"
    );
    assert!(!agent_exists(&c, &can_support.id).await);
    assert!(!agent_exists(&c, &can_billing.id).await);
}

/// A changed shared folder: every canary that uses it swaps to one copy; a promote "then
/// clean up" is one reviewed plan whose phase two deletes exactly that copy.
#[tokio::test]
async fn shared_folder_copy_promoted_then_cleaned_up_in_one_reviewed_plan() {
    let n = Names::new("objs");
    let c = client(NativeTransport::default());
    let kb = n.name("kb");
    let kb_copy = format!("{}{kb}", n.prefix);
    let v1 = load(&yaml(&n), &files(&n, V1));
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let prod_kb = folder_named(&c, &kb).await;
    let prod_docs = folder_named(&c, &n.name("docs")).await;
    let live = c.fetch_live(&v1).await.expect("live");
    let prod_ids: Vec<String> = ["support", "billing"]
        .iter()
        .map(|a| agent(&live, &n.name(a)).id.clone())
        .collect();

    // The shared folder's document changes: one copy, used by both canaries.
    let mut changed = files(&n, V1);
    changed.insert(
        "kb/faq.md".into(),
        format!("# FAQ {}\nAsk us anything.\n", n.u),
    );
    let v2 = load(&yaml(&n), &changed);
    deploy(&c, &v2, &opts(Mode::Canary, &n.prefix)).await;
    let copy = folder_named(&c, &kb_copy).await;
    assert_eq!(
        copy.meta(keys::COPY_PREFIX),
        Some(&Value::String(n.prefix.clone()))
    );
    assert_eq!(copy.meta(keys::FOLDER_FILES), Some(&hashes(&v2, &kb)));
    let live = c.fetch_live(&v2).await.expect("live");
    for a in ["support", "billing"] {
        let can = agent(&live, &n.canary(a));
        let ids = agent_folder_ids(&c, &can.id).await;
        assert!(
            ids.contains(&copy.id) && !ids.contains(&prod_kb.id),
            "{}: {ids:?}",
            can.name
        );
    }
    assert_eq!(folder_named(&c, &kb).await, prod_kb);
    for id in &prod_ids {
        assert!(agent_folder_ids(&c, id).await.contains(&prod_kb.id));
    }

    // Promote then clean up: both phases in the reviewed plan, the copy among the deletions.
    let promote = PlanOptions {
        cleanup_after: true,
        ..opts(Mode::Promote, &n.prefix)
    };
    let (_, p) = preview(&c, &v2, &promote).await;
    let planned = deletions(&p);
    assert_eq!(
        planned
            .iter()
            .filter(|(k, _, _)| *k == Kind::Folder)
            .map(|(_, id, _)| id.as_str())
            .collect::<Vec<_>>(),
        vec![copy.id.as_str()],
        "{}",
        render_text(&p)
    );
    let r = execute(&c, &v2, &p, &promote, &exec(), &|_| {})
        .await
        .expect("promote then clean up");
    assert!(r.ok(), "{r:#?}");
    assert!(
        r.deletions().iter().any(|d| d.id == copy.id && d.gone()),
        "{r:#?}"
    );
    assert!(
        folder_by_id(&c, &copy.id).await.is_none(),
        "the copy is gone"
    );
    let synced = folder_named(&c, &kb).await;
    assert_eq!(synced.id, prod_kb.id);
    assert_eq!(synced.meta(keys::FOLDER_FILES), Some(&hashes(&v2, &kb)));
    assert_ne!(synced.file_id("faq.md"), prod_kb.file_id("faq.md"));
    assert_eq!(folder_named(&c, &n.name("docs")).await, prod_docs);
    for id in &prod_ids {
        assert!(agent_folder_ids(&c, id).await.contains(&prod_kb.id));
    }
    let live = c.fetch_live(&v2).await.expect("live");
    assert!(live.agents.iter().all(|a| !a.name.starts_with(&n.prefix)));
    let (_, p) = preview(&c, &v2, &opts(Mode::Promote, &n.prefix)).await;
    assert!(p.is_noop(), "{}", render_text(&p));
}
