//! Indentation edits: Tab / Shift+Tab on the selected lines, Enter that keeps indentation.
//!
//! An edit is "replace `from..to` with `insert`, then select `sel`", in UTF-16 units, so the
//! browser can apply it with `execCommand("insertText")` and the textarea's own undo history
//! keeps it (assigning `value` would wipe that history).

use super::{byte_of_utf16, utf16_of_byte};

/// YAML indentation step.
const STEP: usize = 2;

/// Replace `from..to` (UTF-16 units) with `insert`, then select `sel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Start of the replaced range.
    pub from: u32,
    /// End of the replaced range.
    pub to: u32,
    /// The new text.
    pub insert: String,
    /// The selection afterwards (start, end).
    pub sel: (u32, u32),
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// Tab (`outdent` false) or Shift+Tab on the selection `start..end`. A caret with Tab inserts
/// two spaces; otherwise every touched line moves by two spaces (empty lines stay empty, and a
/// line with less indentation loses what it has). `None` when nothing would change.
pub fn indent(text: &str, start: u32, end: u32, outdent: bool) -> Option<Edit> {
    let (s, e) = (
        byte_of_utf16(text, start),
        byte_of_utf16(text, end.max(start)),
    );
    if !outdent && s == e {
        let n = start + STEP as u32;
        return Some(Edit {
            from: start,
            to: start,
            insert: " ".repeat(STEP),
            sel: (n, n),
        });
    }
    let first = line_start(text, s);
    // A selection that ends at the start of a line does not touch that line.
    let last_at = if e > s && text[..e].ends_with('\n') {
        e - 1
    } else {
        e
    };
    let last = line_end(text, last_at.max(first));
    let mut out = String::with_capacity(last - first + 16);
    let (mut delta, mut first_delta) = (0i64, None);
    for (k, line) in text[first..last].split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let d = if outdent {
            let n = line.bytes().take(STEP).take_while(|&c| c == b' ').count();
            out.push_str(&line[n..]);
            -(n as i64)
        } else if line.is_empty() {
            0
        } else {
            out.push_str("  ");
            out.push_str(line);
            STEP as i64
        };
        first_delta.get_or_insert(d);
        delta += d;
    }
    if delta == 0 {
        return None;
    }
    let from = utf16_of_byte(text, first);
    let to = utf16_of_byte(text, last);
    // Inserted and removed characters are spaces: one UTF-16 unit per byte.
    let moved = |at: u32, d: i64| (i64::from(at) + d).max(i64::from(from)) as u32;
    let sel_start = moved(start, first_delta.unwrap_or(0));
    let sel_end = moved(end.max(start), delta).max(sel_start);
    Some(Edit {
        from,
        to,
        insert: out,
        sel: (sel_start, sel_end),
    })
}

/// Enter at the selection: a line break and the indentation the next line most likely needs —
/// the current line's, deeper by two after a `key:` that opens a block, and under the key
/// after a `- key: value` list item.
pub fn newline(text: &str, start: u32, end: u32) -> Edit {
    let s = byte_of_utf16(text, start);
    let ls = line_start(text, s);
    let before = &text[ls..s];
    let indent = before.len() - before.trim_start_matches(' ').len();
    let mut col = indent;
    let mut rest = &before[indent..];
    while let Some(r) = rest.strip_prefix("- ") {
        let r2 = r.trim_start_matches(' ');
        if r2.contains(": ") || r2.trim_end().ends_with(':') {
            col += rest.len() - r2.len();
        }
        rest = r2;
    }
    if before.trim_end().ends_with(':') {
        col += STEP;
    }
    let insert = format!("\n{}", " ".repeat(col));
    let n = start + insert.len() as u32;
    Edit {
        from: start,
        to: end.max(start),
        insert,
        sel: (n, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies an edit to the text (UTF-16 offsets; the tests use ASCII).
    fn apply(text: &str, e: &Edit) -> String {
        format!(
            "{}{}{}",
            &text[..e.from as usize],
            e.insert,
            &text[e.to as usize..]
        )
    }

    #[test]
    fn tab_at_a_caret_inserts_two_spaces() {
        let e = indent("a:\nb", 3, 3, false).unwrap();
        assert_eq!(apply("a:\nb", &e), "a:\n  b");
        assert_eq!(e.sel, (5, 5));
    }

    #[test]
    fn tab_and_shift_tab_move_the_selected_lines() {
        let text = "a:\n  b: 1\n\n  c: 2\nd: 3\n";
        // From inside "b" to inside "c".
        let e = indent(text, 5, 14, false).unwrap();
        assert_eq!(apply(text, &e), "a:\n    b: 1\n\n    c: 2\nd: 3\n");
        assert_eq!(e.sel, (7, 18), "the selection follows its text");
        let out = indent(text, 5, 14, true).unwrap();
        assert_eq!(apply(text, &out), "a:\nb: 1\n\nc: 2\nd: 3\n");
        assert_eq!(out.sel, (3, 10));
        // A selection ending at the start of "d" leaves "d" alone.
        let e = indent(text, 3, 18, false).unwrap();
        assert!(apply(text, &e).ends_with("\nd: 3\n"));
        // Nothing to outdent.
        assert_eq!(indent(text, 0, 0, true), None);
        // Shift+Tab at a caret outdents its line; the caret stays on its character.
        let e = indent(" x", 2, 2, true).unwrap();
        assert_eq!((apply(" x", &e), e.sel), ("x".into(), (1, 1)));
    }

    #[test]
    fn enter_keeps_indentation() {
        let cases = [
            ("  name: a", "\n  "),
            ("  system_prompt:", "\n    "),
            ("  - name: a", "\n    "),
            ("  - - k: v", "\n      "),
            ("  - item", "\n  "),
            ("", "\n"),
        ];
        for (line, want) in cases {
            let at = line.len() as u32;
            let e = newline(line, at, at);
            assert_eq!(e.insert, want, "{line:?}");
            assert_eq!(e.sel.0, at + want.len() as u32);
        }
        let e = newline("ab", 1, 2);
        assert_eq!((e.from, e.to), (1, 2), "replaces the selection");
    }
}
