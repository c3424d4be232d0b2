//! Folder file patterns: plain paths and `*` / `?` / `**` wildcards against the file set.
//!
//! lettactl's documentation promises `docs/*.txt` and `**/*.md`; we expand them as a shell
//! would (`*` and `?` stay inside one path segment, `**` spans any number of folders, also
//! none), so a lettactl fleet's folders get the documents its author expects.

use super::files::{normalize_path, FileSet, PathError};

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
    #[error("pattern '{0}' is not supported; use a plain path or the wildcards '*', '?' and '**', for example 'docs/*.md' or 'docs/**/*'")]
    Unsupported(String),
}

/// Expands one folder entry — a plain path, or a pattern such as `docs/*`, `docs/**/*.md` or
/// `*.txt` — against the file set, returning the matching paths in sorted order.
pub fn expand_glob(pattern: &str, files: &FileSet) -> Result<Vec<String>, GlobError> {
    let p = pattern.trim().replace('\\', "/");
    if !p.contains(['*', '?']) {
        if p.contains(['[', '{']) {
            return Err(GlobError::Unsupported(pattern.to_string()));
        }
        let norm = normalize_path(&p)?;
        return if files.contains_key(&norm) {
            Ok(vec![norm])
        } else {
            Err(GlobError::Missing(norm))
        };
    }
    if p.contains(['[', ']', '{', '}']) || p.starts_with('/') {
        return Err(GlobError::Unsupported(pattern.to_string()));
    }
    let segs: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    // The literal folders in front of the first wildcard: normalised (which refuses `..` out
    // of the root); a `..` after a wildcard has no meaning.
    let lit = segs.iter().take_while(|s| !s.contains(['*', '?'])).count();
    let rest = &segs[lit..];
    if rest.contains(&"..") {
        return Err(GlobError::Unsupported(pattern.to_string()));
    }
    let base: Vec<String> = if lit == 0 {
        Vec::new()
    } else {
        normalize_path(&segs[..lit].join("/"))?
            .split('/')
            .map(str::to_string)
            .collect()
    };
    let found: Vec<String> = files
        .keys()
        .filter(|k| {
            let parts: Vec<&str> = k.split('/').collect();
            parts.len() > base.len()
                && parts.iter().zip(&base).all(|(a, b)| a == b)
                && match_segments(rest, &parts[base.len()..])
        })
        .cloned()
        .collect();
    if found.is_empty() {
        return Err(GlobError::NoMatch(pattern.to_string()));
    }
    Ok(found)
}

/// Whether path segments match pattern segments; `**` matches zero or more segments.
fn match_segments(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((p, rest)) => path
            .split_first()
            .is_some_and(|(s, more)| match_one(p, s) && match_segments(rest, more)),
    }
}

/// Whether one segment matches a pattern with `*` (any run) and `?` (one character).
fn match_one(pat: &str, s: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let pat: Vec<char> = pat.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut p, mut i, mut star, mut mark) = (0, 0, None, 0);
    while i < s.len() {
        if p < pat.len() && (pat[p] == '?' || pat[p] == s[i]) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == '*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> FileSet {
        paths.iter().map(|p| (p.to_string(), Vec::new())).collect()
    }

    #[test]
    fn expands_globs() {
        let files = set(&[
            "docs/a.md",
            "docs/b.txt",
            "docs/sub/c.md",
            "other.md",
            "notes/x.md",
        ]);
        let ok = |p: &str| expand_glob(p, &files).unwrap_or_default();
        assert_eq!(ok("docs/*"), vec!["docs/a.md", "docs/b.txt"]);
        assert_eq!(ok("docs/**/*").len(), 3);
        assert_eq!(ok("./other.md"), vec!["other.md"]);
        assert_eq!(ok("docs/*.md"), vec!["docs/a.md"]);
        assert_eq!(ok("docs/**/*.md"), vec!["docs/a.md", "docs/sub/c.md"]);
        assert_eq!(ok("*.md"), vec!["other.md"]);
        assert_eq!(
            ok("**/*.md"),
            vec!["docs/a.md", "docs/sub/c.md", "notes/x.md", "other.md"]
        );
        assert_eq!(ok("docs/?.txt"), vec!["docs/b.txt"]);
        assert_eq!(ok("do*/s*/*"), vec!["docs/sub/c.md"]);
        assert!(matches!(
            expand_glob("nope.md", &files),
            Err(GlobError::Missing(_))
        ));
        assert!(matches!(
            expand_glob("empty/*", &files),
            Err(GlobError::NoMatch(_))
        ));
        assert!(matches!(
            expand_glob("docs/*.pdf", &files),
            Err(GlobError::NoMatch(_))
        ));
        assert!(matches!(
            expand_glob("docs/[ab].md", &files),
            Err(GlobError::Unsupported(_))
        ));
        assert!(matches!(
            expand_glob("../*", &files),
            Err(GlobError::Path(_))
        ));
        assert!(matches!(
            expand_glob("docs/*/../x", &files),
            Err(GlobError::Unsupported(_))
        ));
    }
}
