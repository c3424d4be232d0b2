//! A YAML tokenizer for highlighting, one line at a time.
//!
//! It is not a parser (the fleet is parsed by `serde_yaml`): it colours what a reader needs —
//! keys, strings, numbers, literals, comments, anchors and block scalars — and carries one bit
//! of state across lines, whether the line continues a `|`/`>` block scalar. Every delimiter
//! is ASCII, so byte offsets always fall on character boundaries.

/// What a piece of a line is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// A map key (`name` in `name: x`, also `<<`).
    Key,
    /// A quoted string.
    Str,
    /// A number.
    Num,
    /// `true`, `false`, `null`, `~`.
    Lit,
    /// A `#` comment.
    Comment,
    /// `-`, `:`, `,`, brackets, block scalar indicators.
    Punct,
    /// An anchor `&a`, alias `*a` or tag `!t`.
    Meta,
    /// A plain (unquoted) scalar.
    Text,
    /// A line of a block scalar's content.
    Block,
    /// A document marker `---` / `...`.
    Doc,
}

impl Tok {
    /// The CSS class of the token in the highlight layer.
    pub fn class(self) -> &'static str {
        match self {
            Tok::Key => "k",
            Tok::Str => "s",
            Tok::Num => "n",
            Tok::Lit => "l",
            Tok::Comment => "c",
            Tok::Punct => "p",
            Tok::Meta => "m",
            Tok::Text => "t",
            Tok::Block => "b",
            Tok::Doc => "d",
        }
    }
}

/// A token: bytes `start..end` of its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub tok: Tok,
}

/// The tokenizer's state at the start of a line: the indentation of the node that owns an
/// open block scalar, whose content is every following line indented deeper (or blank).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    block: Option<u32>,
}

impl State {
    /// Whether the line (if indented deeper than the block's owner) is block scalar content.
    pub fn in_block(self) -> bool {
        self.block.is_some()
    }
}

/// Tokenizes one line (without its line break), calling `emit` for each token in order, and
/// returns the state for the next line. Pass a no-op `emit` to only follow the state.
pub fn scan(line: &str, state: State, emit: &mut impl FnMut(Span)) -> State {
    let b = line.as_bytes();
    let indent = b.iter().take_while(|&&c| c == b' ').count();
    if let Some(owner) = state.block {
        if indent == b.len() || indent > owner as usize {
            if indent < b.len() {
                emit(Span {
                    start: indent,
                    end: b.len(),
                    tok: Tok::Block,
                });
            }
            return state;
        }
    }
    let mut s = Scanner { b, i: indent, emit };
    if indent == 0 && (line.starts_with("---") || line.starts_with("...")) && s.sep(3) {
        s.put(0, 3, Tok::Doc);
        s.i = 3;
    }
    let mut owner = indent;
    s.ws();
    while s.i < b.len() && b[s.i] == b'-' && s.sep(s.i + 1) {
        owner = s.i;
        s.put(s.i, s.i + 1, Tok::Punct);
        s.i += 1;
        s.ws();
    }
    let key_col = s.i;
    if s.key() {
        owner = key_col;
    }
    State {
        block: s.value().then_some(owner as u32),
    }
}

struct Scanner<'a, F> {
    b: &'a [u8],
    i: usize,
    emit: &'a mut F,
}

