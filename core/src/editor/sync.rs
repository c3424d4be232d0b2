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

/// Applies the editor's changes, in the order it reported them, to `text`. One change (a
/// keystroke) is edited in place; several (an indent of every line, its undo) are applied in
/// one pass that copies the text once, so a change per line of a 1 MB fleet stays linear.
/// When one does not fit (an offset past the end or inside a character), `text` is left as it
/// was and the caller resynchronises from the editor.
pub fn apply_changes(text: &mut String, changes: &[Change]) -> Result<(), OutOfStep> {
    let misfit = |text: &str, c: &Change| OutOfStep {
        end: c.at.saturating_add(c.removed),
        len: text.encode_utf16().count() as u32,
    };
    if let [c] = changes {
        let from = bytes_of_units(text, c.at).ok_or_else(|| misfit(text, c))?;
        let len = bytes_of_units(&text[from..], c.removed).ok_or_else(|| misfit(text, c))?;
        text.replace_range(from..from + len, &c.insert);
        return Ok(());
    }
    // Each change's offset is in the text as the changes before it left it: the old text's
    // offset is that minus what those changes added. A cursor walks the old text once.
    let mut out =
        String::with_capacity(text.len() + changes.iter().map(|c| c.insert.len()).sum::<usize>());
    let (mut byte, mut unit) = (0usize, 0i64);
    let mut grown = 0i64;
    for c in changes {
        let old_at = i64::from(c.at) - grown;
        let skip = u32::try_from(old_at - unit).map_err(|_| misfit(text, c))?;
        let from = byte + bytes_of_units(&text[byte..], skip).ok_or_else(|| misfit(text, c))?;
        let to = from + bytes_of_units(&text[from..], c.removed).ok_or_else(|| misfit(text, c))?;
        out.push_str(&text[byte..from]);
        out.push_str(&c.insert);
        (byte, unit) = (to, old_at + i64::from(c.removed));
        grown += c.insert.encode_utf16().count() as i64 - i64::from(c.removed);
    }
    out.push_str(&text[byte..]);
    *text = out;
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
    fn applies_a_change_per_line_in_one_pass() {
        // An indent of every line, as CodeMirror reports it: each offset in the text as the
        // changes before it left it.
        let mut t = String::from("a\nb\nc");
        apply_changes(&mut t, &[ch(0, 0, "  "), ch(4, 0, "  "), ch(8, 0, "  ")]).unwrap();
        assert_eq!(t, "  a\n  b\n  c");
        // And its undo.
        apply_changes(&mut t, &[ch(0, 2, ""), ch(2, 2, ""), ch(4, 2, "")]).unwrap();
        assert_eq!(t, "a\nb\nc");
        // 22,000 lines with a non-ASCII character at the top, a change on each.
        let mut big = String::from("é\n") + &"  - name: x\n".repeat(22_000);
        let line = "  - name: x\n".len() as u32;
        let per_line: Vec<Change> = (0..22_000)
            .map(|i| ch(2 + i * (line + 1), 0, "#"))
            .collect();
        apply_changes(&mut big, &per_line).unwrap();
        assert!(big.ends_with("#  - name: x\n") && big.matches('#').count() == 22_000);
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
        assert_eq!(t, "ab😀", "a batch with a misfit changes nothing");
    }

    #[test]
    fn normalizes_line_breaks_like_the_editor() {
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
        assert_eq!(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }

    /// Random batches of edits, applied in place and to the whole UTF-16 text, agree.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_whole_text_replacement() {
        use proptest::prelude::*;
        let edit = (0usize..12, 0usize..4, "[x😀\n]{0,3}");
        proptest!(ProptestConfig::with_cases(500), |(base in "[a-zé😀\n ]{0,40}", edits in proptest::collection::vec(edit, 1..5))| {
            // Non-overlapping ranges of the old text in order (gaps and lengths in units), as
            // CodeMirror reports them: each start shifted by what the earlier ones added.
            let units: Vec<u16> = base.encode_utf16().collect();
            let (mut at, mut grown, mut whole, mut batch) = (0usize, 0i64, Vec::new(), Vec::new());
            for (gap, removed, insert) in &edits {
                let from = (at + gap).min(units.len());
                let to = (from + removed).min(units.len());
                whole.extend_from_slice(&units[at..from]);
                whole.extend(insert.encode_utf16());
                batch.push(ch((from as i64 + grown) as u32, (to - from) as u32, insert));
                grown += insert.encode_utf16().count() as i64 - (to - from) as i64;
                at = to;
            }
            whole.extend_from_slice(&units[at..]);
            // An offset between the two halves of a surrogate pair is inside a character.
            let inside = |i: usize| units.get(i).is_some_and(|u| (0xDC00..0xE000).contains(u));
            let mut t = base.clone();
            match (String::from_utf16(&whole), apply_changes(&mut t, &batch)) {
                (Ok(w), Ok(())) => prop_assert_eq!(&t, &w),
                (_, Err(_)) => {
                    prop_assert_eq!(&t, &base);
                    let mut at = 0;
                    let mut any = false;
                    for (gap, removed, _) in &edits {
                        let from = (at + gap).min(units.len());
                        let to = (from + removed).min(units.len());
                        any |= inside(from) || inside(to);
                        at = to;
                    }
                    prop_assert!(any, "refused a batch that fits");
                }
                (Err(_), Ok(())) => prop_assert!(false, "applied a batch that splits a character"),
            }
        });
    }
}
