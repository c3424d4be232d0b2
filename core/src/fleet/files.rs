//! The fleet's file set: the stand-in for the folder a `fleet.yaml` lives in.
//!
//! The browser has no file system, so every path a fleet references (`from_file`, tool sources,
//! folder documents) resolves against an in-memory map of relative path → contents. Paths are
//! normalised once here so that `./prompts/a.md` and `prompts/a.md` are the same file, and a
//! path that climbs out of the root with `..` is refused rather than silently clipped.
//!
//! Contents are bytes: folder documents may be binary (a PDF, an image) and are uploaded as
//! they are. Prompts, block values and tool sources must be text; validation checks that
//! (no invalid UTF-8, no NUL) at the line that references the file.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

pub use super::glob::{expand_glob, GlobError};

/// Relative path → file contents, as loaded by the user (a folder, dropped files, or the editor).
///
/// Serialised as a map of path → text for files that are UTF-8 and path → list of bytes for
/// the others, so history entries and the JavaScript API stay readable; both forms (and byte
/// arrays such as a `Uint8Array`) are accepted back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet(BTreeMap<String, Vec<u8>>);

impl FileSet {
    /// An empty file set.
    pub fn new() -> FileSet {
        FileSet::default()
    }

    /// Adds or replaces a file (text or bytes); returns the previous contents.
    pub fn insert(&mut self, path: String, content: impl Into<Vec<u8>>) -> Option<Vec<u8>> {
        self.0.insert(path, content.into())
    }

    /// The contents of a file.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.0.get(path).map(Vec::as_slice)
    }

    /// The contents of a file as text, when it is UTF-8 (for showing it in an editor).
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Whether the file set has this path.
    pub fn contains_key(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }

    /// Removes a file; returns its contents.
    pub fn remove(&mut self, path: &str) -> Option<Vec<u8>> {
        self.0.remove(path)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Paths in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// (path, contents) in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.0.iter()
    }
}

impl<K: Into<String>, V: Into<Vec<u8>>> FromIterator<(K, V)> for FileSet {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        FileSet(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for FileSet {
    type Item = (String, Vec<u8>);
    type IntoIter = std::collections::btree_map::IntoIter<String, Vec<u8>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FileSet {
    type Item = (&'a String, &'a Vec<u8>);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Vec<u8>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for FileSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, Content(v))))
    }
}

impl<'de> Deserialize<'de> for FileSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map: BTreeMap<String, Content<Vec<u8>>> = BTreeMap::deserialize(d)?;
        Ok(FileSet(map.into_iter().map(|(k, v)| (k, v.0)).collect()))
    }
}

/// File contents on the wire: text when UTF-8, else a list of bytes; either is read back.
/// Also used for [`super::FolderFile::content`] through [`content_serde`].
struct Content<T>(T);

impl<T: AsRef<[u8]>> Serialize for Content<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = self.0.as_ref();
        match std::str::from_utf8(bytes) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_seq(bytes),
        }
    }
}

impl<'de> Deserialize<'de> for Content<Vec<u8>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("file contents: text or a list of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
                Ok(v.as_bytes().to_vec())
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<u8>, E> {
                Ok(v.into_bytes())
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Vec<u8>, A::Error> {
                Err(de::Error::invalid_type(de::Unexpected::Map, &self))
            }
        }
        d.deserialize_any(V).map(Content)
    }
}

/// `#[serde(with = "…")]` for byte contents: text when UTF-8, else a list of bytes.
pub mod content_serde {
    use super::Content;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes bytes as text when they are UTF-8.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        Content(v).serialize(s)
    }

    /// Reads text or a list of bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Content::<Vec<u8>>::deserialize(d).map(|c| c.0)
    }
}

/// Why a path in the fleet cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is empty.
    #[error("the path is empty")]
    Empty,
    /// The path is absolute; fleet paths are relative to the fleet's folder.
    #[error("'{0}' is absolute; write it relative to the fleet's folder")]
    Absolute(String),
    /// The path leaves the fleet's root with `..`.
    #[error("'{0}' leaves the fleet's folder with '..'; only files inside it can be used")]
    LeavesRoot(String),
}

/// Normalises a relative path: `\` becomes `/`, `.` segments and repeated slashes go, `..`
/// is applied, and a path that would leave the root is an error.
pub fn normalize_path(raw: &str) -> Result<String, PathError> {
    let unified = raw.trim().replace('\\', "/");
    if unified.is_empty() {
        return Err(PathError::Empty);
    }
    if unified.starts_with('/') || unified.get(1..2) == Some(":") {
        return Err(PathError::Absolute(raw.to_string()));
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in unified.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::LeavesRoot(raw.to_string()));
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(parts.join("/"))
}

/// Normalises every key of a file set; keys that cannot be normalised are dropped with the
/// reason, so that the caller can report them.
pub fn normalize_file_set(files: &FileSet) -> (FileSet, Vec<(String, PathError)>) {
    let mut out = FileSet::new();
    let mut bad = Vec::new();
    for (k, v) in files {
        match normalize_path(k) {
            Ok(p) => {
                out.insert(p, v.clone());
            }
            Err(e) => bad.push((k.clone(), e)),
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_refuses_escapes() {
        assert_eq!(normalize_path("./a//b/../c.md").as_deref(), Ok("a/c.md"));
        assert_eq!(normalize_path("a\\b.md").as_deref(), Ok("a/b.md"));
        assert!(matches!(
            normalize_path("../x"),
            Err(PathError::LeavesRoot(_))
        ));
        assert!(matches!(
            normalize_path("a/../../x"),
            Err(PathError::LeavesRoot(_))
        ));
        assert!(matches!(
            normalize_path("/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(normalize_path("  "), Err(PathError::Empty)));
    }
}
