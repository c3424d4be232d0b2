// The package's TypeScript declarations, proven: no `any`, a typed usage example compiles,
// wrong usages do not, and real answers of the pure functions match the declared types.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const core = require('../../core/pkg/canary_core.js');
const { PKG, assertCamel, typecheck, typedAnswers } = require('./support.js');

const DTS = fs.readFileSync(path.join(PKG, 'canary_core.d.ts'), 'utf8');
const EXAMPLE = fs.readFileSync(path.join(__dirname, 'example.ts'), 'utf8');
const PKG_IMPORT = JSON.stringify(path.join(PKG, 'canary_core'));

const FLEET = `shared_blocks:
  - name: policies
    description: Policies
    limit: 1000
    value: Be kind.
    agent_owned: false
shared_folders:
  - name: kb
    files: ["kb/*"]
agents:
  - name: support
    description: Support
    system_prompt:
      from_file: prompts/support.md
    llm_config:
      model: openai/gpt-4.1
      context_window: 32000
      max_tokens: 1000
    embedding: openai/text-embedding-3-small
    tools: [lookup, web_search]
    shared_blocks: [policies]
    shared_folders: [kb]
    memory_blocks:
      - name: persona
        description: Who
        limit: 200
        value: I help.
        agent_owned: true
    archives:
      - name: tickets
    tags: [b, a]
    first_message: Hello
`;
const FILES = {
  'prompts/support.md': 'You help.\nLine two.\nLine three.',
  'kb/faq.md': '# FAQ',
  'tools/lookup.py': 'def lookup(q: str) -> str:\n    """Look up.\n\n    Args:\n        q: what\n    """\n    return q\n',
};

// lettactl's integrations: MCP servers of every transport, mcp_tools, secrets of both sources.
const FLEET_MCP = `mcp_servers:
  - name: calc
    type: stdio
    command: \${PY}
    args: [server.py]
    env: {MODE: test}
  - name: docs
    type: sse
    server_url: https://docs.example/sse
    auth_header: Authorization
    auth_token: Bearer $DOCS_TOKEN
    custom_headers: {X_TEAM: support}
global-secrets:
  SHARED_KEY: {value: s3cret}
preserve_secrets: [KEEP_ME]
agents:
  - name: support
    description: Support
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    mcp_tools:
      - server: calc
        tools: all
      - server: docs
        tools: [search]
    secrets:
      API_KEY: {from_env: API_KEY, preserve_existing: true}
`;
const LIVE_MCP = {
  agents: [{ id: 'agent-s', name: 'support', description: 'Support', system: 'You help.', model: 'openai/gpt-4.1', contextWindow: 32000, metadata: {} }],
  mcpServers: [{ id: 'mcp_server-1', name: 'docs', definition: { type: 'sse', serverUrl: 'https://old.example/sse', token: null, customHeaders: {} },
    tools: [{ id: 'tool-m1', name: 'search', toolType: 'external_mcp' }] }],
};

test('the emitted declarations contain no `any` and declare every function with its types', () => {
  const code = DTS.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\bany\b/, 'core/pkg/canary_core.d.ts must not use `any`');
  const signatures = {
    validateFleet: ['(yaml: string, files: FleetFiles | null)', 'FleetReport'],
    planFleet: ['(yaml: string, files: FleetFiles | null, live: LiveStateInput | null, options: PlanOptions | null)', 'PlanResult'],
    renderPlan: ['(plan: Plan)', 'string'],
    fetchLive: ['(conn: Connection, yaml: string, files: FleetFiles | null)', 'Promise<LiveResult>'],
    planOnServer: ['(conn: Connection, yaml: string, files: FleetFiles | null, options: PlanOptions | null)', 'Promise<ServerPlanResult>'],
    executePlan: ['(conn: Connection, yaml: string, files: FleetFiles | null, reviewed: Plan, options: PlanOptions | null, '
      + 'progress: ((event: Progress) => void) | null, settings: ExecuteSettings | null)', 'Promise<ExecuteResult>'],
    listCanaries: ['(conn: Connection)', 'Promise<CanaryListResult>'],
    describeCanary: ['(conn: Connection, canary: string)', 'Promise<DescribeResult>'],
    sendMessage: ['(conn: Connection, agent: string, text: string, listener: ((message: ChatMessage) => void) | null)', 'Promise<SendResult>'],
    writePlanFile: ['(plan: Plan, options: PlanOptions | null, fleet: FleetSourceInput, server: string)', 'PlanFileText'],
    readPlanFile: ['(text: string)', 'PlanFileResult'],
  };
  const declared = DTS.split('\n').filter((l) => l.startsWith('export function ')).sort();
  assert.deepStrictEqual(declared, Object.entries(signatures).map(([f, [params, ret]]) => `export function ${f}${params}: ${ret};`).sort());
});

