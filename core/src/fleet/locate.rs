//! Line and column of YAML paths, from the same YAML parser, in one pass over the text.
//!
//! Validation walks a `serde_yaml::Value`, which has no positions. Rather than ship a second,
//! position-aware YAML parser in the wasm bundle, [`Positions`] reads the event stream of the
//! parser `serde_yaml` itself uses (libyaml, as `unsafe-libyaml-norway`) once and keeps the
//! start of every node in a small tree. Looking a path up is then a walk down that tree, so
//! locating every error of a document costs one parse, not one parse per error (a 10,000-agent
//! fleet with an error per agent used to take close to a minute). A path that does not exist
//! in the text (a missing field) falls back to its nearest ancestor; a key that came in
//! through a `<<` merge is found where the anchor defines it.

pub(crate) mod events;

/// One step of a YAML path: a map key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Seg {
    /// A key of a mapping.
    Key(String),
    /// An index into a sequence.
    Index(usize),
}

/// Renders a path the way users read it: `agents[2].memory_blocks[0].limit`.
pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push_str(&format!("[{i}]"));
            }
        }
    }
    s
}

/// What a node of the position tree holds.
enum Kind {
    /// A scalar (or a node whose inside we do not need).
    Leaf,
    /// A sequence: its items.
    Seq(Vec<usize>),
    /// A mapping: its entries (key, key node, value node); the key is `None` when it is not a
    /// scalar. Keys are kept as a 64-bit hash of their text ([`key_id`]), not as strings: the
    /// tree is built on every parse (`fleet::document`), and an allocation per key was a tenth
    /// of the parse; a collision could only misplace a diagnostic's line, never change a fleet.
    Map(Vec<(Option<u64>, usize, usize)>),
    /// An alias of the anchored node (if the anchor was defined before).
    Alias(Option<usize>),
}

struct Node {
    /// 1-based line and column where the node starts.
    pos: (usize, usize),
    kind: Kind,
}

/// How deep aliases and merges are followed; YAML cannot make real documents deeper, and a
/// cycle (an alias inside its own anchor) must not loop.
const MAX_HOPS: usize = 64;

/// Adds a container node that starts here; returns (its index, opens, no key text).
fn open(
    nodes: &mut Vec<Node>,
    anchors: &mut std::collections::HashMap<Vec<u8>, usize>,
    pos: (usize, usize),
    kind: Kind,
    anchor: Option<&[u8]>,
) -> (usize, bool, Option<&'static [u8]>) {
    nodes.push(Node { pos, kind });
    let i = nodes.len() - 1;
    if let Some(a) = anchor {
        anchors.insert(a.to_vec(), i);
    }
    (i, true, None)
}

/// A map's key read before its value: its text (`None` when not a scalar) and its node.
type PendingKey = (Option<u64>, usize);

