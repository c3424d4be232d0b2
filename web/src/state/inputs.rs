//! What a plan was computed from, and how it differs from what the page shows now.

use canary_core::client::Connection;
use canary_core::fleet::FileSet;
use canary_core::plan::{Mode, PlanOptions};

/// Everything a plan depends on that the page lets the user change. Execute compares the
/// reviewed plan's inputs with the page's: a plan must never run for a fleet, option or server
/// the user has since changed (issue 11: the page showed `RC2-` while `RC1-` canaries deployed).
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The fleet YAML.
    pub yaml: String,
    /// Its files.
    pub files: FileSet,
    /// Plan options.
    pub options: PlanOptions,
    /// The server connection.
    pub conn: Connection,
}

/// The label the mode selector shows for a mode.
pub fn mode_label(m: Mode) -> &'static str {
    match m {
        Mode::Canary => "Canary deploy",
        Mode::Promote => "Promote to production",
        Mode::Apply => "Production apply",
        Mode::Cleanup => "Clean up canaries",
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

fn agent_selection(a: &Option<Vec<String>>) -> String {
    match a {
        None => "all agents".into(),
        Some(v) if v.is_empty() => "no agent".into(),
        Some(v) => v.join(", "),
    }
}

impl Inputs {
    /// What differs between the inputs a plan was computed from (`self`) and the page's (`now`),
    /// one sentence per difference, in the words of the page; empty when they match.
    pub fn differences(&self, now: &Inputs) -> Vec<String> {
        let mut out = Vec::new();
        if self.yaml != now.yaml {
            out.push("the fleet text was edited".to_string());
        }
        if self.files != now.files {
            let list = |v: Vec<&String>| {
                v.into_iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let added: Vec<_> = now
                .files
                .keys()
                .filter(|k| !self.files.contains_key(k))
                .collect();
            let removed: Vec<_> = self
                .files
                .keys()
                .filter(|k| !now.files.contains_key(k))
                .collect();
            let edited: Vec<_> = self
                .files
                .iter()
                .filter(|(k, v)| now.files.get(k).is_some_and(|n| n != *v))
                .map(|(k, _)| k)
                .collect();
            for (what, v) in [("added", added), ("removed", removed), ("edited", edited)] {
                if !v.is_empty() {
                    out.push(format!(
                        "{} {what}: {}",
                        canary_core::wording::pick(v.len(), "file", "files"),
                        list(v)
                    ));
                }
            }
        }
        let (a, b) = (&self.options, &now.options);
        if a.mode != b.mode {
            out.push(format!(
                "mode: the plan is “{}”, the page says “{}”",
                mode_label(a.mode),
                mode_label(b.mode)
            ));
        }
        if a.prefix != b.prefix {
            out.push(format!(
                "prefix: the plan uses {}, the page says {}",
                a.prefix, b.prefix
            ));
        }
        if a.agents != b.agents {
            out.push(format!(
                "agents: the plan covers {}, the page selects {}",
                agent_selection(&a.agents),
                agent_selection(&b.agents)
            ));
        }
        for (name, x, y) in [
            ("Prune", a.prune, b.prune),
            (
                "Accept in-place tool updates",
                a.accept_tool_updates,
                b.accept_tool_updates,
            ),
            ("Every canary of the prefix", a.all_canaries, b.all_canaries),
            ("Then clean up canaries", a.cleanup_after, b.cleanup_after),
        ] {
            if x != y {
                out.push(format!(
                    "“{name}” is {} in the plan and {} on the page",
                    on_off(x),
                    on_off(y)
                ));
            }
        }
        if a.vars != b.vars {
            out.push("a variable's value changed".to_string());
        }
        let (c, d) = (&self.conn, &now.conn);
        if c.base_url != d.base_url {
            out.push(format!(
                "server: the plan was read from {}, the page is connected to {}",
                c.base_url, d.base_url
            ));
        }
        if c.project != d.project {
            out.push("the Letta Cloud project changed".to_string());
        }
        if c.api_key != d.api_key {
            out.push("the API key changed".to_string());
        }
        out
    }
}
