//! The walk over a test file's YAML: every rule checked, every problem collected with its
//! YAML path (positions are added by [`super::suite::parse_suite`]).

use super::checks::Check;
use super::dataset::{self, DatasetCheck};
use super::suite::{Case, CaseCheck, Suite, SuiteDiagnostic, SuiteProblem};
use crate::fleet::locate::Seg;
use crate::fleet::FileSet;
use serde_json::Map;
use serde_yaml::Value;

const TOP: &[&str] = &[
    "name",
    "description",
    "agents",
    "max_concurrent",
    "max_samples",
    "dataset",
    "dataset_check",
    "cases",
];
const CASE: &[&str] = &["name", "input", "agents", "checks"];
const TOOL: &[&str] = &["name", "arguments"];

pub(super) type Path = Vec<Seg>;

fn with(path: &[Seg], seg: impl Into<Seg>) -> Path {
    let mut p = path.to_vec();
    p.push(seg.into());
    p
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Collects problems while walking the YAML.
pub(super) struct Walk<'a> {
    pub(super) known_agents: Vec<String>,
    pub(super) files: &'a FileSet,
    pub(super) found: Vec<(Path, SuiteProblem)>,
    pub(super) dataset_errors: Vec<SuiteDiagnostic>,
}

impl Walk<'_> {
    fn err(&mut self, path: Path, p: SuiteProblem) {
        self.found.push((path, p));
    }

    fn map<'v>(
        &mut self,
        v: &'v Value,
        path: &[Seg],
        allowed: &'static [&'static str],
    ) -> Option<&'v serde_yaml::Mapping> {
        let Value::Mapping(m) = v else {
            self.err(
                path.to_vec(),
                SuiteProblem::WrongType {
                    expected: "a map",
                    found: kind(v),
                },
            );
            return None;
        };
        for k in m.keys() {
            let name = k
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{k:?}"));
            if !allowed.contains(&name.as_str()) {
                self.err(
                    with(path, name.as_str()),
                    SuiteProblem::UnknownField {
                        field: name,
                        allowed,
                    },
                );
            }
        }
        Some(m)
    }

    fn text(&mut self, v: &Value, path: Path, field: &'static str) -> Option<String> {
        match v {
            Value::String(s) if s.trim().is_empty() => {
                self.err(path, SuiteProblem::Empty(field));
                None
            }
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.err(
                    path,
                    SuiteProblem::WrongType {
                        expected: "text",
                        found: kind(other),
                    },
                );
                None
            }
        }
    }

    fn number(
        &mut self,
        v: &Value,
        path: Path,
        field: &'static str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.err(path, SuiteProblem::OutOfRange { field, min, max });
                None
            }
        }
    }

    fn agents(&mut self, v: &Value, path: &[Seg]) -> Option<Vec<String>> {
        let items: Vec<(Path, &Value)> = match v {
            Value::Sequence(s) => s
                .iter()
                .enumerate()
                .map(|(i, x)| (with(path, i), x))
                .collect(),
            Value::String(_) => vec![(path.to_vec(), v)],
            other => {
                self.err(
                    path.to_vec(),
                    SuiteProblem::WrongType {
                        expected: "a list of agent names",
                        found: kind(other),
                    },
                );
                return None;
            }
        };
        let mut out = Vec::new();
        for (p, x) in items {
            let Some(name) = self.text(x, p.clone(), "agent name") else {
                continue;
            };
            if !self.known_agents.is_empty() && !self.known_agents.contains(&name) {
                let known = self.known_agents.clone();
                self.err(p, SuiteProblem::UnknownAgent { name, known });
                continue;
            }
            out.push(name);
        }
        Some(out)
    }

    fn turns(&mut self, v: &Value, path: Path) -> Option<Vec<String>> {
        match v {
            Value::Sequence(s) if s.is_empty() => {
                self.err(path, SuiteProblem::Empty("input"));
                None
            }
            Value::Sequence(s) => {
                let turns: Vec<Option<String>> = s
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.text(x, with(&path, i), "input"))
                    .collect();
                turns.into_iter().collect()
            }
            other => self.text(other, path, "input").map(|t| vec![t]),
        }
    }

    fn check(&mut self, v: &Value, path: &[Seg], turns: usize) -> Option<CaseCheck> {
        let Value::Mapping(m) = v else {
            // `- same_as_production` written as a bare word.
            if let Some(s) = v.as_str() {
                if Check::NAMES.contains(&s) {
                    self.err(path.to_vec(), SuiteProblem::CheckShape);
                } else {
                    self.err(path.to_vec(), SuiteProblem::UnknownCheck(s.to_string()));
                }
            } else {
                self.err(
                    path.to_vec(),
                    SuiteProblem::WrongType {
                        expected: "a check map such as {contains: text}",
                        found: kind(v),
                    },
                );
            }
            return None;
        };
        let mut turn = None;
        let mut checks: Vec<(String, &Value)> = Vec::new();
        let mut ok = true;
        for (k, val) in m {
            let name = k.as_str().unwrap_or_default().to_string();
            if name == "turn" {
                match val.as_u64() {
                    Some(t) if t >= 1 && (t as usize) <= turns => turn = Some(t as usize),
                    _ => {
                        self.err(
                            with(path, "turn"),
                            SuiteProblem::BadTurn {
                                turn: val.as_u64().unwrap_or(0),
                                turns,
                            },
                        );
                        ok = false;
                    }
                }
            } else if Check::NAMES.contains(&name.as_str()) {
                checks.push((name, val));
            } else {
                self.err(with(path, name.as_str()), SuiteProblem::UnknownCheck(name));
                ok = false;
            }
        }
        if checks.len() != 1 {
            if ok {
                self.err(path.to_vec(), SuiteProblem::CheckShape);
            }
            return None;
        }
        let (name, val) = checks.remove(0);
        let p = with(path, name.as_str());
        let check = match name.as_str() {
            "contains" => Check::Contains(self.text(val, p, "contains")?),
            "not_contains" => Check::NotContains(self.text(val, p, "not_contains")?),
            "exact" => Check::Exact(self.text(val, p, "exact")?),
            "regex" => {
                let pattern = self.text(val, p.clone(), "regex")?;
                if let Err(e) = regex_lite::Regex::new(&pattern) {
                    self.err(
                        p,
                        SuiteProblem::BadRegex {
                            pattern,
                            error: e.to_string(),
                        },
                    );
                    return None;
                }
                Check::Regex(pattern)
            }
            "tool_called" => self.tool_check(val, &p)?,
            "same_as_production" => {
                self.flag(val, p, "same_as_production", Check::SameAsProduction)?
            }
            "differs_from_production" => self.flag(
                val,
                p,
                "differs_from_production",
                Check::DiffersFromProduction,
            )?,
            "max_latency_ms" => {
                Check::MaxLatencyMs(self.number(val, p, "max_latency_ms", 1, 3_600_000)?)
            }
            _ => return None,
        };
        Some(CaseCheck { check, turn })
    }

    fn flag(&mut self, v: &Value, p: Path, name: &'static str, c: Check) -> Option<Check> {
        if v.as_bool() == Some(true) {
            Some(c)
        } else {
            self.err(p, SuiteProblem::FlagNotTrue(name));
            None
        }
    }

    fn tool_check(&mut self, v: &Value, p: &[Seg]) -> Option<Check> {
        if v.is_string() {
            let name = self.text(v, p.to_vec(), "tool_called")?;
            return Some(Check::ToolCalled {
                name,
                arguments: Map::new(),
            });
        }
        let m = self.map(v, p, TOOL)?;
        let name = match m.get("name") {
            Some(n) => self.text(n, with(p, "name"), "name")?,
            None => {
                self.err(p.to_vec(), SuiteProblem::Missing("name"));
                return None;
            }
        };
        let arguments = match m.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(a @ Value::Mapping(_)) => match serde_json::to_value(a) {
                Ok(serde_json::Value::Object(o)) => o,
                _ => {
                    self.err(
                        with(p, "arguments"),
                        SuiteProblem::WrongType {
                            expected: "a map of argument values",
                            found: "something else",
                        },
                    );
                    return None;
                }
            },
            Some(other) => {
                self.err(
                    with(p, "arguments"),
                    SuiteProblem::WrongType {
                        expected: "a map of argument values",
                        found: kind(other),
                    },
                );
                return None;
            }
        };
        Some(Check::ToolCalled { name, arguments })
    }

    fn case(&mut self, v: &Value, path: &[Seg], index: usize) -> Option<Case> {
        let m = self.map(v, path, CASE)?;
        let name = match m.get("name") {
            Some(n) => self.text(n, with(path, "name"), "name"),
            None => Some(format!("case {}", index + 1)),
        };
        let turns = match m.get("input") {
            Some(i) => self.turns(i, with(path, "input")),
            None => {
                self.err(path.to_vec(), SuiteProblem::Missing("input"));
                None
            }
        };
        let agents = m
            .get("agents")
            .map(|a| self.agents(a, &with(path, "agents")));
        let n_turns = turns.as_ref().map_or(usize::MAX, Vec::len);
        let mut checks = Vec::new();
        let mut checks_ok = true;
        match m.get("checks") {
            None | Some(Value::Null) => {}
            Some(Value::Sequence(s)) => {
                for (i, c) in s.iter().enumerate() {
                    match self.check(c, &with(&with(path, "checks"), i), n_turns) {
                        Some(c) => checks.push(c),
                        None => checks_ok = false,
                    }
                }
            }
            Some(other) => {
                self.err(
                    with(path, "checks"),
                    SuiteProblem::WrongType {
                        expected: "a list of checks",
                        found: kind(other),
                    },
                );
                checks_ok = false;
            }
        }
        let agents = match agents {
            Some(Some(a)) => Some(a),
            Some(None) => return None,
            None => None,
        };
        if !checks_ok {
            return None;
        }
        Some(Case {
            name: name?,
            turns: turns?,
            agents,
            checks,
        })
    }
}