impl<F: FnMut(Span)> Scanner<'_, F> {
    fn put(&mut self, start: usize, end: usize, tok: Tok) {
        if end > start {
            (self.emit)(Span { start, end, tok });
        }
    }

    /// A space or the end of the line at `j`.
    fn sep(&self, j: usize) -> bool {
        self.b.get(j).is_none_or(|&c| c == b' ' || c == b'\t')
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && (self.b[self.i] == b' ' || self.b[self.i] == b'\t') {
            self.i += 1;
        }
    }

    fn comment_at(&self, j: usize) -> bool {
        self.b.get(j) == Some(&b'#') && (j == 0 || matches!(self.b[j - 1], b' ' | b'\t'))
    }

    fn quoted_end(&self, i: usize) -> usize {
        let q = self.b[i];
        let mut j = i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' if q == b'"' => j += 2,
                c if c == q && q == b'\'' && self.b.get(j + 1) == Some(&b'\'') => j += 2,
                c if c == q => return j + 1,
                _ => j += 1,
            }
        }
        self.b.len()
    }

    /// A key at `i` (plain or quoted, then `:` and a space or the end): emits it and its colon.
    fn key(&mut self) -> bool {
        let (b, i) = (self.b, self.i);
        let Some(&c) = b.get(i) else { return false };
        let end = if c == b'"' || c == b'\'' {
            let q = self.quoted_end(i);
            let mut j = q;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if b.get(j) != Some(&b':') || !self.sep(j + 1) {
                return false;
            }
            self.put(i, q, Tok::Key);
            j
        } else {
            if b"[{|>#&*!%@`".contains(&c) {
                return false;
            }
            let Some(j) =
                (i..b.len()).find(|&j| (b[j] == b':' && self.sep(j + 1)) || self.comment_at(j))
            else {
                return false;
            };
            if b[j] != b':' {
                return false;
            }
            let k = i + trim_end_len(&b[i..j]);
            self.put(i, k, Tok::Key);
            j
        };
        self.put(end, end + 1, Tok::Punct);
        self.i = end + 1;
        true
    }

    /// The rest of the line as a value; true when it opens a block scalar.
    fn value(&mut self) -> bool {
        let b = self.b;
        loop {
            self.ws();
            let i = self.i;
            let Some(&c) = b.get(i) else { return false };
            match c {
                _ if self.comment_at(i) => {
                    self.put(i, b.len(), Tok::Comment);
                    return false;
                }
                b'"' | b'\'' => {
                    self.i = self.quoted_end(i);
                    self.put(i, self.i, Tok::Str);
                }
                b'&' | b'*' | b'!' => {
                    self.i = (i..b.len()).find(|&j| b[j] == b' ').unwrap_or(b.len());
                    self.put(i, self.i, Tok::Meta);
                }
                b'|' | b'>' => {
                    let mut j = i + 1;
                    while j < b.len() && (b[j] == b'+' || b[j] == b'-' || b[j].is_ascii_digit()) {
                        j += 1;
                    }
                    let mut k = j;
                    while k < b.len() && b[k] == b' ' {
                        k += 1;
                    }
                    if k < b.len() && !self.comment_at(k) {
                        return self.plain(i);
                    }
                    self.put(i, j, Tok::Punct);
                    self.put(k, b.len(), Tok::Comment);
                    return true;
                }
                b'[' | b'{' => {
                    self.flow();
                    return false;
                }
                _ => return self.plain(i),
            }
        }
    }

    /// A plain scalar from `i` to a comment or the end of the line.
    fn plain(&mut self, i: usize) -> bool {
        let b = self.b;
        let j = (i..b.len())
            .find(|&j| self.comment_at(j))
            .unwrap_or(b.len());
        let k = i + trim_end_len(&b[i..j]);
        self.put(i, k, classify(&b[i..k]));
        self.put(j, b.len(), Tok::Comment);
        false
    }

    /// A flow collection (`[a, b]`, `{k: v}`) on this line.
    fn flow(&mut self) {
        let b = self.b;
        while self.i < b.len() {
            let i = self.i;
            match b[i] {
                b' ' | b'\t' => self.i += 1,
                b'[' | b']' | b'{' | b'}' | b',' => {
                    self.put(i, i + 1, Tok::Punct);
                    self.i += 1;
                }
                b'"' | b'\'' => {
                    self.i = self.quoted_end(i);
                    self.put(i, self.i, Tok::Str);
                }
                _ if self.comment_at(i) => {
                    self.put(i, b.len(), Tok::Comment);
                    return;
                }
                b'&' | b'*' | b'!' => {
                    self.i = (i..b.len())
                        .find(|&j| b" ,[]{}".contains(&b[j]))
                        .unwrap_or(b.len());
                    self.put(i, self.i, Tok::Meta);
                }
                _ => {
                    let colon =
                        |j: usize| b[j] == b':' && b.get(j + 1).is_none_or(|c| b" ,]}".contains(c));
                    let j = (i..b.len())
                        .find(|&j| b",[]{}".contains(&b[j]) || colon(j) || self.comment_at(j))
                        .unwrap_or(b.len());
                    let k = i + trim_end_len(&b[i..j]);
                    if j < b.len() && b[j] == b':' {
                        self.put(i, k, Tok::Key);
                        self.put(j, j + 1, Tok::Punct);
                        self.i = j + 1;
                    } else {
                        self.put(i, k, classify(&b[i..k]));
                        self.i = j;
                    }
                }
            }
        }
    }
}

fn trim_end_len(s: &[u8]) -> usize {
    s.len()
        - s.iter()
            .rev()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
}

