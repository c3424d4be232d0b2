//! Find: every match of the find bar's query.

use std::ops::Range;

/// At most this many matches are collected (the count then reads "10000+").
pub const MAX_HITS: usize = 10_000;

/// Byte ranges of the non-overlapping matches of `query` in `text`, ignoring ASCII case (which
/// keeps every offset the same in the lower-cased copy). Empty for an empty query.
pub fn find_all(text: &str, query: &str) -> Vec<Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let hay = text.to_ascii_lowercase();
    let needle = query.to_ascii_lowercase();
    hay.match_indices(&needle)
        .take(MAX_HITS)
        .map(|(i, m)| i..i + m.len())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_match_ignoring_case() {
        assert_eq!(
            find_all("Name: a\nname: é\nNAME", "name"),
            [0..4, 8..12, 17..21]
        );
        assert_eq!(find_all("aaaa", "aa"), [0..2, 2..4], "non-overlapping");
        assert_eq!(find_all("é x é", "é"), [0..2, 5..7]);
        assert!(find_all("abc", "").is_empty());
        assert!(find_all("abc", "abcd").is_empty());
    }
}
