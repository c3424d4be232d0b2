//! Shared by the CLI tests: a fleet folder on disk with run-unique names, the binary run as a
//! subprocess, and a client of the same server to compute golden plans and read state back.

#![allow(dead_code)]

use canary_cli::NativeTransport;
use canary_core::client::{Connection, LettaClient};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::LiveState;
use canary_core::plan::{plan, Mode, Plan, PlanOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The model handle of the deterministic model server.
pub const MODEL: &str = "openai-proxy/canary-echo";
/// The embedding handle the local server registers.
pub const EMBEDDING: &str = "openai/text-embedding-3-small";

/// The server under test.
pub fn base_url() -> String {
    std::env::var("LETTA_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8283".into())
}

/// A run-unique tag, so tests sharing one server never collide.
pub fn unique(label: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{label}{}", n % 1_000_000_000)
}

/// A fleet folder with run-unique agent, tool, block names and canary prefix.
pub struct TestFleet {
    /// Unique tag.
    pub u: String,
    /// Canary prefix for this run.
    pub prefix: String,
    /// The folder.
    pub dir: PathBuf,
}

impl TestFleet {
    /// Writes `fleet.yaml`, its prompt and its tool into a fresh folder.
    pub fn new(tag: &str) -> TestFleet {
        let u = unique(tag);
        let dir = std::env::temp_dir().join(format!("fleet-canary-test-{u}"));
        std::fs::create_dir_all(dir.join("prompts")).expect("mkdir");
        std::fs::create_dir_all(dir.join("tools")).expect("mkdir");
        let f = TestFleet {
            prefix: format!("C{u}-"),
            u,
            dir,
        };
        for (path, content) in &f.files() {
            std::fs::write(f.dir.join(path), content).expect("write");
        }
        std::fs::write(f.fleet_file(), f.yaml()).expect("write fleet");
        f
    }

    /// The fleet file.
    pub fn fleet_file(&self) -> PathBuf {
        self.dir.join("fleet.yaml")
    }

    /// Production name of an agent.
    pub fn agent(&self, n: &str) -> String {
        format!("{n}-{}", self.u)
    }

    /// Canary name of an agent.
    pub fn canary(&self, n: &str) -> String {
        format!("{}{}", self.prefix, self.agent(n))
    }

    fn tool(&self) -> String {
        format!("lookup_{}", self.u)
    }

    fn files(&self) -> Vec<(String, String)> {
        vec![
            (
                "prompts/support.md".into(),
                "You are the support agent.\nBe brief.\n".into(),
            ),
            (
                format!("tools/{}.py", self.tool()),
                format!("def {}(query: str) -> str:\n    \"\"\"Look something up.\n\n    Args:\n        query: what to look up\n    \"\"\"\n    return 'found ' + query\n", self.tool()),
            ),
        ]
    }

    /// The fleet's text.
    pub fn yaml(&self) -> String {
        format!(
            r#"shared_blocks:
  - name: policies_{u}
    description: Company policies
    limit: 2000
    value: "Be kind."
    agent_owned: false
agents:
  - name: {support}
    description: Support agent
    system_prompt:
      from_file: prompts/support.md
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: [{tool}, conversation_search]
    shared_blocks: [policies_{u}]
    memory_blocks:
      - name: persona
        description: Who I am
        limit: 1000
        value: I am the support agent.
        agent_owned: true
    tags: [support]
  - name: {billing}
    description: Billing agent
    system_prompt:
      value: You handle billing.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    shared_blocks: [policies_{u}]
    tags: [billing]
"#,
            u = self.u,
            support = self.agent("support"),
            billing = self.agent("billing"),
            tool = self.tool(),
        )
    }

    /// The resolved fleet, as the core sees it.
    pub fn fleet(&self) -> Fleet {
        let files: FileSet = self.files().into_iter().collect();
        let r = load_fleet(&self.yaml(), &files);
        assert!(r.ok, "{:?}", r.errors);
        r.fleet.expect("fleet")
    }

    /// Planner options for a mode with this run's prefix.
    pub fn opts(&self, mode: Mode) -> PlanOptions {
        PlanOptions {
            mode,
            prefix: self.prefix.clone(),
            ..PlanOptions::default()
        }
    }

    /// Runs the binary in the fleet's folder against the server under test.
    pub fn run(&self, args: &[&str]) -> Out {
        run_with(&self.dir, &[("LETTA_BASE_URL", &base_url())], args)
    }
}

impl Drop for TestFleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A finished run.
pub struct Out {
    /// Exit status.
    pub code: i32,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// Stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// Runs `fleet-canary` in `dir` with these environment variables (LETTA_* are cleared first).
pub fn run_with(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fleet-canary"));
    c.current_dir(dir).args(args);
    for k in [
        "LETTA_BASE_URL",
        "LETTA_API_KEY",
        "LETTA_PROJECT",
        "LETTA_PROJECT_ID",
    ] {
        c.env_remove(k);
    }
    if let Ok(k) = std::env::var("LETTA_API_KEY") {
        c.env("LETTA_API_KEY", k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let o: Output = c.output().expect("run fleet-canary");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A client of the server under test.
pub fn client() -> LettaClient<NativeTransport> {
    LettaClient::new(
        NativeTransport::default(),
        Connection {
            base_url: base_url(),
            api_key: std::env::var("LETTA_API_KEY").ok(),
            project: None,
        },
    )
}

/// The live state and the plan the core computes for it: the golden a dry run must equal.
pub async fn golden(fleet: &Fleet, opts: &PlanOptions) -> (LiveState, Plan) {
    let live = client().fetch_live(fleet).await.expect("live state");
    let p = plan(fleet, &live, opts).expect("plan");
    (live, p)
}

/// Names of the server's agents that start with `prefix`.
pub async fn agents_starting(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = client()
        .list_agents()
        .await
        .expect("agents")
        .iter()
        .filter_map(|a| a.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// Names of the server's agents called exactly `name`.
pub async fn agents_named(name: &str) -> usize {
    client().agents_named(name).await.expect("agents").len()
}
