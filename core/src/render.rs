//! Plain-text rendering of a plan in lettactl's dry-run format (`[+]`, `[~]`, `[=]`, and a
//! `Summary:` block), so that command-line users read our previews without learning anything.
//! The web view draws the same [`Plan`] value with more detail.

use crate::plan::{Action, Change, FleetStep, Kind, Mode, Plan, Span, Tag, TextChange};
use crate::wording::count;
use std::fmt::Write;

fn mode_title(plan: &Plan) -> String {
    match (plan.mode, &plan.prefix) {
        (Mode::Canary, Some(p)) => format!("Canary deploy (prefix {p})"),
        (Mode::Cleanup, Some(p)) => format!("Canary cleanup (prefix {p})"),
        (Mode::Promote, Some(p)) if plan.cleanup.is_some() => {
            format!("Promote to production, then clean up canaries (prefix {p})")
        }
        (Mode::Promote, _) => "Promote to production".into(),
        _ => "Apply to production".into(),
    }
}

fn short(s: &str) -> String {
    let one_line = s.replace('\n', "\\n");
    if one_line.chars().count() > 70 {
        format!("{}…", one_line.chars().take(69).collect::<String>())
    } else {
        one_line
    }
}

fn render_change(out: &mut String, c: &Change) {
    match (&c.old, &c.new, &c.diff) {
        (_, _, Some(TextChange::Lines(lines))) => {
            let _ = writeln!(out, "    ~ {}:", c.field);
            for l in lines {
                match l {
                    None => out.push_str("        ...\n"),
                    Some(Span { tag, text }) => {
                        let mark = match tag {
                            Tag::Equal => ' ',
                            Tag::Insert => '+',
                            Tag::Delete => '-',
                        };
                        let _ = writeln!(out, "      {mark} {text}");
                    }
                }
            }
        }
        (Some(o), Some(n), _) => {
            let _ = writeln!(
                out,
                "    ~ {}: \"{}\" -> \"{}\"",
                c.field,
                short(o),
                short(n)
            );
        }
        (None, Some(n), _) => {
            let _ = writeln!(out, "    + {}: {}", c.field, short(n));
        }
        (Some(o), None, _) => {
            let _ = writeln!(out, "    - {}: {}", c.field, short(o));
        }
        (None, None, _) => {
            let _ = writeln!(out, "    ~ {}", c.field);
        }
    }
}

fn fleet_step_line(s: &FleetStep) -> String {
    match s {
        FleetStep::CreateBlock {
            spec,
            copy_prefix: Some(p),
        } => format!("[+] block {} (CREATE canary copy for {p})", spec.label),
        FleetStep::CreateBlock { spec, .. } => format!("[+] shared block {} (CREATE)", spec.label),
        FleetStep::UpdateBlock {
            spec,
            copy,
            changes,
            ..
        } => format!(
            "[~] {} {} (UPDATE - {} change(s))",
            if *copy {
                "canary copy of block"
            } else {
                "shared block"
            },
            spec.label,
            changes.len()
        ),
        FleetStep::CreateTool { name, .. } => format!("[+] tool {name} (CREATE)"),
        FleetStep::UpdateTool { name, .. } => format!("[~] tool {name} (UPDATE source in place)"),
        FleetStep::CreateFolder { name, files, .. } => {
            format!(
                "[+] folder {name} (CREATE, {} file(s): {})",
                files.len(),
                crate::plan::file_names(files)
            )
        }
        FleetStep::SyncFolder {
            name,
            upload,
            delete,
            ..
        } => {
            let (added, replaced, removed) = crate::plan::folder_delta_names(upload, delete);
            let mut parts = Vec::new();
            for (verb, names) in [("add", added), ("replace", replaced), ("remove", removed)] {
                if !names.is_empty() {
                    parts.push(format!("{verb} {}", names.join(", ")));
                }
            }
            format!("[~] folder {name} (UPDATE - {})", parts.join("; "))
        }
        FleetStep::CreateArchive { name, .. } => format!("[+] archive {name} (CREATE)"),
        FleetStep::CreateMcpServer {
            name, server_type, ..
        } => format!("[+] mcp server {name} (CREATE, {server_type})"),
        FleetStep::UpdateMcpServer { name, changes, .. } if changes.is_empty() => {
            format!("[~] mcp server {name} (REFRESH tools)")
        }
        FleetStep::UpdateMcpServer { name, changes, .. } => format!(
            "[~] mcp server {name} (UPDATE - {} change(s), then REFRESH tools)",
            changes.len()
        ),
    }
}

