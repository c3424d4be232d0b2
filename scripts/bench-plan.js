// Planning speed in wasm, beside the native figures (`target/native-bench/bench plan`, the same
// fleets). No server. `make bench` runs it; alone:
//
//   make js && node scripts/bench-plan.js        (BENCH_PKG=<dir> for a package built elsewhere)
//
// Generated fleets of 10, 100 and 1,000 agents (the deploy benchmark's shape), canary mode:
// - through the JS package (Node's V8, as the browser's; wall-time medians): `validateFleet`
//   (parse + validate, the fleet handed to JavaScript), `planFleet` against no server (parse +
//   validate + plan, every agent a create, the plan handed to JavaScript: the figure
//   BENCHMARKS.md has tracked since 11-28) and against the server a deploy of that fleet
//   leaves (a re-deploy, every agent compared field by field and unchanged);
// - `plan()` alone in wasm, 1,000 agents, empty server and re-deploy: core/tests/wasm_speed.rs
//   (an optimised wasm test, run here with cargo; CPU time per run). Budget (issue 16):
//   planning 1,000 agents in wasm ≤ 80 ms.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const PKG = process.env.BENCH_PKG ? path.resolve(process.env.BENCH_PKG) : path.join(ROOT, 'core/pkg');
const core = require(path.join(PKG, 'canary_core.js'));
const BUDGET_MS = 80;

function fleetYaml(n) {
  const prompt = 'You are a careful support agent. Answer briefly and precisely. '.repeat(16);
  let y = 'shared_blocks:\n  - name: policies_p\n    description: Policies\n    limit: 2000\n    value: Be kind.\n    agent_owned: false\nagents:\n';
  for (let i = 0; i < n; i++) {
    y += `  - name: bench-p-${i}\n    description: Bench agent ${i}\n    system_prompt:\n      value: "${prompt}"\n    llm_config: {model: openai-proxy/canary-echo, context_window: 16000}\n    embedding: openai/text-embedding-3-small\n    tools: [bench_tool_p]\n    shared_blocks: [policies_p]\n    memory_blocks:\n      - {name: persona, description: Who, limit: 500, value: I am agent ${i}., agent_owned: true}\n      - {name: notes, description: Notes, limit: 500, value: Notes of ${i}., agent_owned: false}\n    tags: [bench, group-${i % 5}]\n`;
  }
  return y;
}
const FILES = { 'tools/bench_tool_p.py': 'def bench_tool_p(q: str) -> str:\n    """Echo.\n\n    Args:\n        q: text\n    """\n    return q\n' };

/** The server a canary deploy (prefix CANARY-) of `fleet` (validateFleet's) leaves behind. */
function deployed(fleet) {
  const prefix = 'CANARY-';
  const blocks = [];
  const block = (id, b, metadata) => ({ id, label: b.label, value: b.value, limit: b.limit, description: b.description, metadata });
  fleet.sharedBlocks.forEach((b, i) => blocks.push(block(`block-shared-${i}`, b, { 'fleetcanary.sharedBlock': b.label })));
  const toolNames = [...new Set(fleet.agents.flatMap((a) => a.tools.map((t) => t.name)))].sort();
  const tools = toolNames.map((name, i) => {
    const t = fleet.agents.flatMap((a) => a.tools).find((x) => x.name === name);
    return { id: `tool-${i}`, name, sourceCode: t.source, toolType: 'custom' };
  });
  const agents = fleet.agents.map((a, i) => {
    const ids = a.memoryBlocks.map((b, j) => {
      blocks.push(block(`block-${i}-${j}`, b, {}));
      return `block-${i}-${j}`;
    });
    for (const l of a.sharedBlocks) ids.push(blocks.find((b) => b.label === l).id);
    return {
      id: `agent-${i}`, name: prefix + a.name, description: a.description, system: a.systemPrompt,
      model: a.llm.model, contextWindow: a.llm.contextWindow, maxTokens: a.llm.maxTokens, embedding: a.embedding,
      tags: a.tags, toolIds: a.tools.map((t) => tools.find((x) => x.name === t.name).id), blockIds: ids,
      metadata: {
        'lettactl.canary': true, 'lettactl.canary.productionName': a.name, 'lettactl.canary.prefix': prefix,
        'lettactl.canary.createdAt': '2026-12-01T00:00:00Z', 'fleetcanary.reasoning': a.reasoning,
      },
    };
  });
  return { agents, blocks, tools };
}

