// The JS package against the real Letta server (LETTA_BASE_URL, default the shared dev server
// on 127.0.0.1:8283): a canary deploy from Node (folder upload over FormData included), the
// stale check, listing and describing canaries, messages, cleanup. Every effect is read back
// through the REST API directly, and the answers are type-checked against the declarations.
const test = require('node:test');
const net = require('node:net');
const assert = require('node:assert');
const core = require('../../core/pkg/canary_core.js');
const { BASE_URL, MODEL, EMBEDDING, unique, assertCamel, api, requireServer, typecheck, typedAnswers } = require('./support.js');

const u = unique('js').replace(/-/g, '');
const PREFIX = `C${u.slice(-8)}-`;
const conn = { baseUrl: BASE_URL };
const SUPPORT = `${u}-support`;
const BILLING = `${u}-billing`;
const LABEL = `policies_${u}`;
const FOLDER = `docs_${u}`;
const TOOL = `lookup_${u}`;
const LOOKALIKE = `${PREFIX}lookalike`;
const answers = [];

function fleet(billingDescription = 'Billing agent') {
  const yaml = `shared_blocks:
  - name: ${LABEL}
    description: Company policies
    limit: 1000
    value: Be kind.
    agent_owned: false
agents:
  - name: ${SUPPORT}
    description: Support agent
    system_prompt:
      value: You help.
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: [${TOOL}]
    shared_blocks: [${LABEL}]
    memory_blocks:
      - name: persona
        description: Who I am
        limit: 500
        value: I am support.
        agent_owned: true
    folders:
      - name: ${FOLDER}
        files: ["docs/*"]
    tags: [support]
  - name: ${BILLING}
    description: ${billingDescription}
    system_prompt:
      value: You handle billing.
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: []
    shared_blocks: [${LABEL}]
    tags: [billing]
`;
  const files = {
    'docs/faq.md': `# FAQ ${u}\nAsk us anything.\n`,
    'docs/hours.txt': 'Open 9 to 5.\n',
    [`tools/${TOOL}.py`]: `def ${TOOL}(query: str) -> str:\n    """Look something up.\n\n    Args:\n        query: what to look up\n    """\n    return "found " + query\n`,
  };
  return { yaml, files };
}

async function agentsNamed(name) {
  return api('GET', `/agents/?name=${encodeURIComponent(name)}&include=agent.blocks&include=agent.tools&include=agent.sources`);
}

async function onlyAgent(name) {
  const list = await agentsNamed(name);
  assert.strictEqual(list.length, 1, `exactly one agent named ${name} on the server`);
  return list[0];
}

/** A loopback port nothing listens on (fetch refuses well-known "bad ports" such as 9). */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

test.before(requireServer);

test.after(async () => {
  // Leave the shared server as we found it, whatever failed above.
  const all = await api('GET', '/agents/?limit=1000').catch(() => []);
  for (const a of all.filter((a) => a.name.includes(u))) await api('DELETE', `/agents/${a.id}`).catch(() => {});
  for (const b of await api('GET', `/blocks/?label=${LABEL}`).catch(() => [])) await api('DELETE', `/blocks/${b.id}`).catch(() => {});
  for (const f of (await api('GET', '/folders/?limit=1000').catch(() => [])).filter((f) => f.name.includes(u))) {
    await api('DELETE', `/folders/${f.id}`).catch(() => {});
  }
  for (const t of await api('GET', `/tools/?name=${TOOL}`).catch(() => [])) await api('DELETE', `/tools/${t.id}`).catch(() => {});
});

