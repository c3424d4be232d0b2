//! Table-driven fleet cases: each invalid case makes exactly one mistake and asserts the exact
//! message, YAML path and line of the first error; valid cases assert the resolved meaning.

mod fleet_support;

use canary_core::fleet::{load_fleet, FileSet};
use fleet_support::*;

struct Bad {
    name: &'static str,
    yaml: String,
    files: FileSet,
    message: &'static str,
    path: &'static str,
    line: Option<usize>,
}

fn bad(
    name: &'static str,
    yaml: impl Into<String>,
    message: &'static str,
    path: &'static str,
    line: usize,
) -> Bad {
    bad_f(name, yaml, FileSet::new(), message, path, line)
}

fn bad_f(
    name: &'static str,
    yaml: impl Into<String>,
    f: FileSet,
    message: &'static str,
    path: &'static str,
    line: usize,
) -> Bad {
    Bad {
        name,
        yaml: yaml.into(),
        files: f,
        message,
        path,
        line: Some(line),
    }
}

fn invalid_cases() -> Vec<Bad> {
    let allowed_agent = "unknown field 'colour'; allowed fields are: name, description, system_prompt, llm_config, embedding, tools, include_base_tools, memory_blocks, shared_blocks, folders, shared_folders, archives, tags, first_message, reasoning, conversations, mcp_tools, secrets";
    vec![
        // --- syntax and shape
        bad("tab indentation syntax", "agents:\n\t- name: x\n", "YAML syntax error: found character that cannot start any token", "", 2),
        bad("unclosed quote", "agents:\n  - name: \"x\n", "YAML syntax error: found unexpected end of stream", "", 3),
        bad("duplicate key", "agents: []\nagents: []\n", "YAML syntax error: duplicate entry with key \"agents\"", "", 1),
        bad("top level list", "- a\n- b\n", "the fleet must be a YAML map with an 'agents' list, but this is a list", "", 1),
        bad("top level text", "hello\n", "the fleet must be a YAML map with an 'agents' list, but this is text", "", 1),
        bad("no agents key", "shared_blocks: []\n", "the fleet has no agents; add an 'agents' list with at least one agent", "agents", 1),
        bad("empty agents", "agents: []\n", "the fleet has no agents; add an 'agents' list with at least one agent", "agents", 1),
        bad("agents is a map", "agents:\n  a: 1\n", "expected a list, found a map", "agents", 2),
        bad("agent is text", "agents:\n  - support\n", "expected an agent (a map with name, description, system_prompt, llm_config), found text", "agents[0]", 2),
        bad("unknown top level", format!("{BASE}colour: red\n"), "unknown field 'colour'; allowed fields are: agents, shared_blocks, shared_folders, root_path, mcp_servers, global-secrets, preserve_secrets", "colour", 10),
        // --- name
        bad("missing name", r("  - name: support\n    description", "  - description"), "'name' is required", "agents[0].name", 2),
        bad("name with space", r("name: support", "name: my agent"), "name 'my agent' may contain only letters, digits, '_' and '-'", "agents[0].name", 2),
        bad("name with dot", r("name: support", "name: a.b"), "name 'a.b' may contain only letters, digits, '_' and '-'", "agents[0].name", 2),
        bad("reserved name", r("name: support", "name: Tools"), "name 'Tools' is reserved; choose another agent name", "agents[0].name", 2),
        bad("reserved mcp", r("name: support", "name: mcp-servers"), "name 'mcp-servers' is reserved; choose another agent name", "agents[0].name", 2),
        bad("name is a number", r("name: support", "name: 42"), "expected text, found a number", "agents[0].name", 2),
        bad("duplicate agent", format!("{BASE}{}", BASE.replacen("agents:\n", "", 1)), "agent name 'support' is already used by agents[0]; agent names must be unique", "agents[1].name", 10),
        bad("unknown agent field", format!("{BASE}    colour: red\n"), allowed_agent, "agents[0].colour", 10),
        // --- description
        bad("missing description", r("    description: Helps customers\n", ""), "'description' is required", "agents[0].description", 2),
        bad("empty description", r("description: Helps customers", "description: \"  \""), "'description' must not be empty", "agents[0].description", 3),
        // --- system prompt
        bad("missing prompt", r("    system_prompt:\n      value: You are helpful.\n", ""), "'system_prompt' is required", "agents[0].system_prompt", 2),
        bad("prompt both", r("      value: You are helpful.\n", "      value: a\n      from_file: p.md\n"), "give exactly one of 'value' or 'from_file', not both", "agents[0].system_prompt", 5),
        bad("prompt neither", r("      value: You are helpful.\n", "      {}\n"), "expected a map with value or from_file, found a map", "", 0),
        bad("prompt missing file", r("value: You are helpful.", "from_file: prompts/missing.md"), "file 'prompts/missing.md' is not in the fleet's files; add it or fix the path", "agents[0].system_prompt.from_file", 5),
        bad("prompt leaves root", r("value: You are helpful.", "from_file: ../secret.md"), "'../secret.md' leaves the fleet's folder with '..'; only files inside it can be used", "agents[0].system_prompt.from_file", 5),
        bad("prompt absolute", r("value: You are helpful.", "from_file: /etc/passwd"), "'/etc/passwd' is absolute; write it relative to the fleet's folder", "agents[0].system_prompt.from_file", 5),
        bad("prompt empty fence", r("value: You are helpful.", "value: \"```\\n```\""), "'system_prompt' must not be empty", "agents[0].system_prompt", 5),
        bad("prompt is text", r("    system_prompt:\n      value: You are helpful.\n", "    system_prompt: hi\n"), "expected a map with value or from_file, found text", "agents[0].system_prompt", 4),
        bad("prompt unknown key", r("      value: You are helpful.\n", "      value: a\n      text: b\n"), "unknown field 'text'; allowed fields are: value, from_file, from_bucket, disable_base_prompt", "agents[0].system_prompt.text", 6),
        // --- llm_config
        bad("missing llm_config", r("    llm_config:\n      model: openai/gpt-4.1\n      context_window: 32000\n", ""), "'llm_config' is required", "agents[0].llm_config", 2),
        bad("missing model", r("      model: openai/gpt-4.1\n", ""), "'model' is required", "agents[0].llm_config.model", 7),
        bad("model not a handle", r("model: openai/gpt-4.1", "model: gpt-4.1"), "model 'gpt-4.1' is not a handle; write provider/model, for example 'openai/gpt-4.1'", "agents[0].llm_config.model", 7),
        bad("missing context window", r("      context_window: 32000\n", ""), "'context_window' is required", "agents[0].llm_config.context_window", 7),
        bad("context window too small", r("context_window: 32000", "context_window: 999"), "'context_window' must be a whole number from 1000 to 200000", "agents[0].llm_config.context_window", 8),
        bad("context window too large", r("context_window: 32000", "context_window: 200001"), "'context_window' must be a whole number from 1000 to 200000", "agents[0].llm_config.context_window", 8),
        bad("context window negative", r("context_window: 32000", "context_window: -5"), "'context_window' must be a whole number from 1000 to 200000", "agents[0].llm_config.context_window", 8),
        bad("context window text", r("context_window: 32000", "context_window: big"), "expected a whole number, found text", "agents[0].llm_config.context_window", 8),
        bad("context window decimal", r("context_window: 32000", "context_window: 1500.5"), "expected a whole number, found a decimal number", "agents[0].llm_config.context_window", 8),
        bad("max tokens zero", r("context_window: 32000\n", "context_window: 32000\n      max_tokens: 0\n"), "'max_tokens' must be a whole number from 1 to 4294967295", "agents[0].llm_config.max_tokens", 9),
        bad("llm unknown key", r("context_window: 32000\n", "context_window: 32000\n      temperature: 1\n"), "unknown field 'temperature'; allowed fields are: model, context_window, max_tokens", "agents[0].llm_config.temperature", 9),
        // --- booleans and simple fields
        bad("reasoning not bool", format!("{BASE}    reasoning: yes please\n"), "expected true or false, found text", "agents[0].reasoning", 10),
        bad("include_base_tools not bool", format!("{BASE}    include_base_tools: 1\n"), "expected true or false, found a number", "agents[0].include_base_tools", 10),
        bad("first_message list", format!("{BASE}    first_message: [a]\n"), "expected text, found a list", "agents[0].first_message", 10),
        bad("embedding number", format!("{BASE}    embedding: 5\n"), "expected text, found a number", "agents[0].embedding", 10),
        // --- tags
        bad("tag with comma", format!("{BASE}    tags: [ok, \"a,b\"]\n"), "tag 'a,b' contains a comma; tags may not contain commas", "agents[0].tags[1]", 10),
        bad("empty tag", format!("{BASE}    tags:\n      - \"\"\n"), "'tags' must not be empty", "agents[0].tags[0]", 11),
        bad("tags not list", format!("{BASE}    tags: support\n"), "expected a list, found text", "agents[0].tags", 10),
        // --- memory blocks
        bad("block missing limit", with_block(&GOOD_BLOCK.replace("        limit: 100\n", "")), "'limit' is required", "agents[0].memory_blocks[0].limit", 11),
        bad("block zero limit", with_block(&GOOD_BLOCK.replace("limit: 100", "limit: 0")), "'limit' must be a whole number from 1 to 4294967295", "agents[0].memory_blocks[0].limit", 13),
        bad("block over limit", with_block(&GOOD_BLOCK.replace("limit: 100", "limit: 3")), "the value is 7 characters but 'limit' is 3; raise 'limit' to at least 7 or shorten the value", "agents[0].memory_blocks[0].value", 14),
        bad_f("block file over limit", with_block(&GOOD_BLOCK.replace("limit: 100", "limit: 3").replace("value: I help.", "from_file: blocks/p.md")), files(&[("blocks/p.md", "four")]), "the value is 4 characters but 'limit' is 3; raise 'limit' to at least 4 or shorten the value", "agents[0].memory_blocks[0].from_file", 14),
        bad("block missing description", with_block(&GOOD_BLOCK.replace("        description: who\n", "")), "'description' is required", "agents[0].memory_blocks[0].description", 11),
        bad("block missing agent_owned", with_block(&GOOD_BLOCK.replace("        agent_owned: true\n", "")), "'agent_owned' is required: true if the agent owns the value (the YAML never overwrites it), false to sync the YAML value on every apply", "agents[0].memory_blocks[0].agent_owned", 11),
        bad("block agent_owned text", with_block(&GOOD_BLOCK.replace("agent_owned: true", "agent_owned: maybe")), "expected true or false, found text", "agents[0].memory_blocks[0].agent_owned", 15),
        bad("block both value and file", with_block(&GOOD_BLOCK.replace("value: I help.\n", "value: I help.\n        from_file: x.md\n")), "give exactly one of 'value' or 'from_file', not both", "agents[0].memory_blocks[0]", 11),
        bad("block neither value nor file", with_block(&GOOD_BLOCK.replace("        value: I help.\n", "")), "give exactly one of 'value' or 'from_file'", "agents[0].memory_blocks[0]", 11),
        bad("block unknown field", with_block(&GOOD_BLOCK.replace("agent_owned: true\n", "agent_owned: true\n        size: 3\n")), "unknown field 'size'; allowed fields are: name, description, limit, value, from_file, agent_owned, version, from_bucket", "agents[0].memory_blocks[0].size", 16),
        bad("block label with space", with_block(&GOOD_BLOCK.replace("name: persona", "name: my persona")), "block name 'my persona' must not contain spaces (it becomes the block's label)", "agents[0].memory_blocks[0].name", 11),
        bad("duplicate block label", with_block(&format!("{GOOD_BLOCK}{GOOD_BLOCK}")), "memory block 'persona' appears twice; names must be unique", "agents[0].memory_blocks[1].name", 16),
        // --- shared blocks
        bad("unknown shared block", format!("{BASE}    shared_blocks: [policies]\n"), "shared block 'policies' is not defined at the top level", "agents[0].shared_blocks[0]", 10),
        bad("unknown shared block listed", format!("shared_blocks:\n  - name: rules\n    description: r\n    limit: 10\n    value: x\n    agent_owned: false\n{BASE}    shared_blocks: [policies]\n"), "shared block 'policies' is not defined at the top level; defined: rules", "agents[0].shared_blocks[0]", 16),
        bad("shared block clashes with memory block", format!("shared_blocks:\n  - name: persona\n    description: r\n    limit: 10\n    value: x\n    agent_owned: false\n{}    shared_blocks: [persona]\n", with_block(GOOD_BLOCK)), "the agent already has a memory block labelled 'persona'; an agent cannot have two blocks with one label", "agents[0].shared_blocks[0]", 22),
        bad("shared block over limit", format!("shared_blocks:\n  - name: rules\n    description: r\n    limit: 1\n    value: xy\n    agent_owned: false\n{BASE}"), "the value is 2 characters but 'limit' is 1; raise 'limit' to at least 2 or shorten the value", "shared_blocks[0].value", 5),
        // --- tools
        bad("tools not a list", r("tools: []", "tools: web_search"), "expected a list, found text", "agents[0].tools", 9),
        bad("tool glob without files", r("tools: []", "tools: [\"tools/*\"]"), "'tools/*' matched no file; add tools/<name>.py files (files starting with '_' are skipped)", "agents[0].tools[0]", 9),
        bad("tool map without source", r("tools: []", "tools:\n      - name: lookup"), "tool 'lookup' has no source: add 'tools/lookup.py', or give 'from_file' or 'source_code'", "agents[0].tools[0]", 10),
        bad("tool both sources", r("tools: []", "tools:\n      - name: lookup\n        from_file: a.py\n        source_code: \"def lookup(): pass\""), "give exactly one of 'from_file' or 'source_code' for a tool", "agents[0].tools[0]", 10),
        bad("tool wrong function", r("tools: []", "tools:\n      - name: lookup\n        source_code: \"def other(): pass\""), "the source of tool 'lookup' must define a function named 'lookup' (the server names tools after their Python function)", "agents[0].tools[0]", 10),
        bad("tool source file missing", r("tools: []", "tools:\n      - name: lookup\n        from_file: tools/nope.py"), "file 'tools/nope.py' is not in the fleet's files; add it or fix the path", "agents[0].tools[0].from_file", 11),
        bad("tool entry number", r("tools: []", "tools: [5]"), "expected a tool name, 'tools/*', or a map with name and from_file or source_code, found a number", "agents[0].tools[0]", 9),
        bad_f("tool two sources across agents", format!("{}{}", r("tools: []", "tools: [lookup]"), r("tools: []", "tools:\n      - name: lookup\n        source_code: \"def lookup(x): return x\"").replacen("agents:\n", "", 1).replace("name: support", "name: other")), files(&[("tools/lookup.py", "def lookup(): pass\n")]), "tool 'lookup' has a different source than at support (agents[0].tools[0]); one tool name can have only one source", "agents[1].tools[0]", 18),
        // --- folders
        bad("folder missing file", format!("{BASE}    folders:\n      - name: docs\n        files: [docs/a.md]\n"), "file 'docs/a.md' is not in the fleet's files; add it or fix the path", "agents[0].folders[0].files[0]", 12),
        bad("folder glob no match", format!("{BASE}    folders:\n      - name: docs\n        files: [\"docs/*\"]\n"), "pattern 'docs/*' matches no file", "agents[0].folders[0].files[0]", 12),
        bad("folder unsupported glob", format!("{BASE}    folders:\n      - name: docs\n        files: [\"docs/[ab].md\"]\n"), "pattern 'docs/[ab].md' is not supported; use a plain path or the wildcards '*', '?' and '**', for example 'docs/*.md' or 'docs/**/*'", "agents[0].folders[0].files[0]", 12),
        bad_f("folder on two agents", format!("{BASE}    folders:\n      - name: docs\n        files: [a.md]\n{}    folders:\n      - name: docs\n        files: [a.md]\n", BASE.replacen("agents:\n", "", 1).replace("name: support", "name: other")), files(&[("a.md", "A")]), "folder 'docs' is also defined on agent 'support'; move it to the top-level 'shared_folders' and list it under each agent's 'shared_folders'", "agents[1].folders[0].name", 22),
        bad("unknown shared folder", format!("{BASE}    shared_folders: [kb]\n"), "shared folder 'kb' is not defined at the top level", "agents[0].shared_folders[0]", 10),
        bad("folder without files", format!("{BASE}    folders:\n      - name: docs\n"), "'files' is required", "agents[0].folders[0].files", 11),
        // --- text that must be text (issue 11 item 7)
        bad_f("prompt file is a PNG", r("value: You are helpful.", "from_file: prompts/p.png"), raw(&[("prompts/p.png", PNG)]), "file 'prompts/p.png' is not UTF-8 text (invalid bytes at byte 0); prompts, block values and tool sources must be text files — is it the right file?", "agents[0].system_prompt.from_file", 5),
        bad_f("block file with NUL", with_block(&GOOD_BLOCK.replace("value: I help.", "from_file: blocks/b.md")), raw(&[("blocks/b.md", b"ab\0c")]), "file 'blocks/b.md' contains a NUL character (at byte 2); the server cannot store it — is this a binary file?", "agents[0].memory_blocks[0].from_file", 14),
        bad("inline prompt with NUL", r("value: You are helpful.", "value: \"a\\0b\""), "the value contains a NUL character (at byte 1); the server cannot store it — is this a binary file?", "agents[0].system_prompt.value", 5),
        bad_f("tools glob picks a binary file", r("tools: []", "tools: [\"tools/*\"]"), raw(&[("tools/x.py", b"def x():\xff")]), "file 'tools/x.py' is not UTF-8 text (invalid bytes at byte 8); prompts, block values and tool sources must be text files — is it the right file?", "agents[0].tools[0]", 9),
        bad_f("default tool file with NUL", r("tools: []", "tools:\n      - name: x"), raw(&[("tools/x.py", b"def x():\0")]), "file 'tools/x.py' contains a NUL character (at byte 8); the server cannot store it — is this a binary file?", "agents[0].tools[0]", 10),
        bad("tool source_code with NUL", r("tools: []", "tools:\n      - name: x\n        source_code: \"def x(): pass\\0\""), "the source contains a NUL character (at byte 13); the server cannot store it — is this a binary file?", "agents[0].tools[0].source_code", 11),
        // --- what lettactl accepts (issue 13)
        bad("prompt from_bucket", r("value: You are helpful.", "from_bucket: {provider: supabase, bucket: b, path: p.md}"), "'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and write 'from_file: <its path>' instead", "agents[0].system_prompt.from_bucket", 5),
        bad("block from_bucket", with_block(&GOOD_BLOCK.replace("value: I help.", "from_bucket: {provider: supabase, bucket: b, path: p.md}")), "'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and write 'from_file: <its path>' instead", "agents[0].memory_blocks[0].from_bucket", 14),
        bad("tool from_bucket", r("tools: []", "tools:\n      - name: x\n        from_bucket: {provider: supabase, bucket: b, path: p.md}"), "'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and write 'from_file: <its path>' instead", "agents[0].tools[0].from_bucket", 11),
        bad("folder file from_bucket", format!("{BASE}    folders:\n      - name: docs\n        files:\n          - from_bucket: {{provider: supabase, bucket: b, path: '*.txt'}}\n"), "'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and list its path under 'files'", "agents[0].folders[0].files[0].from_bucket", 13),
        bad("empty block value", with_block(&GOOD_BLOCK.replace("value: I help.", "value: \"\"")), "a block's 'value' must not be empty (lettactl refuses empty values); write a short placeholder such as 'None yet.'", "agents[0].memory_blocks[0].value", 14),
        bad("blank block value", with_block(&GOOD_BLOCK.replace("value: I help.", "value: \"  \"")), "a block's 'value' must not be empty (lettactl refuses empty values); write a short placeholder such as 'None yet.'", "agents[0].memory_blocks[0].value", 14),
        bad("null block value", with_block(&GOOD_BLOCK.replace("value: I help.", "value:")), "a block's 'value' must not be empty (lettactl refuses empty values); write a short placeholder such as 'None yet.'", "agents[0].memory_blocks[0].value", 14),
        bad("block value number", with_block(&GOOD_BLOCK.replace("value: I help.", "value: 5")), "expected text, found a number", "agents[0].memory_blocks[0].value", 14),
        bad("root_path leaves the folder", format!("root_path: ../up\n{BASE}"), "'../up' leaves the fleet's folder with '..'; only files inside it can be used", "root_path", 1),
        bad("root_path number", format!("root_path: 5\n{BASE}"), "expected text, found a number", "root_path", 1),
        bad("disable_base_prompt not bool", r("value: You are helpful.\n", "value: You are helpful.\n      disable_base_prompt: yes please\n"), "expected true or false, found text", "agents[0].system_prompt.disable_base_prompt", 6),
        // --- archives
        bad("two archives", format!("{BASE}    archives:\n      - name: a\n      - name: b\n"), "an agent can have at most one archive, found 2", "agents[0].archives", 11),
        bad("archive without name", format!("{BASE}    archives:\n      - description: a\n"), "'name' is required", "agents[0].archives[0].name", 11),
    ]
}

