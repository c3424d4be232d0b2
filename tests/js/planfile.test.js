// Plan files from Node: the format `fleet-canary plan --out` / `apply --plan` and the web app
// share. A plan written by the package is applied by the CLI, and a plan the CLI wrote is run
// by the package, against the real server; effects are read back through the API.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const core = require('../../core/pkg/canary_core.js');
const { ROOT, BASE_URL, MODEL, EMBEDDING, unique, api, requireServer, assertCamel, typecheck, typedAnswers } = require('./support.js');

const BIN = path.join(ROOT, 'target', 'debug', 'fleet-canary');
const u = unique('pf').replace(/-/g, '');
const PREFIX = `F${u.slice(-8)}-`;
const NAME = `${u}-desk`;
const conn = { baseUrl: BASE_URL };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-planfile-'));
const YAML = `agents:
  - name: ${NAME}
    description: Front desk
    system_prompt:
      from_file: prompts/desk.md
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: []
`;
const FILES = { 'prompts/desk.md': 'You welcome people.', 'notes/unrelated.md': 'not referenced' };

function cli(args) {
  const r = spawnSync(BIN, args, { cwd: dir, env: { ...process.env, LETTA_BASE_URL: BASE_URL }, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test.before(async () => {
  await requireServer();
  if (!fs.existsSync(BIN)) {
    const b = spawnSync('cargo', ['build', '-q', '-p', 'canary-cli'], { cwd: ROOT, stdio: 'inherit' });
    assert.strictEqual(b.status, 0, 'cargo build -p canary-cli');
  }
  fs.mkdirSync(path.join(dir, 'prompts'));
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), YAML);
  fs.writeFileSync(path.join(dir, 'prompts', 'desk.md'), FILES['prompts/desk.md']);
});

test.after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const all = await api('GET', '/agents/?limit=1000').catch(() => []);
  for (const a of all.filter((a) => a.name.includes(u))) await api('DELETE', `/agents/${a.id}`).catch(() => {});
});

test('a plan file round-trips, carries only referenced files, and bad files are answers', () => {
  const { plan } = core.planFleet(YAML, FILES, { agents: [] }, { mode: 'canary', prefix: PREFIX });
  const written = core.writePlanFile(plan, { mode: 'canary', prefix: PREFIX }, { yaml: YAML, files: FILES }, BASE_URL);
  assert.strictEqual(written.ok, true, JSON.stringify(written.error));
  const read = core.readPlanFile(written.text);
  assert.strictEqual(read.ok, true, JSON.stringify(read.error));
  assert.deepStrictEqual(read.planFile.plan, plan);
  assert.deepStrictEqual(Object.keys(read.planFile.fleet.files), ['prompts/desk.md'], 'only the files the fleet references');
  assert.deepStrictEqual([read.planFile.format, read.planFile.server, read.planFile.options.prefix], ['fleet-canary-plan', BASE_URL, PREFIX]);
  assertCamel(read, 'readPlanFile');

  const mismatch = core.writePlanFile(plan, { mode: 'promote' }, { yaml: YAML }, BASE_URL);
  assert.deepStrictEqual([mismatch.ok, mismatch.error.kind], [false, 'input']);
  const badFleet = core.writePlanFile(plan, { mode: 'canary', prefix: PREFIX }, { yaml: YAML }, BASE_URL);
  assert.deepStrictEqual([badFleet.ok, badFleet.error.kind], [false, 'fleet'], 'its prompt file is missing');
  assert.match(core.readPlanFile('{"a": 1}').error.message, /not a fleet canary plan file/);
  assert.match(core.readPlanFile('{\n  nope').error.message, /not valid JSON \(line 2/);
  const future = JSON.parse(written.text);
  future.version = 99;
  assert.match(core.readPlanFile(JSON.stringify(future)).error.message, /version 99 is not supported/);
  assert.strictEqual(core.readPlanFile(42).error.kind, 'input');

  const out = typecheck({ 'planfile.ts': typedAnswers([['PlanFileText', written], ['PlanFileResult', read], ['PlanFileText', mismatch], ['PlanFileResult', core.readPlanFile('{}')]]) });
  assert.strictEqual(out, '', out);
});

test('Node writes the plan, the CLI applies it; the CLI writes a plan, Node runs it', async () => {
  const options = { mode: 'canary', prefix: PREFIX };
  const planned = await core.planOnServer(conn, YAML, FILES, options);
  assert.strictEqual(planned.ok, true, JSON.stringify(planned.error));
  const file = path.join(dir, 'from-node.json');
  fs.writeFileSync(file, core.writePlanFile(planned.plan, options, { yaml: YAML, files: FILES }, BASE_URL).text);
  const applied = cli(['apply', '--plan', file]);
  assert.strictEqual(applied.code, 0, applied.out);
  const [canary, ...more] = await api('GET', `/agents/?name=${PREFIX}${NAME}`);
  assert.deepStrictEqual(more, []);
  assert.strictEqual(canary.system, 'You welcome people.');
  assert.strictEqual(canary.metadata['lettactl.canary.prefix'], PREFIX);

  // The CLI plans the cleanup; Node reads the file and runs it with the stale check.
  const cleanupFile = path.join(dir, 'from-cli.json');
  const planOut = cli(['plan', '-f', 'fleet.yaml', '--canary', '--cleanup', '--canary-prefix', PREFIX, '--out', cleanupFile]);
  assert.strictEqual(planOut.code, 0, planOut.out);
  const { planFile } = core.readPlanFile(fs.readFileSync(cleanupFile, 'utf8'));
  assert.ok(planFile, 'the CLI wrote a plan file the package reads');
  assert.strictEqual(planFile.plan.mode, 'cleanup');
  const run = await core.executePlan(conn, planFile.fleet.yaml, planFile.fleet.files, planFile.plan, planFile.options, null, null);
  assert.strictEqual(run.ok, true, JSON.stringify(run));
  assert.deepStrictEqual(await api('GET', `/agents/?name=${PREFIX}${NAME}`), [], 'the canary is gone');
});
