// The promote gate in the JS package, against the real Letta server: `executePlan` of a promote
// asks the core's gate (as the CLI and the web app do). Refused without a verdict (nothing
// written: production read back unchanged through the API); allowed with
// `settings.overrideGate`, whose reason is recorded on the promoted agent; allowed after
// `fleet-canary test` passed for exactly this fleet version.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const core = require('../../core/pkg/canary_core.js');
const { ROOT, BASE_URL, MODEL, EMBEDDING, unique, api, requireServer, typecheck, typedAnswers } = require('./support.js');

const BIN = path.join(ROOT, 'target', 'debug', 'fleet-canary');
const u = unique('gate').replace(/-/g, '');
const PREFIX = `G${u.slice(-8)}-`;
const NAME = `${u}-desk`;
const conn = { baseUrl: BASE_URL };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-gate-'));
const OVERRIDE_KEY = 'fleetcanary.promoteOverride';
const answers = [];

const fleet = (description) => `agents:
  - name: ${NAME}
    description: ${description}
    system_prompt:
      value: You welcome people.
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: []
`;

function cli(args) {
  const r = spawnSync(BIN, args, { cwd: dir, env: { ...process.env, LETTA_BASE_URL: BASE_URL }, encoding: 'utf8', timeout: 180000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const named = (name) => api('GET', `/agents/?name=${encodeURIComponent(name)}`);

/** The production agent as the server has it (what a refused promote must not change). */
async function production() {
  const list = await named(NAME);
  return list.map((a) => ({ id: a.id, description: a.description, system: a.system, metadata: a.metadata }));
}

async function deployCanary(yaml) {
  const options = { mode: 'canary', prefix: PREFIX };
  const planned = await core.planOnServer(conn, yaml, {}, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  const run = await core.executePlan(conn, yaml, {}, planned.plan, options, null, null);
  assert.strictEqual(run.ok, true, JSON.stringify(run));
}

async function promote(yaml, settings) {
  const options = { mode: 'promote', prefix: PREFIX };
  const planned = await core.planOnServer(conn, yaml, {}, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  return core.executePlan(conn, yaml, {}, planned.plan, options, null, settings);
}

test.before(async () => {
  await requireServer();
  if (!fs.existsSync(BIN)) {
    const b = spawnSync('cargo', ['build', '-q', '-p', 'canary-cli'], { cwd: ROOT, stdio: 'inherit' });
    assert.strictEqual(b.status, 0, 'cargo build -p canary-cli');
  }
});

test.after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const all = await api('GET', '/agents/?limit=1000').catch(() => []);
  for (const a of all.filter((a) => a.name.includes(u))) await api('DELETE', `/agents/${a.id}`).catch(() => {});
});

test('a promote is refused without a verdict, runs with an override (recorded), and after a passing suite', async () => {
  const v1 = fleet('Front desk');
  await deployCanary(v1);

  // No suite ran against these canaries: refused, nothing written.
  const refused = await promote(v1, null);
  assert.deepStrictEqual([refused.ok, refused.outcome, refused.error.kind, refused.report], [false, 'refused', 'gate', null]);
  assert.match(refused.error.message, new RegExp(`no test suite has run against the ${PREFIX} canaries`));
  assert.match(refused.error.message, /Nothing was written.*overrideGate: "REASON"/);
  assert.deepStrictEqual(await production(), [], 'no production agent was created');

  // Bad overrides are input errors, before anything is read.
  const blank = await promote(v1, { overrideGate: '   ' });
  assert.deepStrictEqual([blank.outcome, blank.error.kind], ['refused', 'input']);
  assert.match(blank.error.message, /needs a reason/);
  const canaryOptions = { mode: 'canary', prefix: PREFIX };
  const { plan: canaryPlan } = await core.planOnServer(conn, v1, {}, canaryOptions);
  const notPromote = await core.executePlan(conn, v1, {}, canaryPlan, canaryOptions, null, { overrideGate: 'why' });
  assert.deepStrictEqual([notPromote.outcome, notPromote.error.kind], ['refused', 'input']);
  assert.match(notPromote.error.message, /only to a promote/);
  assert.deepStrictEqual(await production(), []);

  // Overridden with a reason: promoted, the reason recorded on the production agent.
  const reason = `hotfix ${u}: the suite is being rewritten`;
  const overridden = await promote(v1, { overrideGate: reason });
  assert.deepStrictEqual([overridden.ok, overridden.outcome], [true, 'ran'], JSON.stringify(overridden));
  assert.deepStrictEqual(overridden.report.agents.map((a) => [a.name, a.error, a.warnings]), [[NAME, null, []]]);
  const [promoted, ...others] = await production();
  assert.deepStrictEqual(others, []);
  assert.strictEqual(promoted.description, 'Front desk');
  const record = promoted.metadata[OVERRIDE_KEY];
  assert.ok(record, `the override is recorded: ${JSON.stringify(promoted.metadata)}`);
  assert.strictEqual(record.reason, reason);
  assert.match(record.refusal, new RegExp(`no test suite has run against the ${PREFIX} canaries`));
  assert.match(record.fleetHash, /\S/);
  assert.ok(!Number.isNaN(Date.parse(record.at)), record.at);

  // A new version on the canaries, still untested: refused, production read back unchanged.
  const v2 = fleet('Front desk and visitors');
  await deployCanary(v2);
  const before = await production();
  const again = await promote(v2, null);
  assert.deepStrictEqual([again.outcome, again.error.kind], ['refused', 'gate'], JSON.stringify(again));
  assert.deepStrictEqual(await production(), before, 'a refused promote writes nothing to production');

  // `fleet-canary test` passes for exactly this version: the promote runs, no override needed.
  fs.mkdirSync(path.join(dir, 'tests'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), v2);
  fs.writeFileSync(path.join(dir, 'tests', 'suite.yaml'),
    `name: gate\nagents: [${NAME}]\ncases:\n  - name: echoes\n    input: hello\n    checks:\n      - contains: 'Echo: hello'\n`);
  const suite = cli(['test', '-f', 'fleet.yaml', '--canary-prefix', PREFIX, '--suite', 'tests/suite.yaml']);
  assert.strictEqual(suite.code, 0, suite.out);
  const allowed = await promote(v2, null);
  assert.deepStrictEqual([allowed.ok, allowed.outcome], [true, 'ran'], JSON.stringify(allowed));
  const [updated] = await production();
  assert.strictEqual(updated.id, promoted.id);
  assert.strictEqual(updated.description, 'Front desk and visitors');
  const kept = updated.metadata[OVERRIDE_KEY];
  if (kept !== undefined) assert.deepStrictEqual(kept, record, 'the allowed promote recorded no new override');

  answers.push(['ExecuteResult', refused], ['ExecuteResult', blank], ['ExecuteResult', overridden], ['ExecuteResult', allowed]);
  const out = typecheck({ 'gate-answers.ts': typedAnswers(answers) + 'export const s: import(' +
    JSON.stringify(path.join(ROOT, 'core', 'pkg', 'canary_core')) + `).ExecuteSettings = { concurrency: 2, overrideGate: ${JSON.stringify(reason)} };\n` });
  assert.strictEqual(out, '', out);
});
