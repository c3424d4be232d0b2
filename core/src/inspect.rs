//! Inspecting canaries: list them by prefix, and describe one beside its production agent.

use crate::canary::canary_mark;
use crate::live::{LiveAgent, LiveState};
use crate::plan::Change;
use serde::Serialize;
use std::collections::BTreeMap;

/// A canary agent found on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryInfo {
    /// Agent id.
    pub id: String,
    /// Agent name.
    pub name: String,
    /// Prefix from its metadata.
    pub prefix: String,
    /// The production agent it stands for.
    pub production_name: String,
    /// Id of that production agent, when it exists.
    pub production_id: Option<String>,
    /// Creation time as recorded.
    pub created_at: Option<String>,
    /// Seconds since creation, when both times could be read.
    pub age_seconds: Option<i64>,
}

/// Canaries of one prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrefixGroup {
    /// The prefix.
    pub prefix: String,
    /// Its canaries, by name.
    pub canaries: Vec<CanaryInfo>,
}

/// An agent whose name starts with a canary prefix but that is not a canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lookalike {
    /// Agent id.
    pub id: String,
    /// Agent name.
    pub name: String,
    /// The prefix its name starts with.
    pub prefix: String,
}

/// Every canary on the server, grouped by every prefix found in metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryList {
    /// Groups, by prefix.
    pub groups: Vec<PrefixGroup>,
    /// Agents that look like canaries by name only ("not a canary"; never deleted).
    pub lookalikes: Vec<Lookalike>,
}

/// Seconds since 1970 of an ISO-8601 UTC time (`2026-01-02T03:04:05[.fff][Z|+00:00]`).
pub fn epoch_seconds(iso: &str) -> Option<i64> {
    let b = iso.as_bytes();
    let num = |r: std::ops::Range<usize>| iso.get(r)?.parse::<i64>().ok();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Lists canaries of every prefix; `now` (ISO-8601) gives ages.
pub fn list_canaries(live: &LiveState, now: &str) -> CanaryList {
    let now_s = epoch_seconds(now);
    let mut groups: BTreeMap<String, Vec<CanaryInfo>> = BTreeMap::new();
    for a in &live.agents {
        if let Some(m) = canary_mark(&a.name, &a.metadata) {
            let production_id = live
                .agents
                .iter()
                .find(|p| {
                    p.name == m.production_name && canary_mark(&p.name, &p.metadata).is_none()
                })
                .map(|p| p.id.clone());
            let created = m.created_at.clone().or_else(|| a.created_at.clone());
            let age_seconds = match (created.as_deref().and_then(epoch_seconds), now_s) {
                (Some(c), Some(n)) => Some(n - c),
                _ => None,
            };
            groups
                .entry(m.prefix.clone())
                .or_default()
                .push(CanaryInfo {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    prefix: m.prefix,
                    production_name: m.production_name,
                    production_id,
                    created_at: created,
                    age_seconds,
                });
        }
    }
    let mut prefixes: Vec<String> = groups.keys().cloned().collect();
    if !prefixes.iter().any(|p| p == crate::canary::DEFAULT_PREFIX) {
        prefixes.push(crate::canary::DEFAULT_PREFIX.into());
    }
    let lookalikes = live
        .agents
        .iter()
        .filter(|a| canary_mark(&a.name, &a.metadata).is_none())
        .filter_map(|a| {
            prefixes
                .iter()
                .find(|p| a.name.starts_with(p.as_str()))
                .map(|p| Lookalike {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    prefix: p.clone(),
                })
        })
        .collect();
    CanaryList {
        groups: groups
            .into_iter()
            .map(|(prefix, mut canaries)| {
                canaries.sort_by(|a, b| a.name.cmp(&b.name));
                PrefixGroup { prefix, canaries }
            })
            .collect(),
        lookalikes,
    }
}

/// A readable view of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Field → value, in a fixed order.
    pub fields: Vec<(String, String)>,
}

fn view(live: &LiveState, a: &LiveAgent) -> AgentView {
    let mut fields = vec![
        ("description".to_string(), a.description.clone()),
        ("system_prompt".into(), a.system.clone()),
        ("model".into(), a.model.clone()),
        (
            "context_window".into(),
            a.context_window.map(|c| c.to_string()).unwrap_or_default(),
        ),
        (
            "max_tokens".into(),
            a.max_tokens.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("embedding".into(), a.embedding.clone().unwrap_or_default()),
        ("tags".into(), a.tags.join(", ")),
    ];
    let mut tools: Vec<String> = a
        .tool_ids
        .iter()
        .map(|id| {
            live.tool(id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect();
    tools.sort();
    fields.push(("tools".into(), tools.join(", ")));
    let mut blocks: Vec<(String, String)> = a
        .block_ids
        .iter()
        .filter_map(|id| live.block(id))
        .map(|b| (format!("block {}", b.label), b.value.clone()))
        .collect();
    blocks.sort();
    fields.extend(blocks);
    let mut folders: Vec<String> = a
        .folder_ids
        .iter()
        .map(|id| {
            live.folder(id)
                .map(|f| f.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect();
    folders.sort();
    fields.push(("folders".into(), folders.join(", ")));
    AgentView {
        id: a.id.clone(),
        name: a.name.clone(),
        fields,
    }
}

/// A canary beside its production agent, with the differences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// The canary.
    pub canary: AgentView,
    /// The production agent, when it exists.
    pub production: Option<AgentView>,
    /// Fields whose values differ (old = production, new = canary).
    pub differences: Vec<Change>,
}

/// Describes the canary with this id beside its production agent; `None` if it is not a canary.
pub fn describe(live: &LiveState, canary_id: &str) -> Option<Description> {
    let c = live.agents.iter().find(|a| a.id == canary_id)?;
    let mark = canary_mark(&c.name, &c.metadata)?;
    let canary = view(live, c);
    let production = live
        .agents
        .iter()
        .find(|p| p.name == mark.production_name && canary_mark(&p.name, &p.metadata).is_none())
        .map(|p| view(live, p));
    let mut differences = Vec::new();
    if let Some(p) = &production {
        let pm: BTreeMap<&str, &str> = p
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let cm: BTreeMap<&str, &str> = canary
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let keys: std::collections::BTreeSet<&str> = pm.keys().chain(cm.keys()).copied().collect();
        for k in keys {
            let (old, new) = (pm.get(k).copied(), cm.get(k).copied());
            if old != new {
                differences.push(match (old, new) {
                    (Some(o), Some(n)) => Change::text(k, o, n),
                    (o, n) => Change::value(k, o.map(str::to_string), n.map(str::to_string)),
                });
            }
        }
    }
    Some(Description {
        canary,
        production,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::epoch_seconds;

    #[test]
    fn epoch() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00.123Z"), Some(951_868_800));
        assert_eq!(epoch_seconds("nonsense"), None);
    }
}