/// Number, literal or text, by the YAML core schema (roughly: this only picks a colour).
fn classify(s: &[u8]) -> Tok {
    match s {
        b"true" | b"false" | b"True" | b"False" | b"TRUE" | b"FALSE" | b"null" | b"Null"
        | b"NULL" | b"~" => return Tok::Lit,
        b".inf" | b"-.inf" | b"+.inf" | b".nan" | b".NaN" => return Tok::Num,
        _ => {}
    }
    let t = s.strip_prefix(b"-").or(s.strip_prefix(b"+")).unwrap_or(s);
    let digit_first = t.first().is_some_and(u8::is_ascii_digit)
        || (t.first() == Some(&b'.') && t.get(1).is_some_and(u8::is_ascii_digit));
    if digit_first
        && t.iter()
            .all(|c| c.is_ascii_hexdigit() || b"._xXoOeE+-".contains(c))
    {
        Tok::Num
    } else {
        Tok::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of one line as (text, class).
    fn toks(line: &str, state: State) -> (Vec<(&str, &'static str)>, State) {
        let mut out = Vec::new();
        let next = scan(line, state, &mut |s| {
            out.push((&line[s.start..s.end], s.tok.class()))
        });
        (out, next)
    }

    fn t(line: &str) -> Vec<(&str, &'static str)> {
        toks(line, State::default()).0
    }

    #[test]
    fn keys_values_and_comments() {
        assert_eq!(
            t("  - name: support-agent # the main one"),
            [
                ("-", "p"),
                ("name", "k"),
                (":", "p"),
                ("support-agent", "t"),
                ("# the main one", "c")
            ]
        );
        assert_eq!(
            t("limit: 5000"),
            [("limit", "k"), (":", "p"), ("5000", "n")]
        );
        assert_eq!(
            t("agent_owned: true"),
            [("agent_owned", "k"), (":", "p"), ("true", "l")]
        );
        assert_eq!(
            t(r#""q k": "a \" b" # c"#),
            [
                ("\"q k\"", "k"),
                (":", "p"),
                (r#""a \" b""#, "s"),
                ("# c", "c")
            ]
        );
        assert_eq!(
            t("url: http://x:1/a#b"),
            [("url", "k"), (":", "p"), ("http://x:1/a#b", "t")],
            "a colon or # inside a plain scalar is text"
        );
        assert_eq!(
            t("<<: *defaults"),
            [("<<", "k"), (":", "p"), ("*defaults", "m")]
        );
        assert_eq!(t("---"), [("---", "d")]);
        assert_eq!(t("# only"), [("# only", "c")]);
        assert_eq!(t("- 'it''s'"), [("-", "p"), ("'it''s'", "s")]);
        assert_eq!(t(""), []);
    }

    #[test]
    fn flow_collections() {
        assert_eq!(
            t("llm_config: {model: a/b, context_window: 16000}"),
            [
                ("llm_config", "k"),
                (":", "p"),
                ("{", "p"),
                ("model", "k"),
                (":", "p"),
                ("a/b", "t"),
                (",", "p"),
                ("context_window", "k"),
                (":", "p"),
                ("16000", "n"),
                ("}", "p")
            ]
        );
        assert_eq!(
            t("tags: [a, 'b', 3] # x"),
            [
                ("tags", "k"),
                (":", "p"),
                ("[", "p"),
                ("a", "t"),
                (",", "p"),
                ("'b'", "s"),
                (",", "p"),
                ("3", "n"),
                ("]", "p"),
                ("# x", "c")
            ]
        );
    }

    #[test]
    fn block_scalars_span_lines() {
        let (head, st) = toks("    value: |-  # note", State::default());
        assert_eq!(
            head,
            [("value", "k"), (":", "p"), ("|-", "p"), ("# note", "c")]
        );
        assert!(st.in_block());
        let (body, st2) = toks("      name: not a key", st);
        assert_eq!(body, [("name: not a key", "b")]);
        let (blank, st3) = toks("", st2);
        assert_eq!((blank, st3), (vec![], st));
        let (after, st4) = toks("    limit: 5", st3);
        assert_eq!(after, [("limit", "k"), (":", "p"), ("5", "n")]);
        assert!(!st4.in_block());
        let (_, seq) = toks("  - >", State::default());
        assert_eq!(toks("   folded", seq).0, [("folded", "b")]);
        assert_eq!(
            t("a: >x"),
            [("a", "k"), (":", "p"), (">x", "t")],
            "not an indicator"
        );
    }
}
