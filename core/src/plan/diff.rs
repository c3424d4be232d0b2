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
        TextChange::Words(word_spans(old, new))
    }
}

/// Word runs of two single-line texts: equal runs on both sides, deleted and inserted runs,
/// adjacent runs of the same kind merged.
pub fn word_spans(old: &str, new: &str) -> Vec<Span> {
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
    out
}

/// One row of a line diff laid out for review: a gap between hunks, or a line on the old side,
/// the new side or both. A changed line paired with its replacement carries word runs, so the
/// view can mark the words that changed inside it; `old` holds only equal and deleted runs,
/// `new` only equal and inserted ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DiffRow {
    /// Unchanged lines left out between hunks.
    Gap,
    /// A line: the same on both sides (`changed` false), or changed, added or removed.
    Line {
        /// The old line's runs; `None` for an added line.
        old: Option<Vec<Span>>,
        /// The new line's runs; `None` for a removed line.
        new: Option<Vec<Span>>,
        /// Whether the line differs.
        changed: bool,
    },
}

fn whole(tag: Tag, text: &str) -> Vec<Span> {
    vec![Span {
        tag,
        text: text.to_string(),
    }]
}

/// Lays out a line diff ([`TextChange::Lines`]) as rows for unified and side-by-side views: a
/// run of deleted lines followed by inserted lines is paired line by line, each pair word-diffed
/// (why: in a long prompt a one-word edit would otherwise show as two whole lines); what is left
/// over of the longer run stays a plain removal or addition.
pub fn diff_rows(lines: &[Option<Span>]) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            None => {
                rows.push(DiffRow::Gap);
                i += 1;
            }
            Some(s) if s.tag == Tag::Equal => {
                rows.push(DiffRow::Line {
                    old: Some(whole(Tag::Equal, &s.text)),
                    new: Some(whole(Tag::Equal, &s.text)),
                    changed: false,
                });
                i += 1;
            }
            Some(_) => {
                let mut dels = Vec::new();
                let mut inss = Vec::new();
                while let Some(Some(s)) = lines.get(i) {
                    match s.tag {
                        Tag::Delete if inss.is_empty() => dels.push(s.text.as_str()),
                        Tag::Insert => inss.push(s.text.as_str()),
                        _ => break,
                    }
                    i += 1;
                }
                for k in 0..dels.len().max(inss.len()) {
                    let (old, new) = match (dels.get(k), inss.get(k)) {
                        (Some(o), Some(n)) => {
                            let spans = word_spans(o, n);
                            let side = |keep: Tag| {
                                spans
                                    .iter()
                                    .filter(|s| s.tag == Tag::Equal || s.tag == keep)
                                    .cloned()
                                    .collect::<Vec<_>>()
                            };
                            (Some(side(Tag::Delete)), Some(side(Tag::Insert)))
                        }
                        (Some(o), None) => (Some(whole(Tag::Delete, o)), None),
                        (None, Some(n)) => (None, Some(whole(Tag::Insert, n))),
                        (None, None) => (None, None),
                    };
                    rows.push(DiffRow::Line {
                        old,
                        new,
                        changed: true,
                    });
                }
            }
        }
    }
    rows
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

    #[test]
    fn rows_pair_changed_lines_and_mark_changed_words() {
        let TextChange::Lines(l) = diff_text(
            "You are helpful.\nAnswer in English.\nBe brief.\n",
            "You are helpful.\nAnswer in plain English.\nBe brief.\nSign off.\n",
        ) else {
            panic!("multi-line gives a line diff")
        };
        let rows = diff_rows(&l);
        let changed: Vec<_> = rows
            .iter()
            .filter(|r| matches!(r, DiffRow::Line { changed: true, .. }))
            .collect();
        assert_eq!(
            changed.len(),
            2,
            "one edited line, one added line: {rows:?}"
        );
        let DiffRow::Line {
            old: Some(old),
            new: Some(new),
            ..
        } = changed[0]
        else {
            panic!("the edited line is paired with its replacement")
        };
        assert!(old.iter().all(|s| s.tag != Tag::Insert));
        let inserted: String = new
            .iter()
            .filter(|s| s.tag == Tag::Insert)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(inserted.trim(), "plain", "only the new word is marked");
        assert!(matches!(
            changed[1],
            DiffRow::Line {
                old: None,
                new: Some(_),
                ..
            }
        ));
        let unchanged = rows
            .iter()
            .filter(|r| matches!(r, DiffRow::Line { changed: false, .. }))
            .count();
        assert_eq!(unchanged, 2);
    }
}
