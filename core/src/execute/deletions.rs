//! Phase two: the cleanup's deletions. Each canary goes with the blocks only it used, right
//! after it (no barrier between agents and their blocks); a block is never deleted while its
//! agent still exists. Objects shared among several canaries (copies of shared blocks and
//! folders) go last, and only when every agent deletion succeeded — else a canary that still
//! exists may use them, and they are skipped with the names of the canaries that failed.

use super::{DeletionOutcome, DeletionResult, ExecOptions, Progress};
use crate::client::{ApiError, LettaClient, Transport};
use crate::plan::{CleanupPhase, DeleteKind, Deletion};
use futures::stream::{self, StreamExt};

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

/// Runs the deletions of a cleanup phase.
pub(super) async fn run<T: Transport>(
    client: &LettaClient<T>,
    phase: &CleanupPhase,
    exec: &ExecOptions,
    progress: &dyn Fn(Progress),
) -> Vec<DeletionResult> {
    let n = exec.concurrency.max(1);
    let agents: Vec<&Deletion> = phase
        .deletions
        .iter()
        .filter(|d| d.kind == DeleteKind::Agent)
        .collect();
    let units = agents.into_iter().map(|agent| {
        let own: Vec<&Deletion> = phase
            .deletions
            .iter()
            .filter(|d| d.after_agent.as_deref() == Some(agent.id.as_str()))
            .collect();
        async move {
            let first = delete_one(client, agent, progress).await;
            let agent_gone = first.gone();
            let mut results = vec![first];
            for d in own {
                results.push(if agent_gone {
                    delete_one(client, d, progress).await
                } else {
                    let why = format!(
                        "skipped: its canary agent '{}' could not be deleted; run cleanup again",
                        agent.name
                    );
                    report(d, DeletionOutcome::Skipped(why), progress)
                });
            }
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
        .filter(|d| d.kind != DeleteKind::Agent && d.after_agent.is_none())
        .collect();
    let failed_agents: Vec<&str> = out
        .iter()
        .filter(|r| r.kind == DeleteKind::Agent && !r.gone())
        .map(|r| r.name.as_str())
        .collect();
    if !failed_agents.is_empty() {
        let why = format!(
            "skipped: canary agent(s) {} could not be deleted and may still use it; run cleanup again",
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
