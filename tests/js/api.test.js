// Node tests of the core's JavaScript API (built by `make js` into core/pkg/).
const test = require('node:test');
const assert = require('node:assert');
const core = require('../../core/pkg/canary_core.js');

const FLEET = `shared_blocks:
  - name: policies
    description: Policies
    limit: 100
    value: Be kind.
    agent_owned: false
agents:
  - name: support
    description: Support
    system_prompt:
      from_file: prompts/support.md
    llm_config:
      model: openai/gpt-4.1
      context_window: 32000
    tools: []
    shared_blocks: [policies]
    tags: [b, a]
`;
const FILES = { 'prompts/support.md': 'You help.' };

test('validateFleet resolves a valid fleet', () => {
  const r = core.validateFleet(FLEET, FILES);
  assert.strictEqual(r.ok, true);
  assert.deepStrictEqual(r.errors, []);
  assert.strictEqual(r.fleet.agents[0].systemPrompt, 'You help.');
  assert.strictEqual(r.fleet.sharedBlocks[0].agentOwned, false);
  assert.strictEqual(r.fleet.agents[0].llm.contextWindow, 32000);
  assert.deepStrictEqual(r.fleet.agents[0].tags, ['a', 'b']);
  assert.deepStrictEqual(r.filesUsed, ['prompts/support.md']);
  assert.deepStrictEqual(core.validateFleet(FLEET, { ...FILES, 'notes.md': 'unused' }).filesUsed, ['prompts/support.md']);
  assert.strictEqual(core.validateFleet('a: [', FILES).filesUsed, null);
  assert.strictEqual(core.validateFleet(FLEET.replace('name: support', 'name: sup port'), FILES).filesUsed, null, 'a fleet with errors cannot say');
});

test('validateFleet reports every error with path, line and column', () => {
  const bad = FLEET.replace('context_window: 32000', 'context_window: 5').replace('name: support', 'name: sup port');
  const r = core.validateFleet(bad, FILES);
  assert.strictEqual(r.ok, false);
  assert.strictEqual(r.fleet, null);
  assert.deepStrictEqual(r.errors.map(e => [e.path, e.line]), [
    ['agents[0].name', 8],
    ['agents[0].llm_config.context_window', 14],
  ]);
  assert.match(r.errors[1].message, /from 1000 to 200000/);
  assert.strictEqual(typeof r.errors[0].column, 'number');
});

test('validateFleet never throws on bad input', () => {
  for (const [y, f] of [[null, null], [42, {}], ['a: [', {}], ['agents: x', { 'p': 1 }], ['\u0000\uffff', undefined]]) {
    const r = core.validateFleet(y, f);
    assert.strictEqual(r.ok, false);
    assert.ok(r.errors.length > 0);
  }
});

test('validateFleet gives a syntax error its line', () => {
  const r = core.validateFleet('agents:\n  - name: "x\n', {});
  assert.strictEqual(r.errors[0].line, 3);
  assert.match(r.errors[0].message, /YAML syntax error/);
});

test('planFleet on an empty server: every canary is created', () => {
  const r = core.planFleet(FLEET, FILES, null, { mode: 'canary' });
  assert.strictEqual(r.ok, true);
  const p = r.plan;
  assert.strictEqual(p.prefix, 'CANARY-');
  assert.deepStrictEqual(p.agents.map(a => [a.name, a.action]), [['CANARY-support', 'CREATE']]);
  assert.strictEqual(p.summary.create, 1);
  assert.strictEqual(p.fleetSteps[0].op, 'createBlock');
  assert.strictEqual(p.fleetSteps[0].copyPrefix, 'CANARY-');
  assert.strictEqual(p.agents[0].productionName, 'support');
  const text = core.renderPlan(p);
  assert.match(text, /\[\+\] CANARY-support \(CREATE\)/);
  assert.match(text, /Summary:\n  \[\+\] 1 agent\(s\) to create\n  \[~\] 0 agent\(s\) to update \(drift\)\n  \[=\] 0 agent\(s\) unchanged/);
});

test('planFleet with a live state, custom prefix and agent filter', () => {
  const live = {
    agents: [{
      id: 'agent-1', name: 'TEST-support', description: 'Support', system: 'You help.', model: 'openai/gpt-4.1',
      contextWindow: 32000, tags: ['a', 'b'], blockIds: ['block-c'],
      metadata: { 'lettactl.canary': true, 'lettactl.canary.prefix': 'TEST-', 'lettactl.canary.productionName': 'support', 'fleetcanary.reasoning': true },
    }],
    blocks: [{ id: 'block-c', label: 'policies', value: 'Be kind.', limit: 100, description: 'Policies', metadata: { 'fleetcanary.copyPrefix': 'TEST-' } }],
  };
  const r = core.planFleet(FLEET.replace('system_prompt:\n      from_file: prompts/support.md', 'system_prompt:\n      value: You help more.'), FILES, live, { mode: 'canary', prefix: 'TEST-', agents: ['support'] });
  assert.strictEqual(r.ok, true, JSON.stringify(r.errors));
  const a = r.plan.agents[0];
  assert.strictEqual(a.action, 'UPDATE');
  assert.deepStrictEqual(a.changes.map(c => c.field), ['system_prompt']);
  assert.strictEqual(a.changes[0].old, 'You help.');
  assert.match(core.renderPlan(r.plan), /\[~\] TEST-support \(UPDATE - 1 change\(s\)\)/);
});

test('planFleet reports bad options and fleets as errors, not exceptions', () => {
  assert.strictEqual(core.planFleet(FLEET, FILES, null, { mode: 'sideways' }).ok, false);
  assert.match(core.planFleet(FLEET, FILES, null, { prefix: '' }).errors[0].message, /prefix must not be empty/);
  assert.match(core.planFleet(FLEET, FILES, null, { agents: ['nobody'] }).errors[0].message, /not in the fleet/);
  assert.strictEqual(core.planFleet('agents: []', {}, null, {}).errors[0].path, 'agents');
  assert.match(core.renderPlan({ nope: 1 }), /^error: not a plan/);
});
