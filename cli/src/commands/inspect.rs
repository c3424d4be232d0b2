//! `get agents`, `describe agent` and `send`: lettactl's read and chat commands, with its
//! plain (non-terminal) text layouts, and the core's canary rules (name **and** metadata).

use super::{civil, now_iso, Ctx};
use crate::args::{DescribeArgs, SendArgs};
use crate::error::{exit, CliError};
use crate::transport::NativeTransport;
use canary_core::client::{ChatMessage, LettaClient};
use canary_core::inspect::{describe, epoch_seconds, list_canaries};
use canary_core::live::{LiveAgent, LiveState};
use canary_core::plan::Change;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;

/// lettactl's `truncate`: at most `max` characters, the last one an ellipsis.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    }
}

/// lettactl's `formatDate` (en-US short date, e.g. `Dec 1, 2026`), in UTC.
fn short_date(iso: Option<&str>) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(secs) = iso.and_then(epoch_seconds) else {
        return "-".into();
    };
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let month = MONTHS.get((m - 1) as usize).copied().unwrap_or("?");
    format!("{month} {d}, {y}")
}

/// lettactl's plain agent table.
fn agent_table(agents: &[LiveAgent]) -> String {
    let name_w = agents
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4)
        + 1;
    let model_w = 24;
    let tags = |a: &LiveAgent| a.tags.join(", ");
    let has_tags = agents.iter().any(|a| !a.tags.is_empty());
    let tags_w = agents
        .iter()
        .map(|a| tags(a).chars().count())
        .max()
        .unwrap_or(0)
        .max(4)
        + 1;
    let mut header = format!(
        "{:<name_w$}{:<w$} BLOCKS TOOLS",
        "NAME",
        " MODEL",
        w = model_w + 1
    );
    if has_tags {
        header.push_str(&format!("  {:<tags_w$}", "TAGS"));
    }
    header.push_str("  CREATED");
    let mut out = format!("{header}\n{}\n", "-".repeat(header.chars().count()));
    for a in agents {
        let model = if a.model.is_empty() { "-" } else { &a.model };
        let mut line = format!(
            "{:<name_w$} {:<model_w$} {:>6} {:>5}",
            a.name,
            truncate(model, model_w - 1),
            a.block_ids.len(),
            a.tool_ids.len()
        );
        if has_tags {
            let t = tags(a);
            line.push_str(&format!(
                "  {:<tags_w$}",
                if t.is_empty() { "-".into() } else { t }
            ));
        }
        line.push_str(&format!("  {}", short_date(a.created_at.as_deref())));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `get agents [NAME] [--canary [--canary-prefix P]] [--tags T]`.
pub async fn get_agents(
    ctx: &Ctx,
    name: Option<&str>,
    canary: bool,
    prefix: Option<&str>,
    tags: Option<&str>,
) -> Result<i32, CliError> {
    let client = ctx.env.client()?;
    let raw = client.list_agents().await?;
    let live = LiveState::from_api(&raw, &[], &[], &[], &[]);
    let canary_ids: BTreeSet<String> = list_canaries(&live, &now_iso())
        .groups
        .into_iter()
        .filter(|g| prefix.is_none_or(|p| g.prefix == p))
        .flat_map(|g| g.canaries.into_iter().map(|c| c.id))
        .collect();
    let wanted_tags: Vec<&str> = tags
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let picked: Vec<(&Value, LiveAgent)> = raw
        .iter()
        .map(|v| (v, LiveAgent::from_api(v)))
        .filter(|(_, a)| name.is_none_or(|n| a.name == n))
        .filter(|(_, a)| !canary || canary_ids.contains(&a.id))
        .filter(|(_, a)| wanted_tags.iter().all(|t| a.tags.iter().any(|x| x == t)))
        .collect();
    if let (Some(n), true) = (name, picked.is_empty()) {
        return Err(CliError::NotFound(format!(
            "agent '{n}' not found on the server"
        )));
    }
    if ctx.json() {
        let list: Vec<&Value> = picked.iter().map(|(v, _)| *v).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        let agents: Vec<LiveAgent> = picked.into_iter().map(|(_, a)| a).collect();
        print!("{}", agent_table(&agents));
    }
    Ok(exit::OK)
}

/// The one agent with this exact name.
async fn one_agent(
    client: &LettaClient<NativeTransport>,
    name: &str,
    hint: &str,
) -> Result<Value, CliError> {
    let mut found = client.agents_named(name).await?;
    match found.len() {
        0 => Err(CliError::NotFound(format!(
            "agent '{name}' not found on the server{hint}"
        ))),
        1 => Ok(found.remove(0)),
        n => Err(CliError::Usage(format!(
            "{n} agents are named '{name}'; rename or delete the extra ones (ids: {})",
            found
                .iter()
                .map(|a| LiveAgent::from_api(a).id)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

/// lettactl's plain "Agent Details" layout (the parts this tool reads).
async fn details(
    client: &LettaClient<NativeTransport>,
    raw: &Value,
    a: &LiveAgent,
) -> Result<String, CliError> {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    let mut out = format!("Agent Details: {}\n{}\n", a.name, "=".repeat(50));
    out.push_str(&format!("ID:               {}\n", a.id));
    out.push_str(&format!("Name:             {}\n", a.name));
    out.push_str(&format!("Description:      {}\n", or(&a.description, "-")));
    out.push_str(&format!("Model:            {}\n", or(&a.model, "Unknown")));
    out.push_str(&format!(
        "Context Window:   {}\n",
        a.context_window
            .map(|c| c.to_string())
            .unwrap_or_else(|| "Default".into())
    ));
    out.push_str(&format!(
        "Embedding:        {}\n",
        a.embedding.clone().unwrap_or_else(|| "Unknown".into())
    ));
    out.push_str(&format!(
        "Created:          {}\n",
        str_at(raw, &["created_at"]).unwrap_or("Unknown")
    ));
    out.push_str(&format!(
        "Last Updated:     {}\n",
        str_at(raw, &["updated_at"]).unwrap_or("Unknown")
    ));
    if !a.system.is_empty() {
        let sys: String = if a.system.chars().count() > 200 {
            format!("{}...", a.system.chars().take(200).collect::<String>())
        } else {
            a.system.clone()
        };
        out.push_str(&format!("\nSystem Prompt:\n{sys}\n"));
    }
    let blocks = LiveAgent::blocks_from_api(raw);
    if blocks.is_empty() {
        out.push_str("\nMemory Blocks: None\n");
    } else {
        out.push_str(&format!("\nMemory Blocks ({}):\n", blocks.len()));
        for b in &blocks {
            out.push_str(&format!("  - {}\n", b.label));
            out.push_str(&format!(
                "    Description: {}\n",
                b.description
                    .clone()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| "No description".into())
            ));
            out.push_str(&format!("    Limit: {} characters\n", b.limit));
            let len = b.value.chars().count();
            out.push_str(&format!(
                "    Value: {}\n",
                if len == 0 {
                    "No content".into()
                } else {
                    format!("{len} characters")
                }
            ));
        }
    }
    let names = |key: &str, field: &str| -> Vec<(String, String)> {
        raw.get(key)
            .and_then(Value::as_array)
            .map(|xs| {
                xs.iter()
                    .map(|x| {
                        let id = str_at(x, &["id"]).unwrap_or_default().to_string();
                        (
                            str_at(x, &[field])
                                .map(str::to_string)
                                .unwrap_or_else(|| id.clone()),
                            id,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let tools = names("tools", "name");
    if tools.is_empty() {
        out.push_str("\nTools: None\n");
    } else {
        out.push_str(&format!("\nTools ({}):\n", tools.len()));
        for (n, _) in &tools {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    let folders = names("sources", "name");
    if folders.is_empty() {
        out.push_str("\nAttached Folders: None\n");
    } else {
        out.push_str(&format!("\nAttached Folders ({}):\n", folders.len()));
        for (n, id) in &folders {
            let files = client.folder_files(id).await.unwrap_or_default();
            out.push_str(&format!(
                "  - {n}\n    ID: {id}\n    Files: {}\n",
                files.len()
            ));
            for f in files.iter().take(3) {
                let name = str_at(f, &["file_name"])
                    .or_else(|| str_at(f, &["original_file_name"]))
                    .unwrap_or_default();
                out.push_str(&format!("      - {name}\n"));
            }
            if files.len() > 3 {
                out.push_str(&format!("      ... and {} more files\n", files.len() - 3));
            }
        }
    }
    Ok(out)
}

fn change_line(c: &Change) -> String {
    let short = |s: &str| truncate(&s.replace('\n', "\\n"), 70);
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("  ~ {}: \"{}\" -> \"{}\"\n", c.field, short(o), short(n)),
        (None, Some(n)) => format!("  + {}: {}\n", c.field, short(n)),
        (Some(o), None) => format!("  - {}: {}\n", c.field, short(o)),
        (None, None) => format!("  ~ {}\n", c.field),
    }
}

/// `describe agent NAME [--canary [--canary-prefix P]]`.
pub async fn describe_agent(ctx: &Ctx, a: &DescribeArgs) -> Result<i32, CliError> {
    let client = ctx.env.client()?;
    let name = if a.canary {
        format!("{}{}", a.canary_prefix, a.name)
    } else {
        a.name.clone()
    };
    let hint = if a.canary {
        format!(
            " (the canary of '{}'; deploy it with: fleet-canary apply -f FILE --canary)",
            a.name
        )
    } else {
        String::new()
    };
    let raw = one_agent(&client, &name, &hint).await?;
    let agent = LiveAgent::from_api(&raw);
    let mut description = None;
    if a.canary {
        let mut agents = vec![raw.clone()];
        agents.extend(client.agents_named(&a.name).await?);
        let tools = client.list_tools().await?;
        let folders: Vec<(Value, Vec<Value>)> = client
            .list_folders()
            .await?
            .into_iter()
            .map(|f| (f, Vec::new()))
            .collect();
        let live = LiveState::from_api(&agents, &[], &tools, &folders, &[]);
        description = describe(&live, &agent.id);
        if description.is_none() {
            ctx.note(&format!(
                "note: '{name}' has the canary prefix but no canary metadata: it is not a canary (cleanup never deletes it)"
            ));
        }
    }
    if ctx.json() {
        let doc = json!({"agent": raw, "canary": description});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(exit::OK);
    }
    let mut out = details(&client, &raw, &agent).await?;
    if let Some(d) = &description {
        match &d.production {
            Some(p) => out.push_str(&format!("\nProduction: {} ({})\n", p.name, p.id)),
            None => out.push_str(&format!(
                "\nProduction: none ('{}' is not on the server yet)\n",
                a.name
            )),
        }
        if d.production.is_some() {
            if d.differences.is_empty() {
                out.push_str("Differences from production: none\n");
            } else {
                out.push_str(&format!(
                    "Differences from production ({}):\n",
                    d.differences.len()
                ));
                for c in &d.differences {
                    out.push_str(&change_line(c));
                }
            }
        }
    }
    print!("{out}");
    Ok(exit::OK)
}

/// `send NAME MESSAGE [--stream]`: lettactl prints the last assistant message between `---`.
pub async fn send(ctx: &Ctx, a: &SendArgs) -> Result<i32, CliError> {
    let client = ctx.env.client()?;
    let raw = one_agent(&client, &a.agent, "").await?;
    let id = LiveAgent::from_api(&raw).id;
    let reply = if a.stream && !ctx.json() {
        println!("Streaming response from {}:\n---", a.agent);
        let reply = client
            .stream_message(&id, &a.message, &mut |m| {
                if let ChatMessage::Assistant { content } = m {
                    print!("{content}");
                    let _ = std::io::stdout().flush();
                }
            })
            .await?;
        println!("\n---");
        reply
    } else {
        let reply = client.send_message(&id, &a.message).await?;
        if ctx.json() {
            println!(
                "{}",
                serde_json::to_string_pretty(&reply).unwrap_or_default()
            );
        } else {
            ctx.note(&format!("Response from {}:", a.agent));
            let text = reply.assistant_text();
            println!(
                "---\n{}\n---",
                if text.is_empty() {
                    "[No response content]"
                } else {
                    &text
                }
            );
        }
        reply
    };
    let errors: Vec<&str> = reply
        .messages
        .iter()
        .filter_map(|m| match m {
            ChatMessage::Error { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    if errors.is_empty() {
        Ok(exit::OK)
    } else {
        ctx.note(&format!("the agent reported: {}", errors.join("; ")));
        Ok(exit::FAILED)
    }
}
