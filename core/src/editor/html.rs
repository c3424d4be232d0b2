//! The HTML of one highlighted line: its tokens, with error marks and find matches laid over.

use super::tokens::Span;
use std::ops::Range;

/// A class laid over part of a line (an error mark, a find match), with an optional tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay<'a> {
    /// Bytes of the line; an empty range at the end of the line marks the line end.
    pub range: Range<usize>,
    /// CSS classes, such as `mark err` or `hit cur`.
    pub class: &'a str,
    /// Tooltip (the error message).
    pub title: Option<&'a str>,
}

/// Appends `s` escaped for HTML text and attribute values.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Appends `line` to `out` as HTML: one `<span>` per run of text with the same token class
/// and overlays. Overlays may overlap tokens and each other; every piece of text is escaped.
pub fn line_html(line: &str, toks: &[Span], overlays: &[Overlay], out: &mut String) {
    let mut cuts: Vec<usize> = vec![0, line.len()];
    cuts.extend(toks.iter().flat_map(|t| [t.start, t.end]));
    cuts.extend(overlays.iter().flat_map(|o| [o.range.start, o.range.end]));
    cuts.retain(|&c| c <= line.len() && line.is_char_boundary(c));
    cuts.sort_unstable();
    cuts.dedup();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let tok = toks.iter().find(|t| t.start <= a && b <= t.end);
        let over: Vec<&Overlay> = overlays
            .iter()
            .filter(|o| o.range.start <= a && b <= o.range.end)
            .collect();
        if tok.is_none() && over.is_empty() {
            escape(&line[a..b], out);
            continue;
        }
        span_open(tok.map(|t| t.tok.class()), &over, out);
        escape(&line[a..b], out);
        out.push_str("</span>");
    }
    // Marks at the end of the line (a missing value, a blank line) get one visible space.
    let at_end: Vec<&Overlay> = overlays
        .iter()
        .filter(|o| o.range.is_empty() && o.range.start >= line.len())
        .collect();
    if !at_end.is_empty() {
        span_open(None, &at_end, out);
        out.push_str(" </span>");
    }
}

fn span_open(tok: Option<&str>, over: &[&Overlay], out: &mut String) {
    out.push_str("<span class=\"");
    let classes = tok.into_iter().chain(over.iter().map(|o| o.class));
    for (i, c) in classes.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(c);
    }
    out.push('"');
    let titles: Vec<&str> = over.iter().filter_map(|o| o.title).collect();
    if !titles.is_empty() {
        out.push_str(" title=\"");
        escape(&titles.join("\n"), out);
        out.push('"');
    }
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::super::{scan, State};
    use super::*;

    fn html(line: &str, overlays: &[Overlay]) -> String {
        let mut toks = Vec::new();
        scan(line, State::default(), &mut |s| toks.push(s));
        let mut out = String::new();
        line_html(line, &toks, overlays, &mut out);
        out
    }

    #[test]
    fn tokens_become_classed_spans() {
        assert_eq!(
            html("a: <b> # &", &[]),
            r#"<span class="k">a</span><span class="p">:</span> <span class="t">&lt;b&gt;</span> <span class="c"># &amp;</span>"#
        );
    }

    #[test]
    fn overlays_split_tokens_and_carry_titles() {
        let mark = Overlay {
            range: 3..8,
            class: "mark err",
            title: Some("bad \"x\""),
        };
        let hit = Overlay {
            range: 0..4,
            class: "hit",
            title: None,
        };
        assert_eq!(
            html("ab: cdef", &[mark, hit]),
            concat!(
                r#"<span class="k hit">ab</span><span class="p hit">:</span>"#,
                r#"<span class="mark err hit" title="bad &quot;x&quot;"> </span>"#,
                r#"<span class="t mark err" title="bad &quot;x&quot;">cdef</span>"#
            )
        );
        let eol = Overlay {
            range: 0..0,
            class: "mark err",
            title: None,
        };
        assert_eq!(html("", &[eol]), r#"<span class="mark err"> </span>"#);
    }
}
