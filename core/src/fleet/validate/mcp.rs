//! MCP: the top-level `mcp_servers` and each agent's `mcp_tools` (lettactl's format).

use super::{kind_of, with, Walker};
use crate::fleet::integrations::{
    McpHttp, McpServerSpec, McpToolSelection, McpToolsSpec, McpTransport,
};
use crate::fleet::locate::Seg;
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

const HTTP_FIELDS: &[&str] = &[
    "name",
    "type",
    "server_url",
    "auth_header",
    "auth_token",
    "custom_headers",
];
const STDIO_FIELDS: &[&str] = &["name", "type", "command", "args", "env"];
const ANY_FIELDS: &[&str] = &[
    "name",
    "type",
    "server_url",
    "auth_header",
    "auth_token",
    "custom_headers",
    "command",
    "args",
    "env",
];
const MCP_TOOLS_FIELDS: &[&str] = &["server", "tools"];

/// Adds the variable names referenced as `${VAR}` or `$VAR` (lettactl's `[A-Z0-9_]+`).
pub(crate) fn variables_in(s: &str, out: &mut BTreeSet<String>) {
    let name_len = |t: &str| {
        t.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(t.len())
    };
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let n = name_len(inner);
            if n > 0 && inner[n..].starts_with('}') {
                out.insert(inner[..n].to_string());
                rest = &inner[n + 1..];
                continue;
            }
        } else {
            let n = name_len(after);
            if n > 0 {
                out.insert(after[..n].to_string());
                rest = &after[n..];
                continue;
            }
        }
        rest = after;
    }
}

/// Whether a header or variable name says its value is a credential (`Authorization`,
/// `X-Api-Key`, `GITHUB_TOKEN`, `accessToken`, …): only those are worth a warning when written
/// literally. Matched by words (split at `-`, `_`, `.` and lower-to-upper case changes), not
/// substrings, so `X-Author`, `KEYBOARD_LAYOUT` or `TOKENIZER_PATH` are not credentials.
fn names_a_credential(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "auth",
        "authorization",
        "key",
        "apikey",
        "credential",
        "credentials",
        "bearer",
        "pat",
    ];
    // These also end run-together words such as `APITOKEN` or `hfsecret`.
    const ENDINGS: &[&str] = &["token", "secret", "password", "passwd"];
    words(name)
        .iter()
        .any(|w| WORDS.contains(&w.as_str()) || ENDINGS.iter().any(|e| w.ends_with(e)))
}

