//! Line and column of a YAML path, without a second YAML parser.
//!
//! Validation walks a `serde_yaml::Value`, which has no positions. Rather than ship a second,
//! position-aware YAML parser in the wasm bundle, we replay the text through the same
//! deserializer with a seed that walks down the path and fails on purpose at the target node:
//! the deserializer stamps every error with the position of the event it was reading, so the
//! error's location is the node's location. A path that does not exist in the text (a missing
//! field, or a key that came in through a `<<` merge) falls back to its nearest ancestor.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

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

const FOUND: &str = "\u{1}located";
const MISSING: &str = "\u{1}missing";

/// The path still to walk, and whether keys may be looked up through `<<` merges (second
/// pass only, so that a key written directly in a map wins over a merged one).
struct Locate<'a>(&'a [Seg], bool);

impl<'de> DeserializeSeed<'de> for Locate<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Locate<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Seg::Key(want) = first else {
            return Err(de::Error::custom(MISSING));
        };
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            if self.1 && key.as_str() == Some("<<") {
                // An alias replays the anchored node's events with their own positions, so
                // a merged key is found where the anchor defines it.
                map.next_value_seed(Merged(self.0))?;
                continue;
            }
            let matches = match &key {
                serde_yaml::Value::String(k) => k == want,
                serde_yaml::Value::Number(n) => n.to_string() == *want,
                serde_yaml::Value::Bool(b) => b.to_string() == *want,
                _ => false,
            };
            if matches {
                return map.next_value_seed(Locate(rest, self.1));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Err(de::Error::custom(MISSING))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Seg::Index(want) = first else {
            return Err(de::Error::custom(MISSING));
        };
        let mut i = 0;
        loop {
            if i == *want {
                return match seq.next_element_seed(Locate(rest, self.1))? {
                    Some(()) => Err(de::Error::custom(MISSING)),
                    None => Err(de::Error::custom(MISSING)),
                };
            }
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::custom(MISSING));
            }
            i += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        // A tagged node (`!tag value`): good enough to point at the tag.
        Err(de::Error::custom(if self.0.is_empty() {
            FOUND
        } else {
            MISSING
        }))
    }
}

/// The value of a `<<` key: a map, or a list of maps, searched for the path; finding nothing
/// is not an error here (the enclosing map goes on with its other keys).
struct Merged<'a>(&'a [Seg]);

impl<'de> DeserializeSeed<'de> for Merged<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match Locate(self.0, true).deserialize(d) {
            Err(e) if e.to_string().contains(MISSING) => Ok(()),
            other => other,
        }
    }
}

impl Locate<'_> {
    fn scalar<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(if self.0.is_empty() { FOUND } else { MISSING }))
    }
}

/// 1-based line and column of the node at `path` in `text`, or of its nearest ancestor that
/// exists in the text. `None` only when the text does not parse at all.
pub fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    for len in (0..=path.len()).rev() {
        for follow_merges in [false, true] {
            let de = serde_yaml::Deserializer::from_str(text);
            if let Err(e) = Locate(&path[..len], follow_merges).deserialize(de) {
                // The message carries the path as a prefix: "agents[0].name: \u{1}located".
                if e.to_string().contains(FOUND) {
                    return e.location().map(|l| (l.line(), l.column()));
                }
            }
        }
    }
    None
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
}