/// Renders a plan as text in lettactl's dry-run format.
pub fn render_text(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", mode_title(plan));
    for b in &plan.blockers {
        let _ = writeln!(out, "[!] {b}");
    }
    if !plan.blockers.is_empty() {
        out.push('\n');
    }
    if !plan.production_impact.is_empty() {
        out.push_str("Production impact:\n");
        for i in &plan.production_impact {
            let _ = writeln!(
                out,
                "  [!] {} {}: {} (used by: {}){}",
                i.kind,
                i.name,
                i.detail,
                if i.used_by.is_empty() {
                    "no production agent".into()
                } else {
                    i.used_by.join(", ")
                },
                if i.accepted { " [accepted]" } else { "" }
            );
        }
        out.push('\n');
    }
    for s in &plan.fleet_steps {
        let _ = writeln!(out, "{}", fleet_step_line(s));
        match s {
            FleetStep::UpdateBlock { changes, .. } => {
                changes.iter().for_each(|c| render_change(&mut out, c))
            }
            FleetStep::UpdateTool { change, .. } => render_change(&mut out, change),
            FleetStep::UpdateMcpServer { changes, .. } => {
                changes.iter().for_each(|c| render_change(&mut out, c))
            }
            FleetStep::CreateFolder { sources, .. } | FleetStep::SyncFolder { sources, .. } => {
                for line in crate::plan::source_lines(sources) {
                    let _ = writeln!(out, "    {line}");
                }
            }
            _ => {}
        }
    }
    if !plan.fleet_steps.is_empty() {
        out.push('\n');
    }
    for a in &plan.agents {
        match a.action {
            Action::Create => {
                let _ = writeln!(out, "[+] {} (CREATE)", a.name);
            }
            Action::Update => {
                let _ = writeln!(
                    out,
                    "[~] {} (UPDATE - {} change(s))",
                    a.name,
                    a.changes.len()
                );
                for c in &a.changes {
                    render_change(&mut out, c);
                }
            }
            Action::Unchanged => {
                let _ = writeln!(out, "[=] {} (no changes)", a.name);
            }
            Action::Blocked => {
                let _ = writeln!(out, "[!] {} (BLOCKED - see above)", a.name);
            }
        }
    }
    if let Some(c) = &plan.cleanup {
        if plan.cleanup_follows() {
            out.push_str(
                "\nThen, only if every agent above was promoted, clean up the canaries:\n",
            );
        }
        for d in &c.deletions {
            let _ = writeln!(out, "[-] {} {} ({}) - {}", d.kind, d.name, d.id, d.reason);
        }
        for k in c.kept.iter().filter(|k| k.kind == Kind::Agent) {
            let _ = writeln!(out, "[=] {} kept - {}", k.name, k.reason);
        }
    }
    let s = &plan.summary;
    out.push_str("\nSummary:\n");
    if plan.mode != Mode::Cleanup {
        let _ = writeln!(out, "  [+] {} agent(s) to create", s.create);
        let _ = writeln!(out, "  [~] {} agent(s) to update (drift)", s.update);
        let _ = writeln!(out, "  [=] {} agent(s) unchanged", s.unchanged);
        if s.blocked > 0 {
            let _ = writeln!(out, "  [!] {} agent(s) blocked", s.blocked);
        }
        if s.fleet_steps > 0 {
            let _ = writeln!(out, "  [*] {} shared object change(s)", s.fleet_steps);
        }
    }
    if let Some(c) = &plan.cleanup {
        // Counted from the deletions themselves, never from the summary: a plan that came in
        // from JavaScript may carry any numbers, and subtraction must not underflow.
        let agents = c.agents();
        let others = c.deletions.len().saturating_sub(agents);
        let _ = writeln!(out, "  [-] {agents} agent(s) to delete");
        let _ = writeln!(out, "  [-] {others} other object(s) to delete");
    }
    let _ = writeln!(out, "  Total changes: {}", s.total_changes);
    out
}

/// What executing the plan will do, in one paragraph: the confirmation text before a run,
/// and the "Ran: …" line after it (the same words in the page, the CLI and the JS package).
pub fn restate(plan: &Plan, server: &str) -> String {
    let s = &plan.summary;
    let prefix = plan.prefix.as_deref().unwrap_or_default();
    let cleanup = |c: &crate::plan::CleanupPhase| {
        let agents = c.agents();
        let others = c.deletions.len().saturating_sub(agents);
        let what = match (agents, others) {
            (0, 0) => "delete nothing".to_string(),
            (a, 0) => format!("delete {}", count(a, "canary agent")),
            (0, o) => format!("delete {}", count(o, "other object")),
            (a, o) => format!(
                "delete {} and {}",
                count(a, "canary agent"),
                count(o, "other object")
            ),
        };
        format!("{what} of prefix {prefix}")
    };
    match (plan.mode, &plan.cleanup) {
        (Mode::Cleanup, Some(c)) => format!(
            "{} on {server}. Production agents, shared blocks, tools and archives are not touched.",
            capitalise(&cleanup(c))
        ),
        (Mode::Canary, _) => {
            let agents = agent_writes(s.create, s.update, "canary agent");
            let what = match (agents, shared_writes(s.fleet_steps)) {
                (Some(a), Some(f)) => format!("{a} with prefix {prefix}, and {f},"),
                (Some(a), None) => format!("{a} with prefix {prefix}"),
                (None, Some(f)) => format!("{f} (prefix {prefix})"),
                (None, None) => format!("write nothing (prefix {prefix})"),
            };
            format!(
                "{} on {server}. {}",
                capitalise(&what),
                if plan.production_impact.iter().any(|i| i.accepted) {
                    "You accepted updating a tool that production uses."
                } else {
                    "No object a production agent uses is written."
                }
            )
        }
        (_, c) => {
            let agents = agent_writes(s.create, s.update, "PRODUCTION agent");
            let what = match (agents, shared_writes(s.fleet_steps)) {
                (Some(a), Some(f)) => format!("{a}, and {f},"),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => "write nothing".to_string(),
            };
            format!(
                "{} on {server}.{}",
                capitalise(&what),
                c.as_ref()
                    .map(|c| format!(" Then, only if every agent succeeds, {}.", cleanup(c)))
                    .unwrap_or_default()
            )
        }
    }
}

/// "create 2 canary agents and update 1", "update 1 canary agent", or nothing: only the
/// counts that are not zero, the noun on the first of them.
fn agent_writes(create: usize, update: usize, noun: &str) -> Option<String> {
    match (create, update) {
        (0, 0) => None,
        (c, 0) => Some(format!("create {}", count(c, noun))),
        (0, u) => Some(format!("update {}", count(u, noun))),
        (c, u) => Some(format!("create {} and update {u}", count(c, noun))),
    }
}

/// "make 3 shared-object changes", or nothing when there are none.
fn shared_writes(steps: usize) -> Option<String> {
    (steps > 0).then(|| format!("make {}", count(steps, "shared-object change")))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
