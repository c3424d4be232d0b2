//! Line and word diffs of long text changes (prompts, block values), as plain data.
//!
//! The diff engine is `similar`; this module only turns its output into a small serialisable
//! shape that the text renderer and the web view both draw.

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

/// What a diff span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    /// Same on both sides.
    Equal,
    /// Only in the new text.
    Insert,
    /// Only in the old text.
    Delete,
}

/// One piece of a diff: a line (line diff) or a word run (word diff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Kind of span.
    pub tag: Tag,
    /// Its text (lines keep no trailing newline).
    pub text: String,
}

/// A diff between two texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "spans", rename_all = "lowercase")]
pub enum TextChange {
    /// Multi-line text: changed lines with up to two lines of context; `None` marks a gap.
    Lines(Vec<Option<Span>>),
    /// Single-line text: word runs.
    Words(Vec<Span>),
}

fn tag(t: ChangeTag) -> Tag {
    match t {
        ChangeTag::Equal => Tag::Equal,
        ChangeTag::Insert => Tag::Insert,
        ChangeTag::Delete => Tag::Delete,
    }
}

/// Diffs two texts: by line when either has several lines, by word otherwise.
pub fn diff_text(old: &str, new: &str) -> TextChange {
    if old.contains('\n') || new.contains('\n') {
        let diff = TextDiff::from_lines(old, new);
        let mut out = Vec::new();
        for (i, group) in diff.grouped_ops(2).iter().enumerate() {
            if i > 0 {
                out.push(None);
            }
            for op in group {
                for change in diff.iter_changes(op) {
                    out.push(Some(Span {
                        tag: tag(change.tag()),
                        text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                    }));
                }
            }
        }
        TextChange::Lines(out)
    } else {
        let diff = TextDiff::from_words(old, new);
        let mut out: Vec<Span> = Vec::new();
        for change in diff.iter_all_changes() {
            let t = tag(change.tag());
            match out.last_mut() {
                Some(last) if last.tag == t => last.text.push_str(change.value()),
                _ => out.push(Span {
                    tag: t,
                    text: change.value().to_string(),
                }),
            }
        }
        TextChange::Words(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_lines() {
        let TextChange::Words(w) = diff_text("be kind to all", "be very kind to all") else {
            panic!("single line gives a word diff")
        };
        assert!(w
            .iter()
            .any(|s| s.tag == Tag::Insert && s.text.contains("very")));
        let TextChange::Lines(l) = diff_text("a\nb\nc\n", "a\nB\nc\n") else {
            panic!("multi-line gives a line diff")
        };
        let changed: Vec<_> = l
            .iter()
            .flatten()
            .filter(|s| s.tag != Tag::Equal)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(changed, vec!["b", "B"]);
    }
}