test('a bad fleet, a bad connection and an unreachable server are answers, not exceptions, and write nothing', async () => {
  const { yaml, files } = fleet();
  const bad = await core.planOnServer(conn, yaml.replace('context_window: 16000', 'context_window: 5'), files, { mode: 'canary', prefix: PREFIX });
  assert.strictEqual(bad.ok, false);
  assert.strictEqual(bad.error.kind, 'fleet');
  assert.deepStrictEqual(bad.error.diagnostics.map((d) => [d.path, d.line]), [['agents[0].llm_config.context_window', 14]]);
  assert.match(bad.error.message, /from 1000 to 200000/);

  const nowhere = { baseUrl: `http://127.0.0.1:${await closedPort()}` };
  const down = await core.planOnServer(nowhere, yaml, files, { prefix: PREFIX });
  assert.strictEqual(down.ok, false);
  assert.strictEqual(down.error.kind, 'network');
  assert.ok(down.error.message.startsWith(`cannot reach the Letta server at ${nowhere.baseUrl}/v1/`), down.error.message);
  assert.match(down.error.message, /ECONNREFUSED\)\. Is it running\?/);

  const preview = core.planFleet(yaml, files, null, { prefix: PREFIX });
  assert.match(preview.plan.blockers[0], /the server was not read/);
  const blocked = await core.executePlan(conn, yaml, files, preview.plan, { prefix: PREFIX }, null, null);
  assert.deepStrictEqual([blocked.outcome, blocked.error.kind], ['refused', 'blocked'], 'a preview without a server cannot run');
  const { plan } = await core.planOnServer(conn, yaml, files, { prefix: PREFIX });
  const run = await core.executePlan(nowhere, yaml, files, plan, { prefix: PREFIX }, null, null);
  assert.deepStrictEqual([run.ok, run.outcome, run.error.kind, run.report], [false, 'refused', 'network', null]);

  assert.strictEqual((await core.listCanaries({ base_url: BASE_URL })).error.kind, 'input');
  assert.match((await core.listCanaries(null)).error.message, /a connection is required/);
  assert.match((await core.listCanaries({ baseUrl: '127.0.0.1:8283' })).error.message, /must start with http/);
  const mismatch = await core.executePlan(conn, yaml, files, plan, { mode: 'cleanup', prefix: PREFIX }, null, null);
  assert.deepStrictEqual([mismatch.outcome, mismatch.error.kind], ['refused', 'input']);
  assert.match(mismatch.error.message, new RegExp(`made for mode canary with prefix '${PREFIX}', the options say mode cleanup`));
  const notPlan = await core.executePlan(conn, yaml, files, { nope: 1 }, null, null, null);
  assert.deepStrictEqual([notPlan.outcome, notPlan.error.kind], ['refused', 'input']);

  assert.deepStrictEqual(await agentsNamed(`${PREFIX}${SUPPORT}`), [], 'nothing was written');
  assert.deepStrictEqual(await api('GET', `/blocks/?label=${LABEL}`), []);
  answers.push(['ServerPlanResult', bad], ['ServerPlanResult', down], ['ExecuteResult', run], ['ExecuteResult', notPlan], ['ExecuteResult', blocked]);
});

