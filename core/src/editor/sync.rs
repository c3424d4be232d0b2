//! Keeping the app's copy of the text in step with the browser editor's: the editor reports
//! each change as a replaced range (UTF-16 offsets) and its inserted text, and the copy is
//! edited in place, so a keystroke in a 1 MB fleet hands a few bytes to wasm, not the whole
//! text. The editor splits lines at `\r\n`, `\r` and `\n` and joins them with `\n`; text
//! given to it is normalised the same way first, so both copies have the same offsets.

use std::borrow::Cow;

/// One change the editor reports: `removed` UTF-16 units at `at` (an offset in the text as the
/// changes before this one left it) replaced by `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where the replaced range starts, in UTF-16 units.
    pub at: u32,
    /// How many UTF-16 units it removes.
    pub removed: u32,
    /// What it inserts.
    pub insert: String,
}

/// Why a change could not be applied: the copies no longer agree, and the caller must take
/// the editor's whole text instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfStep {
    /// The change's end, in UTF-16 units.
    pub end: u32,
    /// The text's length, in UTF-16 units.
    pub len: u32,
}

impl std::fmt::Display for OutOfStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the editor changed up to offset {} of a {}-unit text",
            self.end, self.len
        )
    }
}

/// `text` with its line breaks as the editor keeps them: `\r\n` and a lone `\r` become `\n`
/// (borrowed when there is no `\r`, the usual case).
pub fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Applies the editor's changes, in the order it reported them, to `text`. Stops at the first
/// one that does not fit (an offset past the end or inside a character): `text` then holds the
/// changes before it, and the caller resynchronises from the editor.
pub fn apply_changes(text: &mut String, changes: &[Change]) -> Result<(), OutOfStep> {
    for c in changes {
        let end = c.at.saturating_add(c.removed);
        let out = || OutOfStep {
            end,
            len: text.encode_utf16().count() as u32,
        };
        let from = bytes_of_units(text, c.at).ok_or_else(out)?;
        let to = from
            .checked_add(bytes_of_units(&text[from..], c.removed).ok_or_else(out)?)
            .ok_or_else(out)?;
        text.replace_range(from..to, &c.insert);
    }
    Ok(())
}

/// How many bytes from the start of `text` make `units` UTF-16 units: none when that is past
/// the end or inside a character. The common case, ASCII up to there, is a slice check (a word
/// at a time) rather than a walk over characters.
fn bytes_of_units(text: &str, units: u32) -> Option<usize> {
    let n = units as usize;
    if let Some(head) = text.as_bytes().get(..n) {
        if head.is_ascii() {
            return Some(n);
        }
    }
    let mut seen = 0usize;
    for (i, c) in text.char_indices() {
        if seen == n {
            return Some(i);
        }
        if seen > n {
            return None;
        }
        seen += c.len_utf16();
    }
    (seen == n).then_some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(at: u32, removed: u32, insert: &str) -> Change {
        Change {
            at,
            removed,
            insert: insert.into(),
        }
    }

    #[test]
    fn applies_changes_in_order() {
        let mut t = String::from("name: a\nlimit: 5\n");
        apply_changes(&mut t, &[ch(6, 1, "agent"), ch(19, 1, "50")]).unwrap();
        assert_eq!(t, "name: agent\nlimit: 50\n");
        apply_changes(&mut t, &[ch(0, 0, "# fleet\n")]).unwrap();
        assert_eq!(t, "# fleet\nname: agent\nlimit: 50\n");
        apply_changes(&mut t, &[ch(0, 30, "")]).unwrap();
        assert_eq!(t, "");
    }

    #[test]
    fn counts_utf16_units() {
        let mut t = String::from("é😀x");
        apply_changes(&mut t, &[ch(1, 2, "y")]).unwrap();
        assert_eq!(t, "éyx", "the emoji is two units");
        apply_changes(&mut t, &[ch(3, 0, "!")]).unwrap();
        assert_eq!(t, "éyx!");
    }

    #[test]
    fn refuses_changes_that_do_not_fit() {
        let mut t = String::from("ab😀");
        assert_eq!(
            apply_changes(&mut t, &[ch(3, 1, "")]),
            Err(OutOfStep { end: 4, len: 4 }),
            "inside the emoji"
        );
        assert_eq!(
            apply_changes(&mut t, &[ch(0, 1, "A"), ch(9, 0, "x")]),
            Err(OutOfStep { end: 9, len: 4 })
        );
        assert_eq!(t, "Ab😀", "the changes before the misfit stay applied");
    }

    #[test]
    fn normalizes_line_breaks_like_the_editor() {
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
        assert_eq!(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }

    /// Random edits applied both ways, in place and to the whole UTF-16 text, agree.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_whole_text_replacement() {
        use proptest::prelude::*;
        proptest!(ProptestConfig::with_cases(300), |(base in "[a-zé😀\n ]{0,40}", edits in proptest::collection::vec((0usize..50, 0usize..5, "[x😀\n]{0,3}"), 1..5))| {
            let mut t = base.clone();
            for (at, removed, insert) in edits {
                let units: Vec<u16> = t.encode_utf16().collect();
                let at = at.min(units.len());
                let removed = removed.min(units.len() - at);
                let whole = String::from_utf16(&[&units[..at], &insert.encode_utf16().collect::<Vec<_>>()[..], &units[at + removed..]].concat());
                // An offset between the two halves of a surrogate pair is inside a character.
                let inside = |i: usize| units.get(i).is_some_and(|u| (0xDC00..0xE000).contains(u));
                let misfit = inside(at) || inside(at + removed);
                let before = t.clone();
                match (whole, apply_changes(&mut t, &[ch(at as u32, removed as u32, &insert)])) {
                    (Ok(w), Ok(())) => prop_assert_eq!(&t, &w),
                    (_, Err(_)) if misfit => prop_assert_eq!(&t, &before),
                    (w, r) => prop_assert!(false, "{:?} vs {:?}", w, r),
                }
            }
        });
    }
}
