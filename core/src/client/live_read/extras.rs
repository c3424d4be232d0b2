//! What is read per agent of the fleet beyond the agent itself (conversation summaries and
//! secrets), in one pass, and the block copies of our test conversations, which the live state
//! leaves out.
//!
//! A test conversation (chat, suites, replay: [`crate::client::conversations`]) isolates every
//! block label of its agent, so while it is open the server holds a copy of each of the agent's
//! blocks — shared ones included, with their label and metadata (our markers too), attached to
//! no agent. Such a copy is the conversation's, never a production block, a canary-only copy or
//! an orphan, and it disappears when the conversation closes. Left in the state, it would be a
//! candidate for the production block, an "unused canary-only copy" for cleanup to delete, and a
//! difference between a plan made while a chat was open and the stale check after it closed.

use super::super::conversations::Conversation;
use super::super::{ApiError, LettaClient, Transport};
use crate::fleet::Fleet;
use crate::live::LiveState;
use crate::plan::Sensitive;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// Reads of the per-agent extras in flight at once.
const IN_FLIGHT: usize = 6;

/// What was read for one agent: its index in `live.agents`, its conversation summaries and
/// its secrets (each only when wanted).
type Extras = (usize, Option<Vec<String>>, Option<BTreeMap<String, String>>);

/// What one agent of the state needs read beyond itself.
struct Wanted {
    /// Index in `live.agents`.
    index: usize,
    /// Agent id.
    id: String,
    /// Its fleet entry lists conversations.
    conversations: bool,
    /// Its fleet entry has secrets.
    secrets: bool,
}

/// The agents (production and canaries: a name that ends with a fleet agent's name) whose fleet
/// entry lists conversations or has secrets, each once, with what to read for it.
fn wanted(fleet: &Fleet, live: &LiveState) -> Vec<Wanted> {
    // Only the fleet entries that want something are matched against every agent.
    let specs: Vec<(&str, bool, bool)> = fleet
        .agents
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                !s.conversations.is_empty(),
                !fleet.secrets_for(s).is_empty(),
            )
        })
        .filter(|(_, c, s)| *c || *s)
        .collect();
    if specs.is_empty() {
        return Vec::new();
    }
    live.agents
        .iter()
        .enumerate()
        .filter_map(|(index, a)| {
            let (mut conversations, mut secrets) = (false, false);
            for (name, c, s) in &specs {
                if a.name.ends_with(name) {
                    conversations |= c;
                    secrets |= s;
                }
            }
            (conversations || secrets).then(|| Wanted {
                index,
                id: a.id.clone(),
                conversations,
                secrets,
            })
        })
        .collect()
}

impl<T: Transport> LettaClient<T> {
    /// Fills in, in one pass over the agents read, the conversation summaries (our test
    /// conversations not counted) of the agents whose fleet entry lists conversations and the
    /// secrets of those the fleet gives secrets (others are not read, so their values never
    /// leave the server); an agent that needs both gets both read at once.
    pub(super) async fn read_extras(
        &self,
        fleet: &Fleet,
        live: &mut LiveState,
    ) -> Result<(), ApiError> {
        let found: Vec<Extras> = stream::iter(wanted(fleet, live))
            .map(|w| async move {
                let conversations = async {
                    if !w.conversations {
                        return Ok(None);
                    }
                    let mut summaries: Vec<String> = self
                        .list_conversations(&w.id)
                        .await?
                        .into_iter()
                        .filter(|c| !c.is_test())
                        .filter_map(|c| c.summary)
                        .collect();
                    summaries.sort();
                    Ok::<_, ApiError>(Some(summaries))
                };
                let secrets = async {
                    if !w.secrets {
                        return Ok(None);
                    }
                    Ok::<_, ApiError>(Some(self.get_agent_secrets(&w.id).await?))
                };
                let (c, s) = futures::try_join!(conversations, secrets)?;
                Ok::<_, ApiError>((w.index, c, s))
            })
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        for (i, conversations, secrets) in found {
            let Some(a) = live.agents.get_mut(i) else {
                continue;
            };
            if let Some(c) = conversations {
                a.conversations = c;
            }
            if let Some(s) = secrets {
                a.secrets = s.into_iter().map(|(k, v)| (k, Sensitive::new(v))).collect();
            }
        }
        Ok(())
    }

    /// Ids of the block copies that our open test conversations hold, on any agent, and those
    /// conversations: one server-wide read of the conversations whose summary carries our
    /// marker (`GET /v1/conversations/?summary_search=`), so its cost grows with the tests
    /// open, not with the server. The conversations go on to a cleanup run, which deletes
    /// them without listing them again.
    pub(super) async fn test_conversation_blocks(
        &self,
    ) -> Result<(BTreeSet<String>, Vec<Conversation>), ApiError> {
        let tests = self.test_conversations().await?;
        let copies = tests
            .iter()
            .flat_map(|c| c.isolated_block_ids.iter().cloned())
            .collect();
        Ok((copies, tests))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{load_fleet, FileSet};
    use crate::live::LiveAgent;

    fn agent(id: &str, name: &str) -> LiveAgent {
        LiveAgent {
            id: id.into(),
            name: name.into(),
            ..LiveAgent::default()
        }
    }

    #[test]
    fn each_agent_is_selected_once_with_both_extras() {
        let yaml = "agents:\n  - name: a\n    description: d\n    system_prompt: {value: p}\n    llm_config: {model: x/y, context_window: 2000}\n    conversations: [{summary: S}]\n    secrets: {k: {value: v}}\n  - name: b\n    description: d\n    system_prompt: {value: p}\n    llm_config: {model: x/y, context_window: 2000}\n    conversations: [{summary: S}]\n  - name: c\n    description: d\n    system_prompt: {value: p}\n    llm_config: {model: x/y, context_window: 2000}\n";
        let r = load_fleet(yaml, &FileSet::new());
        assert!(r.ok, "{:?}", r.errors);
        let fleet = r.fleet.expect("fleet");
        let live = LiveState {
            agents: vec![
                agent("1", "a"),
                agent("2", "CANARY-a"),
                agent("3", "CANARY-b"),
                agent("4", "c"),
                agent("5", "unrelated"),
            ],
            ..LiveState::default()
        };
        let w: Vec<(&str, bool, bool)> = wanted(&fleet, &live)
            .iter()
            .map(|w| (live.agents[w.index].id.as_str(), w.conversations, w.secrets))
            .collect();
        assert_eq!(
            w,
            vec![("1", true, true), ("2", true, true), ("3", true, false)]
        );
    }
}
