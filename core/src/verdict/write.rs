//! Writing cases back into a test file (replayed pairs saved as suite cases).

use super::checks::Check;
use super::suite::Case;
use serde_yaml::{Mapping, Value};

/// Why cases could not be added to a test file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The file is not YAML.
    #[error("the test file is not valid YAML ({0}); fix it before saving cases into it")]
    NotYaml(String),
    /// The file is not a suite map.
    #[error("the test file must be a map with a 'cases' list to save cases into it")]
    NotASuite,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// A case as suite YAML.
pub fn case_value(c: &Case) -> Value {
    let mut m = Mapping::new();
    m.insert(s("name"), s(&c.name));
    m.insert(
        s("input"),
        if c.turns.len() == 1 {
            s(&c.turns[0])
        } else {
            Value::Sequence(c.turns.iter().map(|t| s(t)).collect())
        },
    );
    if let Some(a) = &c.agents {
        m.insert(
            s("agents"),
            Value::Sequence(a.iter().map(|x| s(x)).collect()),
        );
    }
    let checks: Vec<Value> = c
        .checks
        .iter()
        .map(|cc| {
            let mut cm = Mapping::new();
            let (k, v) = match &cc.check {
                Check::Contains(t) => ("contains", s(t)),
                Check::NotContains(t) => ("not_contains", s(t)),
                Check::Regex(t) => ("regex", s(t)),
                Check::Exact(t) => ("exact", s(t)),
                Check::ToolCalled { name, arguments } => {
                    let mut tm = Mapping::new();
                    tm.insert(s("name"), s(name));
                    if !arguments.is_empty() {
                        let args = serde_yaml::to_value(arguments).unwrap_or(Value::Null);
                        tm.insert(s("arguments"), args);
                    }
                    ("tool_called", Value::Mapping(tm))
                }
                Check::SameAsProduction => ("same_as_production", Value::Bool(true)),
                Check::DiffersFromProduction => ("differs_from_production", Value::Bool(true)),
                Check::MaxLatencyMs(n) => ("max_latency_ms", Value::Number((*n).into())),
            };
            cm.insert(s(k), v);
            if let Some(t) = cc.turn {
                cm.insert(s("turn"), Value::Number((t as u64).into()));
            }
            Value::Mapping(cm)
        })
        .collect();
    if !checks.is_empty() {
        m.insert(s("checks"), Value::Sequence(checks));
    }
    Value::Mapping(m)
}

/// Adds cases to a test file (a new suite named `suite_name` when the file is empty).
/// Comments in the file are not kept: the YAML is written anew.
pub fn append_cases(yaml: &str, suite_name: &str, cases: &[Case]) -> Result<String, WriteError> {
    let mut root: Value = if yaml.trim().is_empty() {
        let mut m = Mapping::new();
        m.insert(s("name"), s(suite_name));
        Value::Mapping(m)
    } else {
        serde_yaml::from_str(yaml).map_err(|e| WriteError::NotYaml(e.to_string()))?
    };
    let Value::Mapping(m) = &mut root else {
        return Err(WriteError::NotASuite);
    };
    let list = m
        .entry(s("cases"))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if list.is_null() {
        *list = Value::Sequence(Vec::new());
    }
    let Value::Sequence(list) = list else {
        return Err(WriteError::NotASuite);
    };
    list.extend(cases.iter().map(case_value));
    serde_yaml::to_string(&root).map_err(|e| WriteError::NotYaml(e.to_string()))
}