test('the browser build declares the same API, plus its init; `any` only in the raw wasm exports', () => {
  const web = fs.readFileSync(path.join(PKG, 'web', 'canary_core.d.ts'), 'utf8');
  const raw = /export interface InitOutput \{[^}]*\}/.exec(web);
  assert.ok(raw, 'InitOutput (the raw wasm exports) is declared');
  const code = web.replace(raw[0], '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\bany\b/, 'core/pkg/web/canary_core.d.ts must not use `any` outside InitOutput');
  const fns = (d) => d.split('\n').filter((l) => l.startsWith('export function ') && !l.startsWith('export function initSync')).sort();
  assert.deepStrictEqual(fns(web), fns(DTS));
  assert.match(web, /export default function __wbg_init \(/);
  const src = `import init, * as core from ${JSON.stringify(path.join(PKG, 'web', 'canary_core'))};
export async function run(): Promise<string> {
  await init();
  const r = await core.listCanaries({ baseUrl: 'http://127.0.0.1:8283' });
  return r.ok ? r.canaries.groups.map((g) => g.prefix).join() : r.error.message;
}
`;
  const out = typecheck({ 'web.ts': src });
  assert.strictEqual(out, '', out);
});

test('the typed usage example compiles with tsc --strict', () => {
  const out = typecheck({ 'example.ts': EXAMPLE.replaceAll("'../../core/pkg/canary_core'", PKG_IMPORT) });
  assert.strictEqual(out, '', out);
});

test('tsc rejects wrong usages (the check can fail)', () => {
  const wrong = {
    'snake case plan field': 'p.fleet_steps.length',
    'nullable fleet used unchecked': 'core.validateFleet("", null).fleet.agents',
    'unknown option': 'core.planFleet("", null, null, { mode: "canary", accept_tool_updates: true })',
    'bad mode': 'core.planFleet("", null, null, { mode: "sideways" })',
    'report before checking the outcome': '(async () => (await core.executePlan({ baseUrl: "" }, "", null, p, null, null, null)).report.agents)()',
    'step field of another op': 'p.fleetSteps.map((s) => s.op === "createTool" ? s.spec : null)',
  };
  // One tsc run over one file per wrong usage; every file must have an error.
  const names = Object.keys(wrong).map((_, i) => `wrong${i}.ts`);
  const sources = Object.fromEntries(Object.values(wrong).map((expr, i) => [names[i],
    `import * as core from ${PKG_IMPORT};\ndeclare const p: core.Plan;\nexport const x = ${expr};\n`]));
  const out = typecheck(sources);
  Object.keys(wrong).forEach((what, i) => assert.match(out, new RegExp(`${names[i]}\\(\\d+,\\d+\\): error TS`), `tsc accepted: ${what}`));
});

test('real answers of the pure functions have the declared types, all camelCase', () => {
  const ok = core.validateFleet(FLEET, FILES);
  assert.strictEqual(ok.ok, true, JSON.stringify(ok.errors));
  const bad = core.validateFleet(FLEET.replace('limit: 200', 'limit: -1'), FILES);
  assert.strictEqual(bad.ok, false);
  const canary = core.planFleet(FLEET, FILES, null, { mode: 'canary' });
  assert.strictEqual(canary.ok, true, JSON.stringify(canary.errors));
  const promote = core.planFleet(FLEET, FILES, null, { mode: 'promote', cleanupAfter: true });
  assert.strictEqual(promote.ok, true, JSON.stringify(promote.errors));
  // A live state with a production agent, a canary of it and folders: updates, diffs, syncs.
  const live = {
    agents: [
      { id: 'agent-p', name: 'support', description: 'Old', system: 'You help.\nLine 2.', model: 'openai/gpt-4.1', contextWindow: 16000,
        tags: ['a'], blockIds: ['block-p'], toolIds: ['tool-1'], folderIds: ['source-kb'], metadata: {} },
      { id: 'agent-c', name: 'CANARY-support', description: 'Support', system: 'You help.', model: 'openai/gpt-4.1', contextWindow: 32000,
        tags: ['a', 'b'], blockIds: ['block-p'], metadata: { 'lettactl.canary': true, 'lettactl.canary.prefix': 'CANARY-', 'lettactl.canary.productionName': 'support' } },
    ],
    blocks: [{ id: 'block-p', label: 'policies', value: 'Be nice.', limit: 1000, description: 'Policies', metadata: {} }],
    tools: [{ id: 'tool-1', name: 'lookup', sourceCode: 'def lookup(q: str) -> str:\n    return ""\n', toolType: 'custom' }],
    folders: [{ id: 'source-kb', name: 'kb', metadata: {}, files: { 'faq.md': 3, 'old.md': 1 }, fileIds: { 'faq.md': 'file-1', 'old.md': 'file-2' } }],
  };
  const drift = core.planFleet(FLEET, FILES, live, { mode: 'apply', prune: true });
  assert.strictEqual(drift.ok, true, JSON.stringify(drift.errors));
  const update = drift.plan.agents.find((a) => a.name === 'support');
  assert.strictEqual(update.action, 'UPDATE');
  assert.ok(update.changes.some((c) => c.diff !== null), 'a long text change carries a diff');
  const canaryDrift = core.planFleet(FLEET, FILES, live, { mode: 'canary', acceptToolUpdates: true });
  const cleanup = core.planFleet(FLEET, FILES, live, { mode: 'cleanup' });
  assert.strictEqual(cleanup.ok, true, JSON.stringify(cleanup.errors));
  assert.ok(cleanup.plan.cleanup.deletions.length > 0, 'cleanup deletes the canary');
  const failed = core.planFleet(FLEET, FILES, null, { prefix: '' });
  assert.strictEqual(failed.ok, false);

  const mcpFleet = core.validateFleet(FLEET_MCP, null);
  assert.strictEqual(mcpFleet.ok, true, JSON.stringify(mcpFleet.errors));
  const mcpOptions = { mode: 'apply', vars: { PY: '/usr/bin/python3', DOCS_TOKEN: 't' } };
  const mcpPlan = core.planFleet(FLEET_MCP, null, LIVE_MCP, mcpOptions);
  assert.strictEqual(mcpPlan.ok, true, JSON.stringify(mcpPlan.errors));
  const mcpOps = mcpPlan.plan.fleetSteps.map((s) => s.op).sort();
  assert.deepStrictEqual(mcpOps, ['createMcpServer', 'updateMcpServer']);
  assert.ok(!JSON.stringify(mcpPlan).includes('s3cret'), 'no secret value crosses in a plan');

  const answers = [
    ['FleetReport', mcpFleet], ['PlanResult', mcpPlan], ['LiveStateInput', LIVE_MCP], ['PlanOptions', mcpOptions],
    ['FleetReport', ok], ['FleetReport', bad], ['PlanResult', canary], ['PlanResult', promote], ['PlanResult', drift],
    ['PlanResult', canaryDrift], ['PlanResult', cleanup], ['PlanResult', failed], ['Fleet', ok.fleet], ['LiveStateInput', live],
  ];
  for (const [type, value] of answers) assertCamel(value, type);
  const out = typecheck({ 'answers.ts': typedAnswers(answers) });
  assert.strictEqual(out, '', out);
  // Every kind of step this suite produces is covered (so the check above saw them).
  const ops = new Set([canary, promote, drift, canaryDrift].flatMap((r) => r.plan.fleetSteps.map((s) => s.op)
    .concat(r.plan.agents.flatMap((a) => a.steps.map((s) => `agent:${s.op}`)))));
  for (const op of ['createBlock', 'createFolder', 'createTool', 'syncFolder', 'updateBlock', 'createArchive',
    'agent:create', 'agent:patch', 'agent:attach', 'agent:detach']) assert.ok(ops.has(op), `no ${op} step in ${[...ops]}`);
});
