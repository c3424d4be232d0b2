//! Phase two: the cleanup's deletions. Each canary goes as one unit with the blocks only it
//! uses (no barrier between canaries): its test conversations (whose block copies would
//! otherwise outlive it) and those blocks first, then the agent — and the agent
//! only when all of them are gone. Deleting an agent first would orphan a block whose
//! deletion then failed: nothing would lead a second cleanup to it. This way a failure
//! leaves the agent, and "run cleanup again" finishes the job. Objects shared among several
//! canaries (copies of shared blocks and folders) go last, and only when every agent is gone
//! — else a canary that still exists may use them, and they are skipped with its name.

use super::{DeletionOutcome, DeletionResult, ExecOptions, Progress};
use crate::client::conversations::Conversation;
use crate::client::{ApiError, LettaClient, Transport};
use crate::plan::{CleanupPhase, DeleteKind, Deletion};
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;

async fn delete_one<T: Transport>(
    client: &LettaClient<T>,
    d: &Deletion,
    progress: &dyn Fn(Progress),
) -> DeletionResult {
    let r = match d.kind {
        DeleteKind::Agent => client.delete_agent(&d.id).await,
        DeleteKind::Block => client.delete_block(&d.id).await,
        DeleteKind::Folder => client.delete_folder(&d.id).await,
    };
    let outcome = match r {
        Ok(()) => DeletionOutcome::Deleted,
        Err(ApiError::NotFound(_)) => DeletionOutcome::AlreadyGone,
        Err(e) => DeletionOutcome::Failed(e.to_string()),
    };
    report(d, outcome, progress)
}

fn report(d: &Deletion, outcome: DeletionOutcome, progress: &dyn Fn(Progress)) -> DeletionResult {
    let r = DeletionResult {
        kind: d.kind,
        id: d.id.clone(),
        name: d.name.clone(),
        outcome,
    };
    progress(Progress::Deleted {
        kind: r.kind,
        name: r.name.clone(),
        error: r.error().map(str::to_string),
    });
    r
}

/// Deletes the test conversations listed for one agent (none: nothing to send). A
/// conversation already gone is fine.
async fn sweep<T: Transport>(
    client: &LettaClient<T>,
    ids: Option<&Vec<String>>,
) -> Result<(), ApiError> {
    for id in ids.into_iter().flatten() {
        match client.delete_conversation(id).await {
            Ok(()) | Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Runs the deletions of a cleanup phase. `listed`: our test conversations, when the caller
/// has just listed them (the stale check's read); else they are listed here.
pub(super) async fn run<T: Transport>(
    client: &LettaClient<T>,
    phase: &CleanupPhase,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
    listed: Option<Vec<Conversation>>,
) -> Vec<DeletionResult> {
    let n = exec.concurrency.max(1);
    // Our test conversations of every agent, in one read, instead of one read per canary in
    // front of its deletions (a round trip each, and in a page a preflight each). If that
    // read fails, each canary's are listed on its own, as before.
    let deletes_agents = phase.deletions.iter().any(|d| d.kind == DeleteKind::Agent);
    let listed = match listed {
        Some(list) => Some(list),
        None if deletes_agents => client.test_conversations().await.ok(),
        None => None,
    };
    let open_tests: Option<BTreeMap<String, Vec<String>>> = listed.map(|list| {
        let mut by_agent: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in list {
            by_agent.entry(c.agent_id).or_default().push(c.id);
        }
        by_agent
    });
    let open_tests = &open_tests;
    let agents: Vec<&Deletion> = phase
        .deletions
        .iter()
        .filter(|d| d.kind == DeleteKind::Agent)
        .collect();
    let units = agents.into_iter().map(|agent| {
        let own: Vec<&Deletion> = phase
            .deletions
            .iter()
            .filter(|d| d.with_agent.as_deref() == Some(agent.id.as_str()))
            .collect();
        async move {
            // Test conversations first: their block copies outlive the agent otherwise, and
            // nothing would lead a later cleanup to them. A failure keeps the agent.
            let swept = match open_tests {
                Some(by_agent) => sweep(client, by_agent.get(&agent.id)).await,
                None => client.sweep_test_conversations(&agent.id).await.map(|_| ()),
            };
            let swept = match swept {
                Ok(()) | Err(ApiError::NotFound(_)) => None,
                Err(e) => Some(e.to_string()),
            };
            // The agent's own blocks are independent of each other: delete them together.
            let mut results =
                futures::future::join_all(own.into_iter().map(|d| delete_one(client, d, progress)))
                    .await;
            let stuck: Vec<&str> = results
                .iter()
                .filter(|r| !r.gone())
                .map(|r| r.name.as_str())
                .collect();
            results.push(if let Some(e) = swept {
                let why = format!(
                    "skipped: its test conversations could not be deleted ({e}), so the agent stays; run cleanup again"
                );
                report(agent, DeletionOutcome::Skipped(why), progress)
            } else if stuck.is_empty() {
                delete_one(client, agent, progress).await
            } else {
                let why = format!(
                    "skipped: its {} {} could not be deleted, so the agent stays (a second cleanup finds {} through the agent); run cleanup again",
                    crate::wording::pick(stuck.len(), "block", "blocks"),
                    stuck.join(", "),
                    crate::wording::pick(stuck.len(), "it", "them")
                );
                report(agent, DeletionOutcome::Skipped(why), progress)
            });
            results
        }
    });
    let mut out: Vec<DeletionResult> = stream::iter(units)
        .buffer_unordered(n)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    let rest: Vec<&Deletion> = phase
        .deletions
        .iter()
        .filter(|d| d.kind != DeleteKind::Agent && d.with_agent.is_none())
        .collect();
    let failed_agents: Vec<&str> = out
        .iter()
        .filter(|r| r.kind == DeleteKind::Agent && !r.gone())
        .map(|r| r.name.as_str())
        .collect();
    if !failed_agents.is_empty() {
        let why = format!(
            "skipped: canary {} {} could not be deleted and may still use it; run cleanup again",
            crate::wording::pick(failed_agents.len(), "agent", "agents"),
            failed_agents.join(", ")
        );
        let skipped: Vec<DeletionResult> = rest
            .into_iter()
            .map(|d| report(d, DeletionOutcome::Skipped(why.clone()), progress))
            .collect();
        out.extend(skipped);
        return out;
    }
    let more: Vec<DeletionResult> = stream::iter(rest)
        .map(|d| delete_one(client, d, progress))
        .buffer_unordered(n)
        .collect()
        .await;
    out.extend(more);
    out
}
