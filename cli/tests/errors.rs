//! Bad input and an unusable server give clear errors and the documented exit statuses, and
//! nothing is written (read back through the API).

mod common;

use common::{agents_starting, base_url, run_with, TestFleet};

#[tokio::test]
async fn unreachable_server_exits_4_with_a_clear_error() {
    let f = TestFleet::new("clinet");
    // Port 9 (discard) is closed on loopback: connection refused.
    let env = [("LETTA_BASE_URL", "http://127.0.0.1:9")];
    let out = run_with(
        &f.dir,
        &env,
        &[
            "apply",
            "-f",
            "fleet.yaml",
            "--canary",
            "--canary-prefix",
            &f.prefix,
        ],
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr
            .contains("cannot reach the Letta server at http://127.0.0.1:9"),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    let out = run_with(&f.dir, &env, &["get", "agents", "--output", "json"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.json()["error"]["kind"], "unreachable", "{out:?}");
    // https:// goes through rustls: against the plain-HTTP test server the TLS handshake
    // itself fails (rustls reads the HTTP answer as a corrupt TLS record), which shows the
    // TLS stack is in the binary and says clearly what went wrong.
    let tls = base_url().replacen("http://", "https://", 1);
    let out = run_with(&f.dir, &[("LETTA_BASE_URL", &tls)], &["get", "agents"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("corrupt message"), "{out:?}");
}

#[tokio::test]
async fn bad_fleets_and_bad_command_lines_exit_2_and_write_nothing() {
    let f = TestFleet::new("clibad");
    let p = f.prefix.as_str();
    let server = base_url();
    let env = [("LETTA_BASE_URL", server.as_str())];

    // A fleet error: reported with file, line and path; nothing deployed.
    let bad = f.yaml().replace(
        "      context_window: 16000\n    embedding",
        "      context_window: 99\n    embedding",
    );
    std::fs::write(f.dir.join("bad.yaml"), bad).expect("write");
    let out = run_with(
        &f.dir,
        &env,
        &["apply", "-f", "bad.yaml", "--canary", "--canary-prefix", p],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("bad.yaml:"), "{out:?}");
    assert!(out.stderr.contains("context_window"), "{out:?}");

    // A path that leaves the fleet's folder is refused, even though the file exists.
    std::fs::write(f.dir.join("../fleet-canary-outside.md"), "outside").expect("write");
    let escape = f.yaml().replace(
        "from_file: prompts/support.md",
        "from_file: ../fleet-canary-outside.md",
    );
    std::fs::write(f.dir.join("escape.yaml"), escape).expect("write");
    let out = run_with(
        &f.dir,
        &env,
        &[
            "apply",
            "-f",
            "escape.yaml",
            "--canary",
            "--canary-prefix",
            p,
        ],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("leaves the fleet's folder"), "{out:?}");

    // A YAML syntax error, with --output json: the error as JSON on stdout.
    std::fs::write(f.dir.join("syntax.yaml"), "agents: [\n  - name: x\n").expect("write");
    let out = run_with(
        &f.dir,
        &env,
        &["apply", "-f", "syntax.yaml", "--canary", "-o", "json"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["kind"], "fleet", "{out:?}");

    // lettactl's flag rules.
    let out = run_with(&f.dir, &env, &["apply", "-f", "fleet.yaml", "--promote"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("--promote requires --canary flag"),
        "{out:?}"
    );
    let out = run_with(
        &f.dir,
        &env,
        &["apply", "-f", "fleet.yaml", "--canary", "--prune", "blokcs"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("Unknown --prune target: blokcs"),
        "{out:?}"
    );
    let out = run_with(
        &f.dir,
        &env,
        &["apply", "-f", "fleet.yaml", "--canary", "--agent", "nobody"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("matches no agent"), "{out:?}");
    let out = run_with(&f.dir, &env, &["apply", "--bogus"]);
    assert_eq!(out.code, 2, "{out:?}");

    // No server configured; a file that is not a plan file; an agent that does not exist.
    let out = run_with(&f.dir, &[], &["apply", "-f", "fleet.yaml", "--canary"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("LETTA_BASE_URL"), "{out:?}");
    let out = run_with(&f.dir, &env, &["apply", "--plan", "fleet.yaml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not valid JSON"), "{out:?}");
    let out = run_with(
        &f.dir,
        &env,
        &[
            "describe",
            "agent",
            "nobody-here",
            "--canary",
            "--canary-prefix",
            p,
        ],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not found"), "{out:?}");

    assert!(agents_starting(p).await.is_empty(), "nothing was written");
    let _ = std::fs::remove_file(f.dir.join("../fleet-canary-outside.md"));
}

#[test]
fn help_documents_the_exit_statuses() {
    let out = run_with(&std::env::temp_dir(), &[], &["--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    for line in [
        "0  ok",
        "1  failed",
        "2  bad input",
        "3  stale plan",
        "4  server unusable",
    ] {
        assert!(out.stdout.contains(line), "{line}: {out:?}");
    }
    assert!(out.stdout.contains("LETTA_BASE_URL"), "{out:?}");
}
