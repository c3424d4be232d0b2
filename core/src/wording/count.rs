//! Counts in words: "1 agent", "3 agents", never "agent(s)". Every message that states a
//! number of things says it through these, so the page and the command line agree.

use std::fmt::Display;

/// `n` and `noun` in the number `n` takes: `count(1, "agent")` is "1 agent", `count(3,
/// "agent")` is "3 agents" (and `count(0, "agent")` "0 agents"). For a noun whose plural is not
/// the singular plus "s", use [`count_as`].
pub fn count<N: Copy + Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `n` and `one` or `many`, as `n` takes: `count_as(2, "copy", "copies")` is "2 copies".
pub fn count_as<N: Copy + Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    format!("{n} {}", pick(n, one, many))
}

/// `one` when `n` is 1, else `many`: for the words a count governs elsewhere in a sentence
/// ("agent 'a' uses it", "agents 'a', 'b' use it").
pub fn pick<'a, N: PartialEq + From<u8>>(n: N, one: &'a str, many: &'a str) -> &'a str {
    if n == N::from(1) {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1usize, "agent"), "1 agent");
        assert_eq!(count(0usize, "agent"), "0 agents");
        assert_eq!(count(2000u32, "agent"), "2000 agents");
        assert_eq!(count_as(1u64, "copy", "copies"), "1 copy");
        assert_eq!(count_as(3u64, "copy", "copies"), "3 copies");
        assert_eq!(pick(1usize, "uses", "use"), "uses");
        assert_eq!(pick(2usize, "uses", "use"), "use");
    }
}
