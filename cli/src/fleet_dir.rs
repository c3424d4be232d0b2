//! A fleet on disk: `fleet.yaml` and the folder it lives in. The core resolves every path a
//! fleet references against an in-memory [`FileSet`] (the browser has no file system), so the
//! command line reads the fleet's folder into one, relative to that folder. Nothing outside it
//! is read: entries that are links leading out of the folder are skipped, and the core refuses
//! `..` paths that climb out of it.

use crate::error::CliError;
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::planfile::FleetSource;
use std::path::{Path, PathBuf};

/// Files larger than this are not read (a fleet's prompts and documents are text files).
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// A folder with more files than this is not a fleet's folder.
const MAX_FILES: usize = 5_000;
/// Total bytes read from one fleet folder.
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Folders that never hold fleet files but can be huge.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "__pycache__"];

/// A fleet read from disk: its source and the files that were passed over.
#[derive(Debug, Clone)]
pub struct FleetOnDisk {
    /// The YAML and the folder's files.
    pub source: FleetSource,
    /// Files not read, with the reason (shown when the fleet does not load).
    pub skipped: Vec<(String, &'static str)>,
}

/// Reads `fleet_file` and every file in its folder (recursively; hidden entries and
/// dependency folders skipped).
pub fn read_fleet(fleet_file: &Path) -> Result<FleetOnDisk, CliError> {
    let shown = fleet_file.display().to_string();
    let yaml = std::fs::read_to_string(fleet_file).map_err(|e| CliError::Io {
        path: shown.clone(),
        message: format!("cannot read the fleet file: {e}"),
    })?;
    let root = fleet_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = root.canonicalize().map_err(|e| CliError::Io {
        path: root.display().to_string(),
        message: format!("cannot open the fleet's folder: {e}"),
    })?;
    let own = fleet_file.canonicalize().ok();
    let mut walk = Walk {
        root: root.clone(),
        own,
        files: FileSet::new(),
        skipped: Vec::new(),
        total: 0,
    };
    walk.dir(&root, "")?;
    Ok(FleetOnDisk {
        source: FleetSource {
            path: fleet_file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone()),
            yaml,
            files: walk.files,
        },
        skipped: walk.skipped,
    })
}

struct Walk {
    root: PathBuf,
    own: Option<PathBuf>,
    files: FileSet,
    skipped: Vec<(String, &'static str)>,
    total: u64,
}

impl Walk {
    fn dir(&mut self, dir: &Path, rel: &str) -> Result<(), CliError> {
        let io = |e: std::io::Error| CliError::Io {
            path: dir.display().to_string(),
            message: format!("cannot list the folder: {e}"),
        };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            let rel_path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let path = entry.path();
            // Follow links only when they stay inside the fleet's folder.
            let Ok(real) = path.canonicalize() else {
                self.skipped.push((rel_path, "a broken link"));
                continue;
            };
            if !real.starts_with(&self.root) {
                self.skipped
                    .push((rel_path, "a link to outside the fleet's folder"));
                continue;
            }
            if Some(&real) == self.own.as_ref() {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&real) else {
                continue;
            };
            if meta.is_dir() {
                // A link back up the tree would loop forever.
                if path.is_symlink() && real != path {
                    self.skipped.push((rel_path, "a link to a folder"));
                    continue;
                }
                self.dir(&path, &rel_path)?;
            } else if meta.is_file() {
                if meta.len() > MAX_FILE_BYTES {
                    self.skipped.push((rel_path, "larger than 8 MiB"));
                    continue;
                }
                if self.files.len() >= MAX_FILES || self.total + meta.len() > MAX_TOTAL_BYTES {
                    return Err(CliError::Fleet(format!(
                        "the fleet's folder {} holds more than {MAX_FILES} files or 64 MiB; keep fleet.yaml in a folder of its own with the files it references",
                        self.root.display()
                    )));
                }
                // Bytes as they are: folder documents may be binary; the core checks that
                // prompts, block values and tool sources are text.
                match std::fs::read(&real) {
                    Ok(bytes) => {
                        self.total += meta.len();
                        self.files.insert(rel_path, bytes);
                    }
                    Err(_) => self.skipped.push((rel_path, "not readable")),
                }
            }
        }
        Ok(())
    }
}

/// Resolves a fleet source, or a fleet error listing every problem as `file:line:col: path: message`.
pub fn resolve(
    shown: &str,
    source: &FleetSource,
    skipped: &[(String, &'static str)],
) -> Result<(Fleet, Vec<String>), CliError> {
    let report = load_fleet(&source.yaml, &source.files);
    let at = |d: &canary_core::fleet::Diagnostic| match d.line {
        Some(_) => format!("{shown}:{d}"),
        None => format!("{shown}: {d}"),
    };
    let warnings = report.warnings.iter().map(at).collect();
    match report.fleet {
        Some(f) if report.ok => Ok((f, warnings)),
        _ => {
            let mut msg = format!(
                "{shown} has {}:",
                canary_core::wording::count(report.errors.len(), "error")
            );
            for d in &report.errors {
                msg.push_str(&format!("\n  {}", at(d)));
            }
            for (path, why) in skipped {
                msg.push_str(&format!("\n  note: {path} was not read ({why})"));
            }
            Err(CliError::Fleet(msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let d = std::env::temp_dir().join(format!("fleet-canary-{tag}-{n}"));
        let _ = std::fs::create_dir_all(&d);
        d
    }

    #[test]
    fn reads_the_folder_relative_to_the_fleet_and_nothing_outside() {
        let outside = scratch("outside");
        std::fs::write(outside.join("secret.md"), "outside").ok();
        let d = scratch("fleet");
        std::fs::create_dir_all(d.join("prompts")).ok();
        std::fs::create_dir_all(d.join(".git")).ok();
        std::fs::write(d.join("prompts/a.md"), "A").ok();
        std::fs::write(d.join(".git/config"), "x").ok();
        std::fs::write(d.join("bin.dat"), [0xff, 0xfe, 0x00]).ok();
        std::fs::write(d.join("fleet.yaml"), "agents: []\n").ok();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.join("secret.md"), d.join("link.md")).ok();
        let r = read_fleet(&d.join("fleet.yaml")).expect("reads");
        assert_eq!(r.source.yaml, "agents: []\n");
        assert_eq!(r.source.path, "fleet.yaml");
        let keys: Vec<&str> = r.source.files.keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["bin.dat", "prompts/a.md"]);
        assert_eq!(r.source.files.get("bin.dat"), Some(&[0xff, 0xfe, 0x00][..]));
        #[cfg(unix)]
        assert!(r
            .skipped
            .iter()
            .any(|(p, w)| p == "link.md" && w.contains("outside")));
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_dir_all(&outside);
    }

    #[test]
    fn a_missing_fleet_file_is_an_io_error() {
        let d = scratch("missing");
        assert!(matches!(
            read_fleet(&d.join("nope.yaml")),
            Err(CliError::Io { .. })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }
}