pub(super) fn top(w: &mut Walk, root: &Value, _file: &str) -> Option<Suite> {
    let m = w.map(root, &[], TOP)?;
    let name = match m.get("name") {
        Some(n) => w.text(n, vec!["name".into()], "name"),
        None => {
            w.err(vec![], SuiteProblem::Missing("name"));
            None
        }
    };
    let description = m
        .get("description")
        .and_then(|d| w.text(d, vec!["description".into()], "description"));
    let agents = m.get("agents").map(|a| w.agents(a, &["agents".into()]));
    let max_concurrent = m
        .get("max_concurrent")
        .map(|v| w.number(v, vec!["max_concurrent".into()], "max_concurrent", 1, 32))
        .unwrap_or(Some(4));
    let max_samples = m
        .get("max_samples")
        .map(|v| w.number(v, vec!["max_samples".into()], "max_samples", 1, 100_000));
    let check = match m.get("dataset_check") {
        None => Some(DatasetCheck::Contains),
        Some(v) => match v.as_str().and_then(DatasetCheck::from_name) {
            Some(c) => Some(c),
            None => {
                let shown = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| kind(v).into());
                w.err(
                    vec!["dataset_check".into()],
                    SuiteProblem::BadDatasetCheck(shown),
                );
                None
            }
        },
    };
    let mut cases = Vec::new();
    let mut cases_ok = true;
    match m.get("cases") {
        None | Some(Value::Null) => {}
        Some(Value::Sequence(s)) => {
            for (i, c) in s.iter().enumerate() {
                match w.case(c, &["cases".into(), Seg::Index(i)], i) {
                    Some(c) => cases.push((i, c)),
                    None => cases_ok = false,
                }
            }
        }
        Some(other) => {
            w.err(
                vec!["cases".into()],
                SuiteProblem::WrongType {
                    expected: "a list of cases",
                    found: kind(other),
                },
            );
            cases_ok = false;
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in &cases {
        if !seen.insert(c.name.clone()) {
            w.err(
                vec!["cases".into(), Seg::Index(*i), "name".into()],
                SuiteProblem::DuplicateCase(c.name.clone()),
            );
        }
    }
    let mut cases: Vec<Case> = cases.into_iter().map(|(_, c)| c).collect();
    if let Some(d) = m.get("dataset") {
        if let Some(path) = w.text(d, vec!["dataset".into()], "dataset") {
            let path = crate::fleet::files::normalize_path(&path).unwrap_or(path);
            // Text of the file (the file set holds text or bytes, depending on its version).
            let text = w
                .files
                .get(&path)
                .map(|b| String::from_utf8_lossy(AsRef::<[u8]>::as_ref(b)).into_owned());
            match text {
                None => w.err(vec!["dataset".into()], SuiteProblem::DatasetMissing(path)),
                Some(text) => {
                    let text = text.as_str();
                    let limit = max_samples.flatten().map(|n| n as usize);
                    let (ds, errs) =
                        dataset::parse_dataset(&path, text, check.unwrap_or_default(), limit);
                    for c in ds {
                        if seen.insert(c.name.clone()) {
                            cases.push(c);
                        }
                    }
                    w.dataset_errors.extend(errs);
                }
            }
        }
    } else if cases.is_empty() && cases_ok {
        w.err(vec![], SuiteProblem::NoCases);
    }
    Some(Suite {
        name: name?,
        description,
        agents: match agents {
            Some(Some(a)) => Some(a),
            Some(None) => return None,
            None => None,
        },
        max_concurrent: max_concurrent? as usize,
        cases,
    })
}