/// FNV-1a of a key's text: what the tree keeps of a key.
fn key_id(text: &[u8]) -> u64 {
    text.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where every node of one YAML document starts.
pub struct Positions {
    nodes: Vec<Node>,
    root: Option<usize>,
}

/// Builds [`Positions`] from parser events, so one pass over the text can feed it and
/// something else (the fleet's value, `fleet::document`).
#[derive(Default)]
pub(crate) struct PositionsBuilder {
    nodes: Vec<Node>,
    anchors: std::collections::HashMap<Vec<u8>, usize>,
    /// Open containers, with the key read for the next value when the container is a map.
    stack: Vec<(usize, Option<PendingKey>)>,
    root: Option<usize>,
}

impl PositionsBuilder {
    /// Takes the next event of the first document; events after it are ignored.
    pub(crate) fn event(&mut self, event: &events::Event<'_>, pos: (usize, usize)) {
        if self.root.is_some() {
            return;
        }
        let nodes = &mut self.nodes;
        let anchors = &mut self.anchors;
        let (idx, opens, key_text) = match *event {
            events::Event::Scalar { value, anchor, .. } => {
                nodes.push(Node {
                    pos,
                    kind: Kind::Leaf,
                });
                let i = nodes.len() - 1;
                if let Some(a) = anchor {
                    anchors.insert(a.to_vec(), i);
                }
                (i, false, Some(value))
            }
            events::Event::Alias(a) => {
                let target = anchors.get(a).copied();
                let pos = target.map(|t| nodes[t].pos).unwrap_or(pos);
                nodes.push(Node {
                    pos,
                    kind: Kind::Alias(target),
                });
                (nodes.len() - 1, false, None)
            }
            events::Event::SequenceStart(anchor, _) => {
                open(nodes, anchors, pos, Kind::Seq(Vec::new()), anchor)
            }
            events::Event::MappingStart(anchor, _) => {
                open(nodes, anchors, pos, Kind::Map(Vec::new()), anchor)
            }
            events::Event::End => match self.stack.pop() {
                Some((i, _)) => (i, false, None),
                None => return,
            },
        };
        if opens {
            self.stack.push((idx, None));
            return;
        }
        // `idx` is complete: attach it to the open container, or make it the root.
        let Some((parent, pending)) = self.stack.last_mut() else {
            self.root = Some(idx);
            return;
        };
        match &mut nodes[*parent].kind {
            Kind::Seq(items) => items.push(idx),
            Kind::Map(entries) => match pending.take() {
                // Only keys need their text (values are found by position in the tree).
                None => *pending = Some((key_text.map(key_id), idx)),
                Some((key, key_node)) => entries.push((key, key_node, idx)),
            },
            Kind::Leaf | Kind::Alias(_) => {}
        }
    }

    /// The positions read so far (all of them once the document ended).
    pub(crate) fn finish(self) -> Positions {
        Positions {
            nodes: self.nodes,
            root: self.root,
        }
    }
}

impl Positions {
    /// Reads the text once. Text that does not parse gives the positions read before the error.
    pub fn new(text: &str) -> Positions {
        let mut builder = PositionsBuilder::default();
        events::parse(text, |event, pos| builder.event(&event, pos));
        builder.finish()
    }

    /// The node itself, or the anchored node an alias stands for.
    fn resolve(&self, mut i: usize) -> usize {
        for _ in 0..MAX_HOPS {
            match self.nodes[i].kind {
                Kind::Alias(Some(t)) => i = t,
                _ => break,
            }
        }
        i
    }

    fn find(&self, node: usize, path: &[Seg], hops: usize) -> Option<usize> {
        let node = self.resolve(node);
        let Some((first, rest)) = path.split_first() else {
            return Some(node);
        };
        if hops > MAX_HOPS {
            return None;
        }
        match (first, &self.nodes[node].kind) {
            (Seg::Index(i), Kind::Seq(items)) => self.find(*items.get(*i)?, rest, hops + 1),
            (Seg::Key(want), Kind::Map(entries)) => {
                // A key written in the map wins over one merged in with `<<`.
                let want = Some(key_id(want.as_bytes()));
                if let Some((_, _, v)) = entries.iter().find(|(k, _, _)| *k == want) {
                    return self.find(*v, rest, hops + 1);
                }
                entries
                    .iter()
                    .filter(|(k, _, _)| *k == Some(key_id(b"<<")))
                    .find_map(|(_, _, v)| {
                        let v = self.resolve(*v);
                        match &self.nodes[v].kind {
                            Kind::Seq(items) => {
                                items.iter().find_map(|m| self.find(*m, path, hops + 1))
                            }
                            _ => self.find(v, path, hops + 1),
                        }
                    })
            }
            _ => None,
        }
    }

    /// 1-based line and column of the node at `path`, or of its nearest ancestor that exists
    /// in the text. `None` only when the text has no document.
    pub fn locate(&self, path: &[Seg]) -> Option<(usize, usize)> {
        let root = self.root?;
        (0..=path.len())
            .rev()
            .find_map(|len| self.find(root, &path[..len], 0))
            .map(|i| self.nodes[i].pos)
    }

    /// Where the key of the last step of `path` is written: the place of an unknown or ignored
    /// field (its value may start on the next line). The value's position, as
    /// [`Positions::locate`], when the key is not written in its own map (merged in with `<<`)
    /// or the path does not end in a key.
    pub fn locate_key(&self, path: &[Seg]) -> Option<(usize, usize)> {
        if let (Some((Seg::Key(want), parent)), Some(root)) = (path.split_last(), self.root) {
            if let Some(Kind::Map(entries)) =
                self.find(root, parent, 0).map(|p| &self.nodes[p].kind)
            {
                let want = Some(key_id(want.as_bytes()));
                if let Some((_, k, _)) = entries.iter().find(|(k, _, _)| *k == want) {
                    return Some(self.nodes[*k].pos);
                }
            }
        }
        self.locate(path)
    }
}

/// 1-based line and column of the node at `path` in `text`, or of its nearest ancestor that
/// exists in the text. For more than one path, build [`Positions`] once instead.
pub fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    Positions::new(text).locate(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Seg {
        Seg::Key(s.into())
    }

    #[test]
    fn finds_nested_nodes() {
        let text = "agents:\n  - name: a\n    memory_blocks:\n      - name: b\n        limit: 5\n";
        assert_eq!(
            locate(text, &[k("agents"), Seg::Index(0), k("name")]),
            Some((2, 11))
        );
        assert_eq!(
            locate(
                text,
                &[
                    k("agents"),
                    Seg::Index(0),
                    k("memory_blocks"),
                    Seg::Index(0),
                    k("limit")
                ]
            ),
            Some((5, 16))
        );
        // Missing key: the enclosing map (where `name:` starts).
        assert_eq!(
            locate(text, &[k("agents"), Seg::Index(0), k("description")]),
            Some((2, 5))
        );
        assert_eq!(
            path_string(&[k("agents"), Seg::Index(2), k("limit")]),
            "agents[2].limit"
        );
    }

    #[test]
    fn keys_are_located_where_they_are_written() {
        let text = "agents:\n  - name: a\n    sytem_prompt:\n      value: x\n";
        let pos = Positions::new(text);
        let p = [k("agents"), Seg::Index(0), k("sytem_prompt")];
        assert_eq!(
            pos.locate(&p),
            Some((4, 7)),
            "the value: the map on the next line"
        );
        assert_eq!(pos.locate_key(&p), Some((3, 5)), "the key");
        assert_eq!(
            pos.locate_key(&[k("agents"), Seg::Index(0), k("nope")]),
            Some((2, 5))
        );
        let merged = Positions::new("x: &d\n  llm: 1\na:\n  <<: *d\n");
        assert_eq!(
            merged.locate_key(&[k("a"), k("llm")]),
            Some((2, 8)),
            "merged: the value"
        );
    }

    #[test]
    fn follows_merge_keys_to_the_anchor() {
        let text = "x: &d\n  llm: {cw: 5}\nagents:\n  - name: a\n    <<: *d\n  - name: b\n    llm: {cw: 7}\n    <<: *d\n";
        let p = |i| vec![k("agents"), Seg::Index(i), k("llm"), k("cw")];
        assert_eq!(
            locate(text, &p(0)),
            Some((2, 13)),
            "merged: where the anchor defines it"
        );
        assert_eq!(
            locate(text, &p(1)),
            Some((7, 15)),
            "a direct key wins over a merged one"
        );
    }

    #[test]
    fn one_index_answers_many_paths_and_odd_shapes() {
        let text = "a: {b: [x, {c: 1}], 'q k': \"v\"}\nlist:\n- &m {k: 1}\n- <<: [*m]\n  j: 2\nempty: []\n";
        let pos = Positions::new(text);
        assert_eq!(
            pos.locate(&[k("a"), k("b"), Seg::Index(1), k("c")]),
            Some((1, 16))
        );
        assert_eq!(pos.locate(&[k("a"), k("q k")]), Some((1, 28)));
        assert_eq!(
            pos.locate(&[k("list"), Seg::Index(1), k("k")]),
            Some((3, 10)),
            "merged from a list of aliases"
        );
        assert_eq!(
            pos.locate(&[k("list"), Seg::Index(1), k("j")]),
            Some((5, 6))
        );
        assert_eq!(pos.locate(&[k("empty")]), Some((6, 8)));
        assert_eq!(
            pos.locate(&[k("empty"), Seg::Index(3)]),
            Some((6, 8)),
            "nearest ancestor"
        );
        assert_eq!(
            pos.locate(&[k("nope"), k("x")]),
            Some((1, 1)),
            "the document itself"
        );
        // A cycle through an alias cannot loop.
        let cyc = Positions::new("a: &x\n  b: 1\nc: *x\n");
        assert_eq!(cyc.locate(&[k("c"), k("b")]), Some((2, 6)));
        assert_eq!(Positions::new("").locate(&[k("a")]), None, "no document");
    }
}