/// The lower-case words of an identifier: `X-Api-Key` → x, api, key; `accessToken` → access,
/// token; `DB_PASSWORD` → db, password.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Walker<'_> {
    /// Warns when a credential is written into the fleet (no `${VAR}` in it): the file travels.
    fn literal_credential(&mut self, at: Vec<Seg>, value: &str, what: &'static str) {
        let mut refs = BTreeSet::new();
        variables_in(value, &mut refs);
        if refs.is_empty() {
            self.warn(
                at,
                Problem::InlineSecret(
                    what,
                    "'${NAME}' in its place reads it from the environment instead (the page asks for it in a form and keeps it in memory only)",
                ),
            );
        }
    }

    /// The top-level `mcp_servers`; also remembers their names for the agents' `mcp_tools`.
    pub(super) fn mcp_servers(&mut self, top: &Mapping) -> Vec<McpServerSpec> {
        let mut out: Vec<McpServerSpec> = Vec::new();
        let Some(v) = top.get("mcp_servers").filter(|v| !v.is_null()) else {
            return out;
        };
        let p = vec![Seg::from("mcp_servers")];
        for (i, s) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
            let sp = with(&p, i);
            match self.mcp_server(s, &sp) {
                Some(server) if out.iter().any(|o| o.name == server.name) => self.err(
                    with(&sp, "name"),
                    Problem::Duplicate {
                        what: "MCP server",
                        name: server.name,
                    },
                ),
                Some(server) => {
                    self.mcp_names.insert(server.name.clone());
                    out.push(server);
                }
                None => {
                    if let Some(name) = s.get("name").and_then(Value::as_str) {
                        self.mcp_names.insert(name.to_string());
                        self.broken.insert(("MCP server", name.to_string()));
                    }
                }
            }
        }
        out
    }

    fn mcp_server(&mut self, v: &Value, path: &[Seg]) -> Option<McpServerSpec> {
        let m = self.map(v, path, "an MCP server (a map with name and type)")?;
        let name = self.text(m, path, "name", true);
        let kind = self.text(m, path, "type", true);
        let mut vars = BTreeSet::new();
        let transport = match kind.as_deref() {
            None => {
                // Which fields are allowed depends on the type; without one, any of them.
                self.keys(m, path, ANY_FIELDS, &[]);
                None
            }
            Some(t @ ("sse" | "streamable_http")) => {
                self.keys(m, path, HTTP_FIELDS, &[]);
                let server_url = self.text(m, path, "server_url", true);
                let auth_header = self.opt_text(m, path, "auth_header");
                let auth_token = self.opt_text(m, path, "auth_token");
                let custom_headers = self.text_map(m, path, "custom_headers");
                let http = McpHttp {
                    server_url: server_url?,
                    auth_header,
                    auth_token,
                    custom_headers: custom_headers?,
                };
                variables_in(&http.server_url, &mut vars);
                for s in http.auth_header.iter().chain(&http.auth_token) {
                    variables_in(s, &mut vars);
                }
                if let Some(t) = &http.auth_token {
                    self.literal_credential(with(path, "auth_token"), t, "this MCP server's token");
                }
                for (k, v) in &http.custom_headers {
                    variables_in(k, &mut vars);
                    variables_in(v, &mut vars);
                    if names_a_credential(k) {
                        let at = with(&with(path, "custom_headers"), k.as_str());
                        self.literal_credential(at, v, "this header's credential");
                    }
                }
                Some(if t == "sse" {
                    McpTransport::Sse(http)
                } else {
                    McpTransport::StreamableHttp(http)
                })
            }
            Some("stdio") => {
                self.keys(m, path, STDIO_FIELDS, &[]);
                let command = self.text(m, path, "command", true);
                let args = self.text_list(m, path, "args");
                let env = self.text_map(m, path, "env");
                let (command, args, env) = (command?, args?, env?);
                for s in std::iter::once(&command).chain(&args) {
                    variables_in(s, &mut vars);
                }
                for (k, v) in &env {
                    variables_in(k, &mut vars);
                    variables_in(v, &mut vars);
                    if names_a_credential(k) {
                        let at = with(&with(path, "env"), k.as_str());
                        self.literal_credential(at, v, "this variable's credential");
                    }
                }
                Some(McpTransport::Stdio { command, args, env })
            }
            Some(other) => {
                self.err(with(path, "type"), Problem::McpType(other.to_string()));
                None
            }
        };
        Some(McpServerSpec {
            name: name?,
            transport: transport?,
            variables: vars.into_iter().collect(),
        })
    }

    /// An optional list of text (`args`).
    fn text_list(&mut self, m: &Mapping, path: &[Seg], field: &'static str) -> Option<Vec<String>> {
        let Some(v) = m.get(field).filter(|v| !v.is_null()) else {
            return Some(Vec::new());
        };
        let fp = with(path, field);
        let list = self.list(v, &fp)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in list.iter().enumerate() {
            match self.scalar_text(item, &with(&fp, i)) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An optional map of text to text (`env`, `custom_headers`).
    fn text_map(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        field: &'static str,
    ) -> Option<BTreeMap<String, String>> {
        let Some(v) = m.get(field).filter(|v| !v.is_null()) else {
            return Some(BTreeMap::new());
        };
        let fp = with(path, field);
        let map = self.map(v, &fp, "a map of names to text")?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (k, v) in map {
            let Some(k) = k.as_str() else {
                self.err(fp.clone(), Problem::NonTextKey(format!("{k:?}")));
                ok = false;
                continue;
            };
            match self.scalar_text(v, &with(&fp, k)) {
                Some(s) => {
                    out.insert(k.to_string(), s);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Text, or a number or boolean written without quotes (lettactl passes them through as
    /// text: `PORT: 8080`).
    fn scalar_text(&mut self, v: &Value, path: &[Seg]) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.err(
                    path.to_vec(),
                    Problem::WrongType {
                        expected: "text",
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }

    /// An agent's `mcp_tools`: each names a server of the fleet's `mcp_servers`.
    pub(super) fn mcp_tools(&mut self, m: &Mapping, path: &[Seg]) -> Vec<McpToolsSpec> {
        let mut out: Vec<McpToolsSpec> = Vec::new();
        let Some(v) = m.get("mcp_tools").filter(|v| !v.is_null()) else {
            return out;
        };
        let tp = with(path, "mcp_tools");
        for (i, e) in self.list(v, &tp).unwrap_or_default().iter().enumerate() {
            let ep = with(&tp, i);
            let Some(em) = self.map(e, &ep, "a map with server and tools") else {
                continue;
            };
            self.keys(em, &ep, MCP_TOOLS_FIELDS, &[]);
            let server = self.text(em, &ep, "server", true);
            let tools = self.mcp_selection(em, &ep);
            let (Some(server), Some(tools)) = (server, tools) else {
                continue;
            };
            if self.broken.contains(&("MCP server", server.clone())) {
                continue;
            }
            if !self.mcp_names.contains(&server) {
                let known = self.mcp_names.iter().cloned().collect();
                self.err(
                    with(&ep, "server"),
                    Problem::UnknownMcpServer {
                        name: server,
                        known,
                    },
                );
            } else if out.iter().any(|o| o.server == server) {
                self.err(
                    with(&ep, "server"),
                    Problem::Duplicate {
                        what: "mcp_tools server",
                        name: server,
                    },
                );
            } else {
                out.push(McpToolsSpec { server, tools });
            }
        }
        out
    }

    /// `tools` of an `mcp_tools` entry: omitted or `all`, or a list of tool names.
    fn mcp_selection(&mut self, m: &Mapping, path: &[Seg]) -> Option<McpToolSelection> {
        let tp = with(path, "tools");
        match m.get("tools") {
            None | Some(Value::Null) => Some(McpToolSelection::All),
            Some(Value::String(s)) if s == "all" => Some(McpToolSelection::All),
            Some(Value::Sequence(list)) => {
                let mut names: Vec<String> = Vec::new();
                let mut ok = true;
                for (i, t) in list.iter().enumerate() {
                    match self.text_value(t, &with(&tp, i), "tools", true) {
                        Some(n) if !names.contains(&n) => names.push(n),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                ok.then_some(McpToolSelection::Named(names))
            }
            Some(other) => {
                self.err(
                    tp,
                    Problem::WrongType {
                        expected: "\"all\" or a list of tool names",
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }
}
