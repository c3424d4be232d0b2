//! letta-evals datasets: JSONL lines `{"input": …, "ground_truth": …}` become suite cases, so
//! teams reuse what they already have.
//!
//! As in letta-evals, `input` is a string or a list of turns, and `ground_truth` a string or
//! (for a list input) one entry per turn; the sample id comes from `sample_id` or `id`, else the
//! line. The grader is chosen once for the dataset (`dataset_check`), with letta-evals' names.

use super::checks::Check;
use super::suite::{Case, CaseCheck, SuiteDiagnostic, SuiteProblem};
use serde_json::Value;

/// How a dataset's `ground_truth` is checked (letta-evals' built-in grader functions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DatasetCheck {
    /// `contains`: the reply contains the ground truth (case-insensitive).
    #[default]
    Contains,
    /// `exact_match`: the trimmed reply equals the trimmed ground truth.
    ExactMatch,
    /// `regex_match`: the ground truth is a pattern the reply matches.
    RegexMatch,
}

impl DatasetCheck {
    /// By letta-evals' function name.
    pub fn from_name(s: &str) -> Option<DatasetCheck> {
        match s {
            "contains" => Some(DatasetCheck::Contains),
            "exact_match" | "exact" => Some(DatasetCheck::ExactMatch),
            "regex_match" | "regex" => Some(DatasetCheck::RegexMatch),
            _ => None,
        }
    }

    fn check(self, truth: String) -> Check {
        match self {
            DatasetCheck::Contains => Check::Contains(truth),
            DatasetCheck::ExactMatch => Check::Exact(truth),
            DatasetCheck::RegexMatch => Check::Regex(truth),
        }
    }
}

fn texts(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

/// Parses a dataset; returns the cases and an error per bad line (with its line number).
/// `limit` keeps the first N samples (`max_samples`).
pub fn parse_dataset(
    file: &str,
    text: &str,
    check: DatasetCheck,
    limit: Option<usize>,
) -> (Vec<Case>, Vec<SuiteDiagnostic>) {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    let mut err = |line: usize, msg: String| {
        errors.push(SuiteDiagnostic {
            message: msg.clone(),
            file: file.to_string(),
            path: String::new(),
            line: Some(line),
            column: None,
            problem: SuiteProblem::Dataset(msg),
        })
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if limit.is_some_and(|n| cases.len() >= n) {
            break;
        }
        let v: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                err(line, format!("not a JSON object: {e}"));
                continue;
            }
        };
        let Some(obj) = v.as_object() else {
            err(line, "each line must be a JSON object with 'input'".into());
            continue;
        };
        let Some(turns) = obj.get("input").and_then(texts).filter(|t| !t.is_empty()) else {
            err(
                line,
                "'input' must be a string or a non-empty list of strings".into(),
            );
            continue;
        };
        if turns.iter().any(|t| t.trim().is_empty()) {
            err(line, "'input' must not contain empty messages".into());
            continue;
        }
        let truths = match obj.get("ground_truth") {
            None | Some(Value::Null) => Vec::new(),
            Some(g) => match texts(g) {
                Some(t) => t,
                None => {
                    err(
                        line,
                        "'ground_truth' must be a string or a list of strings".into(),
                    );
                    continue;
                }
            },
        };
        let per_turn = matches!(obj.get("ground_truth"), Some(Value::Array(_)));
        if per_turn && !matches!(obj.get("input"), Some(Value::Array(_))) {
            err(
                line,
                "'ground_truth' cannot be a list when 'input' is a string".into(),
            );
            continue;
        }
        if per_turn && truths.len() != turns.len() {
            err(
                line,
                format!(
                    "'input' has {} turns but 'ground_truth' has {} entries; give one per turn",
                    turns.len(),
                    truths.len()
                ),
            );
            continue;
        }
        if check == DatasetCheck::RegexMatch {
            if let Some(bad) = truths.iter().find_map(|t| regex_lite::Regex::new(t).err()) {
                err(line, format!("'ground_truth' is not a valid regex: {bad}"));
                continue;
            }
        }
        let checks = truths
            .into_iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(n, t)| CaseCheck {
                check: check.check(t),
                turn: per_turn.then_some(n + 1),
            })
            .collect();
        let id = obj
            .get("sample_id")
            .or_else(|| obj.get("id"))
            .filter(|v| !v.is_null())
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            });
        cases.push(Case {
            name: match id {
                Some(id) => format!("{file}#{id}"),
                None => format!("{file}:{line}"),
            },
            turns,
            agents: None,
            checks,
        });
    }
    (cases, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letta_evals_lines() {
        let text = "{\"input\": \"Capital of France?\", \"ground_truth\": \"Paris\"}\n\n{\"input\": [\"a\", \"b\"], \"ground_truth\": [\"x\", \"y\"], \"id\": 7}\nnot json\n{\"input\": \"a\", \"ground_truth\": [\"x\"]}\n";
        let (cases, errors) = parse_dataset("d.jsonl", text, DatasetCheck::Contains, None);
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "d.jsonl:1");
        assert_eq!(cases[0].checks[0].check, Check::Contains("Paris".into()));
        assert_eq!(cases[1].name, "d.jsonl#7");
        assert_eq!(cases[1].turns, vec!["a", "b"]);
        assert_eq!(cases[1].checks[1].turn, Some(2));
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(4), Some(5)]);
        let (limited, _) = parse_dataset("d.jsonl", text, DatasetCheck::Contains, Some(1));
        assert_eq!(limited.len(), 1);
    }
}
