//! The fleet editor's pure logic: YAML tokens (where an error's mark goes), indentation edits,
//! find and error marks at their span.
//!
//! The browser editor is CodeMirror (web/editor/editor.js), which draws the text and keeps only
//! the visible lines in the DOM; what is fleet specific is computed here, one line or one edit
//! at a time. Offsets that cross to the browser (selections, marks) are UTF-16 code units, the
//! unit of JavaScript strings; everything else is bytes.

mod edit;
mod find;
mod marks;
mod sync;
mod tokens;

pub use edit::{indent, newline, Edit};
pub use find::{find_all, MAX_HITS};
pub use marks::{mark_span, marks, Mark};
pub use sync::{apply_changes, normalize_newlines, Change, OutOfStep};
pub use tokens::{scan, Span, State, Tok};

/// Where each line starts and the tokenizer state at its start, from one pass over the text.
/// Rebuilt per keystroke (cheap: no allocation per line), it lets the editor tokenize only the
/// lines on screen and still know when one of them is inside a block scalar (`|`, `>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    states: Vec<State>,
}

impl LineIndex {
    /// Indexes `text`; a final newline starts one more (empty) line, as editors show it.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let mut states = vec![State::default()];
        let mut state = State::default();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            at += line.len();
            // Only a line with `|` or `>` can open a block scalar; inside one, scan decides.
            if state.in_block() || line.bytes().any(|c| c == b'|' || c == b'>') {
                state = scan(trim_eol(line), state, &mut |_| {});
            }
            if line.ends_with('\n') {
                starts.push(at);
                states.push(state);
            }
        }
        LineIndex { starts, states }
    }

    /// Number of lines (at least one).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Never empty: an empty text has one empty line.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Byte offset where line `n` (0-based) starts.
    pub fn start(&self, n: usize) -> usize {
        self.starts.get(n).copied().unwrap_or(usize::MAX)
    }

    /// Line `n` (0-based) of `text` without its line break; empty past the end.
    pub fn line<'t>(&self, text: &'t str, n: usize) -> &'t str {
        let Some(&s) = self.starts.get(n) else {
            return "";
        };
        let e = self.starts.get(n + 1).copied().unwrap_or(text.len());
        text.get(s..e).map(trim_eol).unwrap_or("")
    }

    /// The tokenizer state at the start of line `n`.
    pub fn state(&self, n: usize) -> State {
        self.states.get(n).copied().unwrap_or_default()
    }

    /// The 0-based line that holds byte `at`.
    pub fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).saturating_sub(1)
    }
}

fn trim_eol(line: &str) -> &str {
    let l = line.strip_suffix('\n').unwrap_or(line);
    l.strip_suffix('\r').unwrap_or(l)
}

/// Byte offset of a UTF-16 offset (a textarea's `selectionStart`), clamped to the text and to a
/// character boundary.
pub fn byte_of_utf16(text: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (i, c) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16() as u32;
    }
    text.len()
}

/// UTF-16 offset of a byte offset, for setting a textarea's selection.
pub fn utf16_of_byte(text: &str, byte: usize) -> u32 {
    let end = byte.min(text.len());
    text.char_indices()
        .take_while(|(i, _)| *i < end)
        .map(|(_, c)| c.len_utf16() as u32)
        .sum()
}

/// UTF-16 offsets of many byte offsets in one pass over the text when they come in ascending
/// order (the marks of 2,000 errors in a 1 MB fleet: [`utf16_of_byte`] for each would scan the
/// text 2,000 times). Offsets out of order or off a character boundary are still right, only
/// slower.
pub fn utf16_of_bytes(text: &str, bytes: impl IntoIterator<Item = usize>) -> Vec<u32> {
    let ascii = text.is_ascii();
    let (mut at, mut units) = (0usize, 0u32);
    bytes
        .into_iter()
        .map(|b| {
            let b = b.min(text.len());
            if ascii {
                return b as u32;
            }
            if b < at {
                (at, units) = (0, 0);
            }
            match text.get(at..b) {
                Some(s) => {
                    units += s.encode_utf16().count() as u32;
                    at = b;
                    units
                }
                None => utf16_of_byte(text, b),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_lines_and_block_scalars() {
        let text = "a: |\n  x: 1\n  y\nb: 2\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.len(), 5, "a final newline opens an empty line");
        assert_eq!(ix.line(text, 1), "  x: 1");
        assert_eq!(ix.line(text, 4), "");
        assert_eq!(ix.line(text, 9), "");
        assert_eq!(ix.line_of(ix.start(3)), 3);
        assert_eq!(ix.line_of(text.len()), 4);
        assert!(ix.state(1).in_block() && ix.state(2).in_block());
        assert!(
            !ix.state(4).in_block(),
            "the line at the key's indent ended the block"
        );
        assert_eq!(LineIndex::new("").len(), 1);
        assert_eq!(LineIndex::new("a\r\nb").line("a\r\nb", 0), "a");
    }

    #[test]
    fn converts_utf16_offsets() {
        let t = "é😀x";
        assert_eq!(byte_of_utf16(t, 1), 2);
        assert_eq!(byte_of_utf16(t, 3), 6, "the emoji is two UTF-16 units");
        assert_eq!(byte_of_utf16(t, 99), t.len());
        assert_eq!(utf16_of_byte(t, 6), 3);
        assert_eq!(utf16_of_byte(t, 99), 4);
        assert_eq!(
            utf16_of_bytes(t, [0, 2, 6, 7, 2, 99]),
            vec![0, 1, 3, 4, 1, 4]
        );
        assert_eq!(
            utf16_of_bytes(t, [3]),
            vec![utf16_of_byte(t, 3)],
            "inside a character"
        );
        assert_eq!(utf16_of_bytes("ab", [1, 5]), vec![1, 2]);
    }
}
