//! The fleet's file set: the stand-in for the folder a `fleet.yaml` lives in.
//!
//! The browser has no file system, so every path a fleet references (`from_file`, tool sources,
//! folder documents) resolves against an in-memory map of relative path → contents. Paths are
//! normalised once here so that `./prompts/a.md` and `prompts/a.md` are the same file, and a
//! path that climbs out of the root with `..` is refused rather than silently clipped.

use std::collections::BTreeMap;

/// Relative path → file contents, as loaded by the user (a folder, dropped files, or the editor).
pub type FileSet = BTreeMap<String, String>;

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

/// What a folder file pattern matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    /// The pattern's path is not usable.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A plain path names a file that is not in the file set.
    #[error("file '{0}' is not in the fleet's files; add it or fix the path")]
    Missing(String),
    /// A wildcard pattern matched nothing.
    #[error("pattern '{0}' matches no file")]
    NoMatch(String),
    /// A wildcard in a form we do not support.
    #[error("pattern '{0}' is not supported; use a plain path, 'dir/*' (files directly in dir) or 'dir/**/*' (every file below dir)")]
    Unsupported(String),
}

/// Expands one folder entry — a plain path, `dir/*` or `dir/**/*` — against the file set,
/// returning matching paths in sorted order.
pub fn expand_glob(pattern: &str, files: &FileSet) -> Result<Vec<String>, GlobError> {
    let p = pattern.trim().replace('\\', "/");
    let (dir, recursive) = if let Some(d) = p.strip_suffix("/**/*") {
        (d.to_string(), true)
    } else if let Some(d) = p.strip_suffix("/*") {
        (d.to_string(), false)
    } else if p == "*" || p == "**/*" {
        (String::new(), p == "**/*")
    } else {
        if p.contains('*') || p.contains('?') || p.contains('[') {
            return Err(GlobError::Unsupported(pattern.to_string()));
        }
        let norm = normalize_path(&p)?;
        return if files.contains_key(&norm) {
            Ok(vec![norm])
        } else {
            Err(GlobError::Missing(norm))
        };
    };
    if dir.contains('*') || dir.contains('?') {
        return Err(GlobError::Unsupported(pattern.to_string()));
    }
    let prefix = if dir.is_empty() || dir == "." {
        String::new()
    } else {
        format!("{}/", normalize_path(&dir)?)
    };
    let found: Vec<String> = files
        .keys()
        .filter(|k| {
            k.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.is_empty() && (recursive || !rest.contains('/')))
        })
        .cloned()
        .collect();
    if found.is_empty() {
        return Err(GlobError::NoMatch(pattern.to_string()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> FileSet {
        paths
            .iter()
            .map(|p| (p.to_string(), String::new()))
            .collect()
    }

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

    #[test]
    fn expands_globs() {
        let files = set(&["docs/a.md", "docs/b.md", "docs/sub/c.md", "other.md"]);
        assert_eq!(
            expand_glob("docs/*", &files).unwrap_or_default(),
            vec!["docs/a.md", "docs/b.md"]
        );
        assert_eq!(
            expand_glob("docs/**/*", &files).unwrap_or_default().len(),
            3
        );
        assert_eq!(
            expand_glob("./other.md", &files).unwrap_or_default(),
            vec!["other.md"]
        );
        assert!(matches!(
            expand_glob("nope.md", &files),
            Err(GlobError::Missing(_))
        ));
        assert!(matches!(
            expand_glob("empty/*", &files),
            Err(GlobError::NoMatch(_))
        ));
        assert!(matches!(
            expand_glob("docs/*.md", &files),
            Err(GlobError::Unsupported(_))
        ));
        assert!(matches!(
            expand_glob("../*", &files),
            Err(GlobError::Path(_))
        ));
    }
}