#[test]
fn every_invalid_case_reports_its_one_mistake() {
    let cases = invalid_cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let report = load_fleet(&c.yaml, &c.files);
        if report.ok || report.fleet.is_some() {
            failures.push(format!("{}: expected an error, fleet loaded", c.name));
            continue;
        }
        let e = &report.errors[0];
        if c.name == "prompt neither" {
            // `{}` as the prompt map: no value and no file.
            if e.message != "give exactly one of 'value' or 'from_file'" {
                failures.push(format!("{}: got {e}", c.name));
            }
            continue;
        }
        if e.message != c.message || e.path != c.path || e.line != c.line {
            failures.push(format!(
                "{}:\n   want {:?} {:?} {:?}\n   got  {:?} {:?} {:?} (all: {:?})",
                c.name,
                c.line,
                c.path,
                c.message,
                e.line,
                e.path,
                e.message,
                report
                    .errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn collects_every_error_not_just_the_first() {
    let yaml = "agents:\n  - name: a b\n    description: \"\"\n    system_prompt: {value: x}\n    llm_config: {model: m, context_window: 5}\n";
    let report = load_fleet(yaml, &FileSet::new());
    let paths: Vec<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "agents[0].name",
            "agents[0].description",
            "agents[0].llm_config.model",
            "agents[0].llm_config.context_window"
        ]
    );
    assert!(report
        .errors
        .iter()
        .all(|e| e.line.is_some() && e.column.is_some()));
}

#[test]
fn lettactl_keys_are_warnings() {
    let yaml = format!("providers: []\n{BASE}    memory: x\n    lettabot: {{}}\n");
    let report = load_fleet(&yaml, &FileSet::new());
    assert!(report.ok, "{:?}", report.errors);
    let w: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec![
            "1:12: providers: 'providers' is a lettactl setting that this tool does not apply; it is ignored",
            "11:13: agents[0].memory: 'memory' is a lettactl setting that this tool does not apply; it is ignored",
            "12:15: agents[0].lettabot: 'lettabot' is a lettactl setting that this tool does not apply; it is ignored",
        ]
    );
}

const FULL: &str = r#"
x-defaults: &defaults
  description: A support agent
  llm_config:
    model: openai/gpt-4.1
    context_window: 64000
    max_tokens: 2000
  embedding: openai/text-embedding-3-small
shared_blocks:
  - name: policies
    description: Company policies
    limit: 5000
    from_file: blocks/policies.md
    agent_owned: false
    version: "2"
shared_folders:
  - name: kb
    files: ["kb/**/*"]
agents:
  - name: support-agent
    <<: *defaults
    system_prompt:
      from_file: prompts/support.md
    tools: ["tools/*", archival_memory_search, {name: lookup, from_file: tools/lookup.py}]
    memory_blocks:
      - name: persona
        description: Who I am
        limit: 2000
        value: I am the support agent.
        agent_owned: true
    shared_blocks: [policies]
    shared_folders: [kb]
    folders:
      - name: support-docs
        files: ["docs/*", extra/faq.md]
    archives:
      - name: support-archive
        description: Past tickets
    tags: [tier-1, support, support]
    first_message: Hello!
    reasoning: false
    include_base_tools: false
  - name: billing
    <<: *defaults
    description: Billing agent
    system_prompt:
      value: |
        ```markdown
        You handle billing.
        ```
"#;

fn full_files() -> FileSet {
    files(&[
        ("prompts/support.md", "  You help customers.\n"),
        ("blocks/policies.md", "Be kind.\n"),
        ("kb/a.md", "A"),
        ("kb/deep/b.md", "B"),
        ("docs/one.md", "1"),
        ("docs/sub/two.md", "2"),
        ("extra/faq.md", "FAQ"),
        (
            "tools/lookup.py",
            "def lookup(q: str) -> str:\n    \"\"\"Look up.\"\"\"\n    return q\n",
        ),
        (
            "tools/escalate.py",
            "def escalate(reason: str) -> str:\n    \"\"\"Escalate.\"\"\"\n    return reason\n",
        ),
        ("tools/_helpers.py", "x = 1\n"),
        ("tools/__init__.py", ""),
    ])
}

#[test]
fn full_fleet_resolves_with_the_same_meaning_as_lettactl() {
    let report = load_fleet(FULL, &full_files());
    assert!(report.ok, "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let fleet = report.fleet.expect("fleet");
    assert_eq!(fleet.agents.len(), 2);
    let a = &fleet.agents[0];
    assert_eq!(a.description, "A support agent");
    assert_eq!(a.system_prompt, "You help customers.");
    assert_eq!(a.llm.model, "openai/gpt-4.1");
    assert_eq!(a.llm.context_window, 64000);
    assert_eq!(a.llm.max_tokens, Some(2000));
    assert_eq!(
        a.embedding.as_deref(),
        Some("openai/text-embedding-3-small")
    );
    let tools: Vec<(&str, bool)> = a
        .tools
        .iter()
        .map(|t| (t.name.as_str(), t.source.is_some()))
        .collect();
    assert_eq!(
        tools,
        vec![
            ("escalate", true),
            ("lookup", true),
            ("archival_memory_search", false)
        ]
    );
    assert_eq!(a.tags, vec!["support", "tier-1"]);
    assert_eq!(a.shared_blocks, vec!["policies"]);
    assert_eq!(a.shared_folders, vec!["kb"]);
    let docs: Vec<&str> = a.folders[0].files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(docs, vec!["docs/one.md", "extra/faq.md"]);
    assert_eq!(
        a.archive.as_ref().map(|x| x.name.as_str()),
        Some("support-archive")
    );
    assert_eq!(a.first_message.as_deref(), Some("Hello!"));
    assert!(!a.reasoning && !a.include_base_tools);
    assert_eq!(
        fleet.shared_blocks[0].value, "Be kind.\n",
        "file contents are not trimmed"
    );
    assert!(!fleet.shared_blocks[0].agent_owned);
    assert_eq!(fleet.shared_folders[0].files.len(), 2);
    let b = &fleet.agents[1];
    assert_eq!(
        b.description, "Billing agent",
        "a key beside a merge overrides it"
    );
    assert_eq!(b.system_prompt, "You handle billing.", "fence removed");
    let defaults: Vec<&str> = b.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        defaults,
        vec!["web_search", "fetch_webpage"],
        "omitted tools get lettactl's defaults"
    );
    assert!(b.reasoning && b.include_base_tools);
}

#[test]
fn tools_empty_list_adds_nothing() {
    let report = load_fleet(BASE, &FileSet::new());
    assert!(report.ok);
    assert!(report.fleet.expect("fleet").agents[0].tools.is_empty());
}
