//! A YAML text read once: the value validation walks and the positions its diagnostics need.
//!
//! `serde_yaml::from_str` runs libyaml, buffers every event, then replays them through serde's
//! visitors; the position index (`locate`) used to run libyaml a second time for the line and
//! column of each diagnostic. Here one run of the same parser (`locate::events`) feeds both
//! the value and the position tree: the editor's diagnostics at 2,000 agents and every
//! `planFleet` parse once, without the event buffer.
//!
//! The value must be exactly what `serde_yaml` would give, so this reader only takes the
//! common path — untagged scalars, sequences, mappings, anchors and aliases — and hands
//! anything else to `serde_yaml` itself: a syntax error (whose message and position users
//! see), an explicit tag, a duplicate key, more than one document, an integer beyond 64 bits,
//! deep nesting or heavy alias use (`serde_yaml`'s limits decide those). Scalars are resolved
//! by `serde_yaml`'s rules (YAML 1.2 core schema plus its `0o`/`0b` and `+` forms), which the
//! tests below compare value for value against `serde_yaml`.

use super::locate::{events, events::Event, Positions, PositionsBuilder};
use serde_yaml::{Mapping, Number, Value};
use std::collections::HashMap;

/// The document's value and where each of its nodes is written.
pub struct Document {
    /// The value `serde_yaml::from_str` gives for the text.
    pub value: Value,
    /// Line and column of every node.
    pub positions: Positions,
}

/// Reads `text` once. The error is `serde_yaml`'s, with its message and location.
pub fn read(text: &str) -> Result<Document, serde_yaml::Error> {
    let mut values = ValueBuilder::default();
    let mut positions = PositionsBuilder::default();
    let parsed = events::parse(text, |event, pos| {
        if values.bail {
            return;
        }
        positions.event(&event, pos);
        values.event(&event);
    });
    match values.root {
        Some(value) if parsed && !values.bail => Ok(Document {
            value,
            positions: positions.finish(),
        }),
        // serde_yaml decides (and words the error); its positions need their own pass.
        _ => serde_yaml::from_str(text).map(|value| Document {
            value,
            positions: Positions::new(text),
        }),
    }
}

/// Nesting at which the reader hands over to `serde_yaml`, whose own limit (128) then applies.
const MAX_DEPTH: usize = 100;

/// An anchored value, with what copying it costs in `serde_yaml`'s terms.
struct Anchored {
    value: Value,
    /// Alias dereferences inside it (`serde_yaml` counts every one it replays).
    jumps: usize,
    /// Nesting depth of the value.
    depth: usize,
}

/// A container being read, with its anchor.
struct Open {
    kind: OpenKind,
    anchor: Option<Vec<u8>>,
    /// Alias dereferences inside it so far.
    jumps: usize,
    /// Deepest nesting inside it so far (1 for a container of scalars).
    depth: usize,
}

enum OpenKind {
    Seq(Vec<Value>),
    /// The mapping and the key read for the next value.
    Map(Mapping, Option<Value>),
}

#[derive(Default)]
struct ValueBuilder {
    stack: Vec<Open>,
    anchors: HashMap<Vec<u8>, Anchored>,
    root: Option<Value>,
    /// Node events read, for `serde_yaml`'s alias limit (dereferences ≤ 100 × events).
    events: usize,
    /// Alias dereferences in the whole document.
    jumps: usize,
    /// Something only `serde_yaml` may decide was read.
    bail: bool,
}

