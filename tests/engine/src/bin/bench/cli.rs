//! The `fleet-canary` command line in the benchmark: a canary deploy of the same fleet
//! through the binary (process start, fleet read from disk, live read, plan, execute), timed
//! against the bare-create floor of the same run. The binary comes from `FLEET_CANARY_BIN`
//! (`scripts/bench.sh` builds it with the benchmark profile); without it this part is skipped.

use canary_core::fleet::FileSet;
use std::path::PathBuf;
use std::time::Instant;

/// The binary to run, when the benchmark was given one.
pub fn binary() -> Option<PathBuf> {
    std::env::var_os("FLEET_CANARY_BIN")
        .map(PathBuf::from)
        .filter(|p| p.exists())
}

/// Writes the fleet to a scratch folder and deploys it as canaries with `prefix` through the
/// command line; returns the wall time in seconds, or why it failed.
pub fn deploy(bin: &PathBuf, yaml: &str, files: &FileSet, prefix: &str) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!("bench-cli-{prefix}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("fleet.yaml"), yaml).map_err(|e| e.to_string())?;
    for (path, bytes) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, bytes).map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    let out = std::process::Command::new(bin)
        .args(["apply", "-f"])
        .arg(dir.join("fleet.yaml"))
        .args(["--canary", "--canary-prefix", prefix, "--quiet"])
        .env("LETTA_BASE_URL", canary_tests::base_url())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(secs)
    } else {
        Err(format!(
            "fleet-canary exited {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(400)
                .collect::<String>()
        ))
    }
}