test('canary deploy from Node: plan on the server, render, execute with progress, read back', async () => {
  const { yaml, files } = fleet();
  const options = { mode: 'canary', prefix: PREFIX };
  const planned = await core.planOnServer(conn, yaml, files, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  assert.deepStrictEqual(planned.plan.agents.map((a) => [a.name, a.action]), [[`${PREFIX}${SUPPORT}`, 'CREATE'], [`${PREFIX}${BILLING}`, 'CREATE']]);
  const text = core.renderPlan(planned.plan);
  assert.match(text, new RegExp(`\\[\\+\\] ${PREFIX}${SUPPORT} \\(CREATE\\)`));
  assertCamel(planned, 'planOnServer');

  const events = [];
  const run = await core.executePlan(conn, yaml, files, planned.plan, options, (e) => events.push(e), { concurrency: 2 });
  assert.strictEqual(run.outcome, 'ran', JSON.stringify(run.error));
  assert.strictEqual(run.ok, true, JSON.stringify(run.report));
  assert.deepStrictEqual(run.report.agents.map((a) => [a.productionName, a.error]), [[SUPPORT, null], [BILLING, null]]);
  assert.match(run.summary, /2 agents written/);
  assertCamel(run, 'executePlan');
  assertCamel(events, 'progress events');
  for (const name of [`${PREFIX}${SUPPORT}`, `${PREFIX}${BILLING}`]) {
    const mine = events.filter((e) => e.name === name).map((e) => e.event);
    assert.deepStrictEqual(mine, ['agentStarted', 'agentDone'], `progress of ${name}`);
  }
  assert.ok(events.some((e) => e.event === 'fleetStep' && /folder/i.test(e.label)), 'the folder step reported progress');

  // Read back: canary marks, blocks, tool, and the folder's files uploaded as multipart from Node.
  const support = await onlyAgent(`${PREFIX}${SUPPORT}`);
  assert.strictEqual(support.metadata['lettactl.canary'], true);
  assert.strictEqual(support.metadata['lettactl.canary.prefix'], PREFIX);
  assert.strictEqual(support.metadata['lettactl.canary.productionName'], SUPPORT);
  assert.deepStrictEqual(support.blocks.map((b) => b.label).sort(), [LABEL, 'persona'].sort());
  assert.ok(support.tools.some((t) => t.name === TOOL), 'the custom tool is attached');
  const tool = (await api('GET', `/tools/?name=${TOOL}`))[0];
  assert.match(tool.source_code, /return "found " \+ query/);
  const folders = await api('GET', `/agents/${support.id}/folders`);
  assert.deepStrictEqual(folders.map((f) => f.name), [`${PREFIX}${FOLDER}`]);
  const uploaded = await api('GET', `/folders/${folders[0].id}/files`);
  assert.deepStrictEqual(uploaded.map((f) => f.original_file_name ?? f.file_name).sort(), ['faq.md', 'hours.txt']);
  await onlyAgent(`${PREFIX}${BILLING}`);
  assert.deepStrictEqual(await agentsNamed(SUPPORT), [], 'no production agent was created');

  // Converged: the next plan is all UNCHANGED with nothing to do.
  const again = await core.planOnServer(conn, yaml, files, options);
  assert.deepStrictEqual(again.plan.agents.map((a) => a.action), ['UNCHANGED', 'UNCHANGED']);
  assert.deepStrictEqual(again.plan.fleetSteps, []);
  answers.push(['ServerPlanResult', planned], ['ExecuteResult', run], ['Progress[]', events], ['ServerPlanResult', again]);
});

test('a stale plan is refused with the plan as it is now, and nothing is written', async () => {
  const { yaml, files } = fleet('Billing agent, reviewed');
  const options = { mode: 'canary', prefix: PREFIX };
  const reviewed = await core.planOnServer(conn, yaml, files, options);
  assert.deepStrictEqual(reviewed.plan.agents.map((a) => a.action), ['UNCHANGED', 'UPDATE']);
  const support = await onlyAgent(`${PREFIX}${SUPPORT}`);
  await api('PATCH', `/agents/${support.id}`, { description: 'Changed behind the review' });

  const run = await core.executePlan(conn, yaml, files, reviewed.plan, options, null, null);
  assert.deepStrictEqual([run.ok, run.outcome, run.error.kind, run.report], [false, 'stale', 'stale', null]);
  assert.match(run.error.message, /server changed since this plan was reviewed/);
  assert.notStrictEqual(run.plan.fingerprint, reviewed.plan.fingerprint);
  assert.deepStrictEqual(run.plan.agents.map((a) => a.action), ['UPDATE', 'UPDATE'], 'the new plan sees both changes');
  assert.strictEqual((await onlyAgent(`${PREFIX}${BILLING}`)).description, 'Billing agent', 'the reviewed update was not written');
  assert.strictEqual((await onlyAgent(`${PREFIX}${SUPPORT}`)).description, 'Changed behind the review');
  answers.push(['ExecuteResult', run]);
});

test('list and describe canaries: marks, not names, make a canary', async () => {
  await api('POST', '/agents/', { name: LOOKALIKE, model: MODEL, embedding: EMBEDDING, system: 'x', context_window_limit: 16000 });
  const list = await core.listCanaries(conn);
  assert.strictEqual(list.ok, true, JSON.stringify(list.error));
  assertCamel(list, 'listCanaries');
  const group = list.canaries.groups.find((g) => g.prefix === PREFIX);
  assert.ok(group, `a group for ${PREFIX}`);
  assert.deepStrictEqual(group.canaries.map((c) => [c.name, c.productionName, c.productionId]),
    [[`${PREFIX}${BILLING}`, BILLING, null], [`${PREFIX}${SUPPORT}`, SUPPORT, null]]);
  for (const c of group.canaries) assert.ok(c.ageSeconds >= 0 && c.ageSeconds < 3600, `age of ${c.name}: ${c.ageSeconds}`);
  assert.deepStrictEqual(list.canaries.lookalikes.filter((l) => l.name === LOOKALIKE).map((l) => l.prefix), [PREFIX]);

  const d = await core.describeCanary(conn, `${PREFIX}${SUPPORT}`);
  assert.strictEqual(d.ok, true, JSON.stringify(d.error));
  assertCamel(d, 'describeCanary');
  const fields = Object.fromEntries(d.description.canary.fields);
  assert.strictEqual(fields.description, 'Changed behind the review');
  assert.ok(fields.tools.split(', ').includes(TOOL), fields.tools);
  assert.strictEqual(fields.folders, `${PREFIX}${FOLDER}`, "the canary's own copy of its agent folder");
  assert.strictEqual(fields[`block ${LABEL}`], 'Be kind.');
  assert.strictEqual(d.description.production, null);
  const byId = await core.describeCanary(conn, d.description.canary.id);
  assert.strictEqual(byId.description.canary.name, `${PREFIX}${SUPPORT}`);

  assert.strictEqual((await core.describeCanary(conn, LOOKALIKE)).error.kind, 'notCanary');
  assert.strictEqual((await core.describeCanary(conn, `nobody-${u}`)).error.kind, 'notFound');
  answers.push(['CanaryListResult', list], ['DescribeResult', d]);
});

test('send a message to a canary, whole and streamed, and read it back', async () => {
  const name = `${PREFIX}${BILLING}`;
  const whole = await core.sendMessage(conn, name, `hello ${u}`, null);
  assert.strictEqual(whole.ok, true, JSON.stringify(whole.error));
  assert.strictEqual(whole.reply.text, `Echo: hello ${u}`);
  assert.ok(whole.reply.messages.some((m) => m.type === 'assistant'));
  assertCamel(whole, 'sendMessage');

  const seen = [];
  // Streamed, with a tool call: the support canary runs the fleet's custom tool.
  const support = await onlyAgent(`${PREFIX}${SUPPORT}`);
  const streamed = await core.sendMessage(conn, `${PREFIX}${SUPPORT}`, `USE_TOOL:${TOOL} again ${u}`, (m) => seen.push(m));
  assert.strictEqual(streamed.ok, true, JSON.stringify(streamed.error));
  assert.strictEqual(streamed.agentId, support.id);
  assert.deepStrictEqual(seen, streamed.reply.messages, 'the listener saw every message');
  assert.ok(seen.some((m) => m.type === 'toolCall' && m.name === TOOL), JSON.stringify(seen));
  assert.ok(seen.some((m) => m.type === 'toolReturn' && m.toolReturn.includes('found')), JSON.stringify(seen));
  assertCamel(seen, 'streamed messages');

  const history = JSON.stringify(await api('GET', `/agents/${whole.agentId}/messages?limit=50`));
  assert.ok(history.includes(`hello ${u}`), 'the message is in the agent history');
  const supportHistory = JSON.stringify(await api('GET', `/agents/${support.id}/messages?limit=50`));
  assert.ok(supportHistory.includes(`again ${u}`), 'the streamed message is in the agent history');
  assert.strictEqual((await core.sendMessage(conn, `nobody-${u}`, 'hi', null)).error.kind, 'notFound');
  answers.push(['SendResult', whole], ['SendResult', streamed], ['ChatMessage[]', seen]);
});

test('promote from Node: the production agents appear, and a canary is described beside its production agent', async () => {
  const { yaml, files } = fleet();
  const options = { mode: 'promote' };
  const planned = await core.planOnServer(conn, yaml, files, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  assert.deepStrictEqual(planned.plan.agents.map((a) => [a.name, a.action]), [[SUPPORT, 'CREATE'], [BILLING, 'CREATE']]);
  // No suite ran against these canaries: the promote gate is overridden (tests/js/gate.test.js).
  const run = await core.executePlan(conn, yaml, files, planned.plan, options, null, { overrideGate: 'server.test.js: no suite here' });
  assert.strictEqual(run.ok, true, JSON.stringify(run));
  const production = await onlyAgent(SUPPORT);
  assert.strictEqual(production.description, 'Support agent');
  assert.deepStrictEqual(Object.keys(production.metadata).filter((k) => k.startsWith('lettactl.canary')), [], 'production carries no canary marks');

  const list = await core.listCanaries(conn);
  const group = list.canaries.groups.find((g) => g.prefix === PREFIX);
  assert.deepStrictEqual(group.canaries.map((c) => c.productionId), [(await onlyAgent(BILLING)).id, production.id]);
  const d = await core.describeCanary(conn, `${PREFIX}${SUPPORT}`);
  assert.strictEqual(d.description.production.id, production.id);
  assert.deepStrictEqual(d.description.differences.find((c) => c.field === 'description'),
    { field: 'description', old: 'Support agent', new: 'Changed behind the review', diff: null });
  answers.push(['ExecuteResult', run], ['DescribeResult', d], ['CanaryListResult', list]);
});

test('cleanup from Node deletes this fleet\'s canaries and spares the look-alike', async () => {
  const { yaml, files } = fleet();
  const options = { mode: 'cleanup', prefix: PREFIX };
  const planned = await core.planOnServer(conn, yaml, files, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  const agentDeletions = planned.plan.cleanup.deletions.filter((d) => d.kind === 'agent').map((d) => d.name).sort();
  assert.deepStrictEqual(agentDeletions, [`${PREFIX}${BILLING}`, `${PREFIX}${SUPPORT}`]);
  const events = [];
  const run = await core.executePlan(conn, yaml, files, planned.plan, options, (e) => events.push(e), null);
  assert.strictEqual(run.ok, true, JSON.stringify(run));
  assert.strictEqual(run.report.cleanup.status, 'ran');
  assert.ok(run.report.cleanup.deletions.every((d) => d.outcome.status === 'deleted'), JSON.stringify(run.report.cleanup));
  assert.ok(events.some((e) => e.event === 'deleted' && e.kind === 'agent' && e.error === null));
  assertCamel(run, 'cleanup run');

  assert.deepStrictEqual(await agentsNamed(`${PREFIX}${SUPPORT}`), []);
  assert.deepStrictEqual(await agentsNamed(`${PREFIX}${BILLING}`), []);
  await onlyAgent(LOOKALIKE);
  const production = await onlyAgent(SUPPORT);
  await onlyAgent(BILLING);
  assert.strictEqual((await api('GET', `/tools/?name=${TOOL}`)).length, 1, 'tools are never deleted');
  const shared = production.blocks.find((b) => b.label === LABEL);
  assert.strictEqual((await api('GET', `/blocks/${shared.id}`)).value, 'Be kind.', 'the production shared block stays');
  const folders = (await api('GET', '/folders/?limit=1000')).map((f) => f.name);
  assert.ok(!folders.includes(`${PREFIX}${FOLDER}`), 'the canary-only folder copy is gone');
  answers.push(['ServerPlanResult', planned], ['ExecuteResult', run], ['Progress[]', events]);
});

test('every answer above has the declared TypeScript type', () => {
  assert.ok(answers.length >= 15, `answers collected: ${answers.length}`);
  const out = typecheck({ 'server-answers.ts': typedAnswers(answers) });
  assert.strictEqual(out, '', out);
});
