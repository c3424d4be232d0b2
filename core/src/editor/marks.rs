//! Error marks: the span of the text a diagnostic is about, to underline it where it is.
//!
//! Validation locates a problem at the start of a YAML node (line and column, in characters).
//! A mark widens that point to the token there — a scalar, a quoted string, a flow collection
//! or a map entry up to its comment — and, for an unknown field, moves to the key itself,
//! because the node located for `sytem_prompt:` is its value, often on the next line.

use super::tokens::{scan, State, Tok};
use super::LineIndex;
use crate::fleet::{Diagnostic, Problem, Severity};
use std::ops::Range;

/// How many lines above its value an unknown field's key is looked for.
const KEY_REACH: usize = 40;

/// A diagnostic at its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// 0-based line.
    pub line: usize,
    /// Bytes of that line; empty at the end of a blank line.
    pub range: Range<usize>,
    /// An error (else a warning).
    pub error: bool,
    /// The diagnostic's message.
    pub message: String,
    /// For an unknown field with a close known one: the text to put in `range` instead.
    pub fix: Option<&'static str>,
}

/// The span of `line` (whose tokenizer state is `state`) that a problem located at 1-based
/// character `column` is about.
pub fn mark_span(line: &str, state: State, column: usize) -> Range<usize> {
    let at = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let mut toks = Vec::new();
    scan(line, state, &mut |s| toks.push(s));
    // The content of the line, its comment left out.
    let content_end = toks
        .iter()
        .rev()
        .find(|s| s.tok != Tok::Comment)
        .map_or(0, |s| s.end);
    let content_start = toks.first().map_or(line.len(), |s| s.start);
    match toks.iter().find(|s| s.end > at && s.tok != Tok::Comment) {
        _ if at >= content_end => content_start.min(content_end)..content_end,
        // A map or list that starts here: the whole entry.
        Some(s) if matches!(s.tok, Tok::Key | Tok::Punct) => s.start.max(at)..content_end,
        Some(s) => s.start.max(at)..s.end,
        None => at..content_end,
    }
}

/// The key span of `field` at or above `line`, left of byte `before` on that line.
fn key_span(
    text: &str,
    ix: &LineIndex,
    line: usize,
    before: usize,
    field: &str,
) -> Option<(usize, Range<usize>)> {
    (line.saturating_sub(KEY_REACH)..=line).rev().find_map(|n| {
        let l = ix.line(text, n);
        let mut hit = None;
        scan(l, ix.state(n), &mut |s| {
            let k = l[s.start..s.end].trim_matches(|c| c == '"' || c == '\'');
            if hit.is_none() && s.tok == Tok::Key && k == field && (n < line || s.start < before) {
                hit = Some(s.start..s.end);
            }
        });
        hit.map(|r| (n, r))
    })
}

/// The marks of the diagnostics that have a line, for `text` as indexed by `ix`.
pub fn marks<'d>(
    text: &str,
    ix: &LineIndex,
    diags: impl IntoIterator<Item = &'d Diagnostic>,
) -> Vec<Mark> {
    diags
        .into_iter()
        .filter_map(|d| {
            let n = d.line?.checked_sub(1)?;
            let line = ix.line(text, n);
            let span = mark_span(line, ix.state(n), d.column.unwrap_or(1));
            let (n, range, fix) = match &d.problem {
                Problem::UnknownField {
                    field, suggestion, ..
                } => match key_span(text, ix, n, span.start + 1, field) {
                    Some((k, r)) => (k, r, *suggestion),
                    None => (n, span, None),
                },
                _ => (n, span, None),
            };
            Some(Mark {
                line: n,
                range,
                error: d.severity == Severity::Error,
                message: d.message.clone(),
                fix,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{load_fleet, FileSet};

    #[test]
    fn spans_of_tokens() {
        let s = State::default();
        assert_eq!(mark_span("    limit: 5 # x", s, 12), 11..12);
        assert_eq!(mark_span("  - name: bad name", s, 11), 10..18);
        assert_eq!(
            mark_span("  - name: a", s, 5),
            4..11,
            "a map starting here: the entry"
        );
        assert_eq!(mark_span("  x: {a: 1} # c", s, 6), 5..11);
        assert_eq!(mark_span("  x: 'a b'", s, 6), 5..10);
        assert_eq!(
            mark_span("  x:", s, 5),
            2..4,
            "past the content: the whole line"
        );
        assert_eq!(mark_span("", s, 1), 0..0);
        assert_eq!(mark_span("  é: ü", s, 6), 6..8, "columns are characters");
    }

    #[test]
    fn unknown_fields_are_marked_at_their_key_with_the_fix() {
        let yaml = "agents:\n  - name: a\n    sytem_prompt:\n      value: hi\n    colour: {r: 1}\n";
        let r = load_fleet(yaml, &FileSet::new());
        let ix = LineIndex::new(yaml);
        let m = marks(yaml, &ix, &r.errors);
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.line, &yaml_line(yaml, m.line)[m.range.clone()], m.fix))
            .collect();
        assert!(
            got.contains(&(2, "sytem_prompt", Some("system_prompt"))),
            "{got:?}"
        );
        assert!(got.contains(&(4, "colour", None)), "{got:?}");
        assert!(m.iter().all(|m| m.error));
        assert!(r
            .errors
            .iter()
            .any(|d| d.message.contains("did you mean 'system_prompt'?")));
    }

    fn yaml_line(t: &str, n: usize) -> &str {
        t.lines().nth(n).unwrap_or("")
    }
}
