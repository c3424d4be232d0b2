// Planning speed in wasm (Node's V8, through the JS package): the figures the browser gets,
// beside the native ones (`target/native-bench/bench plan`, the same fleets). No server.
//
//   make js && node scripts/bench-plan.js        (BENCH_PKG=<dir> for a package built elsewhere)
//
// Generated fleets of 10, 100 and 1,000 agents (the deploy benchmark's shape), canary mode,
// medians: `validateFleet` (parse + validate, the fleet handed to JavaScript), `planFleet`
// against no server (parse + validate + plan, every agent a create, the plan handed to
// JavaScript: the figure BENCHMARKS.md has tracked since 11-28), and `planFleet` against the
// server a deploy of that fleet leaves (every agent compared field by field and unchanged: a
// re-deploy). Budget (issue 16): planning 1,000 agents in wasm ≤ 80 ms.
'use strict';
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const PKG = process.env.BENCH_PKG ? path.resolve(process.env.BENCH_PKG) : path.join(ROOT, 'core/pkg');
const core = require(path.join(PKG, 'canary_core.js'));
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
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

function time(reps, f) {
  const out = [];
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    f();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

const results = [];
console.log(`Planning in wasm (Node ${process.version}, ${path.relative(ROOT, PKG) || PKG}), canary mode, medians:`);
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
const worst = Math.max(big.empty, big.redeploy);
const ok = worst <= BUDGET_MS;
console.log(`budget: planning 1,000 agents in wasm (parse + validate + plan, either server) <= ${BUDGET_MS} ms: ${worst.toFixed(2)} ms ${ok ? 'PASS' : 'FAIL'}`);
process.exitCode = ok ? 0 : 1;