// Median wall time of `reps` runs, after three warm-up runs (V8 recompiles the hot wasm
// functions, optimised, on helper threads while the first calls run). The machine's load
// average is printed with the figures: wall time under load measures the others too.
function time(reps, f) {
  for (let r = 0; r < 3; r++) f();
  const out = [];
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    f();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b)[Math.floor(out.length / 2)];
}

const results = [];
console.log(`Planning in wasm through the JS package (Node ${process.version}, ${path.relative(ROOT, PKG) || PKG}), canary mode, medians (load average ${require('os').loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
for (const n of [10, 100, 1000]) {
  const y = fleetYaml(n);
  const reps = n === 1000 ? 9 : 31;
  const v = core.validateFleet(y, FILES);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const live = deployed(v.fleet);
  const again = core.planFleet(y, FILES, live, { mode: 'canary' });
  if (!again.ok) throw new Error(JSON.stringify(again.errors));
  const unchanged = again.plan.agents.filter((a) => a.action === 'UNCHANGED').length;
  if (unchanged !== n) throw new Error(`the generated server should leave every agent unchanged, ${unchanged} of ${n} are`);
  const validate = time(reps, () => core.validateFleet(y, FILES));
  const empty = time(reps, () => { if (!core.planFleet(y, FILES, null, { mode: 'canary' }).ok) throw new Error('plan'); });
  const redeploy = time(reps, () => { if (!core.planFleet(y, FILES, live, { mode: 'canary' }).ok) throw new Error('plan'); });
  results.push({ agents: n, validate, empty, redeploy });
  console.log(`  ${String(n).padStart(5)} agents: validateFleet ${validate.toFixed(2)} ms | planFleet, no server (parse + validate + plan) ${empty.toFixed(2)} ms | planFleet, re-deploy (${n} unchanged) ${redeploy.toFixed(2)} ms`);
}
const big = results.find((r) => r.agents === 1000);
console.log(`  (1,000 agents: parse + validate is ${(100 * big.validate / big.empty).toFixed(0)}% of planFleet; see BENCHMARKS.md)`);

// plan() alone, in optimised wasm (the page plans a fleet it has already validated).
let out;
try {
  out = execFileSync('cargo', ['test', '-p', 'canary-core', '--target', 'wasm32-unknown-unknown', '--release', '--test', 'wasm_speed', '--', '--nocapture'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  console.log(`core/tests/wasm_speed.rs failed: ${(e.stdout || '') + (e.stderr || '')}`.slice(0, 2000));
  process.exit(1);
}
const line = out.split('\n').find((l) => l.includes('wasm, 1000 agents'));
if (!line) throw new Error(`no figures from core/tests/wasm_speed.rs:\n${out.slice(0, 2000)}`);
console.log(`  ${line.trim()}`);
const ms = (label) => Number((line.match(new RegExp(`${label} ([0-9.]+) ms`)) || [])[1]);
const worst = Math.max(ms('plan, empty server'), ms('plan, re-deploy \\(1000 unchanged\\)'));
const ok = Number.isFinite(worst) && worst <= BUDGET_MS;
console.log(`budget: planning 1,000 agents in wasm (plan(), empty server or re-deploy) <= ${BUDGET_MS} ms: ${worst.toFixed(2)} ms ${ok ? 'PASS' : 'FAIL'}`);
process.exitCode = ok ? 0 : 1;
