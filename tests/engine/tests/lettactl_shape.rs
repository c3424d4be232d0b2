//! A fleet with the shape of lettactl's main end-to-end fixture — 32 agents, shared blocks,
//! a shared folder and agent folders filled by globs, conversations, custom and built-in
//! tools, tags — through the whole workflow against the real server: it loads, plans,
//! deploys as canaries, converges to all UNCHANGED with zero writes, promotes and cleans up.

mod support;

use canary_core::client::Counting;
use canary_core::execute::execute;
use canary_core::fleet::FileSet;
use canary_core::plan::{Action, Mode};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport};
use support::*;

const AGENTS: usize = 32;

fn fleet(n: &Names) -> (String, FileSet) {
    let tool = n.ident("lookup");
    let policies = n.ident("policies");
    let style = n.ident("style");
    let mut files = FileSet::new();
    files.insert(
        format!("tools/{tool}.py"),
        format!("def {tool}(q: str) -> str:\n    \"\"\"Looks a thing up.\n\n    Args:\n        q: what to look up\n\n    Returns:\n        str: the answer\n    \"\"\"\n    return q\n"),
    );
    files.insert("docs/guide.md".into(), "# Guide\nHow we work.\n");
    files.insert("docs/faq.md".into(), "# FAQ\nQuestions.\n");
    files.insert("docs/notes.txt".into(), "not matched by *.md\n");
    files.insert("kb/en/returns.txt".into(), "Returns within 30 days.\n");
    files.insert("kb/en/shipping.txt".into(), "Ships in 2 days.\n");
    let mut y = format!(
        "shared_blocks:\n  - {{name: {policies}, description: Policies, limit: 500, value: Be kind., agent_owned: false}}\n  - {{name: {style}, description: Style, limit: 500, value: Be brief., agent_owned: true}}\nshared_folders:\n  - name: {docs}\n    files: [\"docs/*.md\"]\nagents:\n",
        docs = n.name("docs"),
    );
    for i in 0..AGENTS {
        let tools = match i % 4 {
            0 => format!("[{tool}, web_search]"),
            1 => "[fetch_webpage]".to_string(),
            2 => format!("[{tool}]"),
            _ => "[]".to_string(),
        };
        y.push_str(&format!(
            "  - name: {name}\n    description: Agent {i}\n    system_prompt: {{value: You are agent {i}.}}\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    embedding: openai/text-embedding-3-small\n    tools: {tools}\n    shared_blocks: [{policies}{style}]\n    memory_blocks:\n      - {{name: persona, description: Me, limit: 300, value: I am agent {i}., agent_owned: true}}\n    tags: [fleet-{u}, group-{g}]\n",
            name = n.name(&format!("a{i:02}")),
            u = n.u,
            g = i % 3,
            style = if i % 2 == 0 { format!(", {style}") } else { String::new() },
        ));
        if i % 8 == 0 {
            y.push_str(&format!("    shared_folders: [{}]\n", n.name("docs")));
        }
        if i == 1 {
            y.push_str(&format!(
                "    folders:\n      - name: {}\n        files: [\"kb/**/*.txt\"]\n",
                n.name("kb")
            ));
        }
        if i % 5 == 0 {
            y.push_str("    conversations:\n      - summary: Onboarding\n        isolated_blocks: [persona]\n");
        }
    }
    (y, files)
}

#[tokio::test]
async fn a_lettactl_shaped_fleet_runs_the_whole_workflow() {
    let n = Names::new("lcs");
    let (yaml, files) = fleet(&n);
    let fleet = load(&yaml, &files);
    assert_eq!(fleet.agents.len(), AGENTS);
    let docs = fleet.shared_folder(&n.name("docs")).expect("docs folder");
    let mut matched: Vec<&str> = docs.files.iter().map(|f| f.path.as_str()).collect();
    matched.sort();
    assert_eq!(
        matched,
        ["docs/faq.md", "docs/guide.md"],
        "the glob takes *.md only"
    );
    let c = client(Counting::new(NativeTransport::default()));

    // Canary deploy of all 32, then convergence with zero writes.
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &fleet, &canary).await;
    assert!(p.is_executable(), "{:?}", p.blockers);
    assert_eq!(p.summary.create, AGENTS, "{}", render_text(&p));
    let r = execute(&c, &fleet, &p, &canary, &exec(), &|_| {})
        .await
        .expect("run");
    assert!(r.ok(), "{}", r.summary());
    let (_, again) = preview(&c, &fleet, &canary).await;
    assert!(
        again.agents.iter().all(|a| a.action == Action::Unchanged) && again.is_noop(),
        "{}",
        render_text(&again)
    );
    c.transport().reset();
    execute(&c, &fleet, &again, &canary, &exec(), &|_| {})
        .await
        .expect("run");
    assert_eq!(c.transport().writes(), 0, "a re-deploy writes nothing");

    // Promote with cleanup in the same reviewed plan; production converges too.
    let promote = canary_core::plan::PlanOptions {
        cleanup_after: true,
        ..opts(Mode::Promote, &n.prefix)
    };
    let (_, p) = preview(&c, &fleet, &promote).await;
    assert_eq!(p.summary.create, AGENTS);
    assert_eq!(p.cleanup.as_ref().map(|c| c.agents()), Some(AGENTS));
    let r = execute(&c, &fleet, &p, &promote, &exec(), &|_| {})
        .await
        .expect("run");
    assert!(r.ok(), "{}", r.summary());
    let (_, again) = preview(&c, &fleet, &opts(Mode::Promote, &n.prefix)).await;
    assert!(again.is_noop(), "{}", render_text(&again));
    // The whole server: a promote's preview does not read the canaries.
    let live = c.fetch_live(&fleet).await.expect("live");
    assert!(
        live.agents.iter().all(|a| !a.name.starts_with(&n.prefix)),
        "the canaries are gone"
    );
    let conversations = live
        .agents
        .iter()
        .filter(|a| a.name.ends_with(&n.u) && a.conversations == ["Onboarding"])
        .count();
    assert_eq!(
        conversations,
        AGENTS.div_ceil(5),
        "every fifth agent has its conversation"
    );
}
