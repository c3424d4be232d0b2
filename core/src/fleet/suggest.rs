//! "Did you mean": the known name closest to a misspelt one, so an unknown field such as
//! `sytem_prompt` points at `system_prompt` instead of leaving the user to scan a list.

/// Edit distance with adjacent transpositions counted as one edit (optimal string alignment),
/// on lower-cased characters with `-` read as `_`: `sytem_prompt`, `System_Prompt` and
/// `system-prompt` are all one edit or less from `system_prompt`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .map(|c| {
                if c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    // Three rows: the one before the previous (for transpositions), the previous, this one.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, when it is close enough to be a typo: at most one edit per
/// five characters, plus one (so `nmae` → `name`, `sytem_prompt` → `system_prompt`, but
/// `colour` suggests nothing among the agent fields). Ties go to the earlier candidate.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = 1 + len / 5;
    candidates
        .iter()
        // The distance is at least the difference in length: most candidates need no table.
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &[&str] = &[
        "name",
        "description",
        "system_prompt",
        "llm_config",
        "tools",
    ];

    #[test]
    fn distances() {
        assert_eq!(edit_distance("sytem_prompt", "system_prompt"), 1);
        assert_eq!(
            edit_distance("nmae", "name"),
            1,
            "a transposition is one edit"
        );
        assert_eq!(edit_distance("System-Prompt", "system_prompt"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(did_you_mean("sytem_prompt", AGENT), Some("system_prompt"));
        assert_eq!(did_you_mean("nmae", AGENT), Some("name"));
        assert_eq!(did_you_mean("llm-config", AGENT), Some("llm_config"));
        assert_eq!(did_you_mean("tool", AGENT), Some("tools"));
        assert_eq!(did_you_mean("colour", AGENT), None);
        assert_eq!(did_you_mean("size", &["name", "limit"]), None);
        assert_eq!(did_you_mean("x", &[]), None);
    }
}