impl ValueBuilder {
    fn event(&mut self, event: &Event<'_>) {
        self.events += 1;
        if self.root.is_some() {
            // A second document.
            self.bail = true;
            return;
        }
        let done = match *event {
            Event::Scalar {
                value,
                anchor,
                plain,
                tagged,
            } => {
                let Ok(text) = std::str::from_utf8(value) else {
                    self.bail = true;
                    return;
                };
                if tagged {
                    self.bail = true;
                    return;
                }
                let Some(v) = (if plain {
                    resolve_plain(text)
                } else {
                    Some(Value::String(text.to_string()))
                }) else {
                    self.bail = true;
                    return;
                };
                if let Some(a) = anchor {
                    self.anchors.insert(
                        a.to_vec(),
                        Anchored {
                            value: v.clone(),
                            jumps: 0,
                            depth: 0,
                        },
                    );
                }
                (v, 0, 0)
            }
            Event::Alias(name) => {
                // An alias of an anchor not yet complete (or unknown) is serde_yaml's to report.
                let Some(a) = self.anchors.get(name) else {
                    self.bail = true;
                    return;
                };
                let jumps = 1 + a.jumps;
                self.jumps = self.jumps.saturating_add(jumps);
                if self.jumps > self.events.saturating_mul(100)
                    || self.stack.len() + a.depth > MAX_DEPTH
                {
                    self.bail = true;
                    return;
                }
                (a.value.clone(), jumps, a.depth)
            }
            Event::SequenceStart(anchor, tagged) | Event::MappingStart(anchor, tagged) => {
                if tagged || self.stack.len() >= MAX_DEPTH {
                    self.bail = true;
                    return;
                }
                let kind = match event {
                    Event::SequenceStart(..) => OpenKind::Seq(Vec::new()),
                    _ => OpenKind::Map(Mapping::new(), None),
                };
                self.stack.push(Open {
                    kind,
                    anchor: anchor.map(<[u8]>::to_vec),
                    jumps: 0,
                    depth: 1,
                });
                return;
            }
            Event::End => {
                let Some(open) = self.stack.pop() else {
                    return;
                };
                let value = match open.kind {
                    OpenKind::Seq(items) => Value::Sequence(items),
                    OpenKind::Map(map, None) => Value::Mapping(map),
                    OpenKind::Map(_, Some(_)) => {
                        self.bail = true;
                        return;
                    }
                };
                if let Some(a) = open.anchor {
                    self.anchors.insert(
                        a,
                        Anchored {
                            value: value.clone(),
                            jumps: open.jumps,
                            depth: open.depth,
                        },
                    );
                }
                (value, open.jumps, open.depth)
            }
        };
        self.attach(done);
    }

    /// Adds a complete node (value, alias dereferences in it, depth) to its parent.
    fn attach(&mut self, (value, jumps, depth): (Value, usize, usize)) {
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(value);
            return;
        };
        parent.jumps = parent.jumps.saturating_add(jumps);
        parent.depth = parent.depth.max(depth + 1);
        match &mut parent.kind {
            OpenKind::Seq(items) => items.push(value),
            OpenKind::Map(map, pending) => match pending.take() {
                None => *pending = Some(value),
                // A duplicate key is an error serde_yaml words.
                Some(key) => {
                    if map.insert(key, value).is_some() {
                        self.bail = true;
                    }
                }
            },
        }
    }
}

/// The value of an untagged plain scalar, as `serde_yaml` resolves it; `None` for what it
/// rejects (an integer that needs 128 bits).
fn resolve_plain(v: &str) -> Option<Value> {
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    match v {
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    if let Some(n) = unsigned(v, u64::from_str_radix) {
        return Some(Value::Number(Number::from(n)));
    }
    if let Some(n) = negative(v, i64::from_str_radix) {
        return Some(Value::Number(Number::from(n)));
    }
    if unsigned(v, u128::from_str_radix).is_some() || negative(v, i128::from_str_radix).is_some() {
        return None;
    }
    if !leading_zero_digits(v) {
        if let Some(f) = float(v) {
            return Some(Value::Number(Number::from(f)));
        }
    }
    Some(Value::String(v.to_string()))
}

/// `0x`, `0o`, `0b` and decimal, with at most one leading `+` and no sign after a prefix.
fn unsigned<T>(v: &str, radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>) -> Option<T> {
    let unsigned = v.strip_prefix('+').unwrap_or(v);
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(n) = radix(rest, base) {
                return Some(n);
            }
        }
    }
    if unsigned.starts_with(['+', '-']) || leading_zero_digits(v) {
        return None;
    }
    radix(unsigned, 10).ok()
}

/// `-0x`, `-0o`, `-0b` and negative decimal.
fn negative<T>(v: &str, radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>) -> Option<T> {
    for (prefix, base) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = v.strip_prefix(prefix) {
            if let Ok(n) = radix(&format!("-{rest}"), base) {
                return Some(n);
            }
        }
    }
    if leading_zero_digits(v) {
        return None;
    }
    radix(v, 10).ok()
}

/// A finite float, or `.inf`/`.nan` in their YAML spellings.
fn float(v: &str) -> Option<f64> {
    let unsigned = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(f64::INFINITY);
    }
    if matches!(v, "-.inf" | "-.Inf" | "-.INF") {
        return Some(f64::NEG_INFINITY);
    }
    if matches!(v, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros followed by digits (`007`, `-01`): a string in YAML 1.2.
fn leading_zero_digits(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
