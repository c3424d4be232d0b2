// The package as a user gets it: `npm pack` in core/pkg, the tarball installed into a scratch
// folder, required from Node and type-checked by name; then the README's Node example run from
// there against the real server, its canary deploy read back through the API.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { ROOT, PKG, BASE_URL, MODEL, EMBEDDING, unique, api, requireServer } = require('./support.js');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-pack-'));
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
const u = unique('pk').replace(/-/g, '');
const PREFIX = `P${u.slice(-8)}-`;

function codeBlock(markdown, heading) {
  const at = markdown.indexOf(heading);
  assert.ok(at >= 0, `no '${heading}' section`);
  const m = /```js\n([\s\S]*?)```/.exec(markdown.slice(at));
  assert.ok(m, `no js example under '${heading}'`);
  return m[1];
}

test.after(async () => {
  fs.rmSync(scratch, { recursive: true, force: true });
  const all = await api('GET', '/agents/?limit=1000').catch(() => []);
  for (const a of all.filter((a) => a.name.includes(u))) await api('DELETE', `/agents/${a.id}`).catch(() => {});
  for (const b of await api('GET', `/blocks/?label=rules_${u}`).catch(() => [])) await api('DELETE', `/blocks/${b.id}`).catch(() => {});
});

test('npm pack gives an installable package that Node can require', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  assert.strictEqual(meta.version, /\nversion = "([^"]+)"/.exec(cargo)[1], 'package version = workspace version');
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], PKG));
  assert.strictEqual(packed.name, '@fleet-canary/core');
  assert.deepStrictEqual(packed.files.map((f) => f.path).sort(),
    ['README.md', 'canary_core.d.ts', 'canary_core.js', 'canary_core_bg.wasm', 'canary_core_bg.wasm.d.ts', 'package.json',
      'web/canary_core.d.ts', 'web/canary_core.js', 'web/canary_core_bg.wasm', 'web/canary_core_bg.wasm.d.ts', 'web/package.json']);

  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  npm(['install', path.join(scratch, packed.filename)], scratch);
  const probe = `const core = require('@fleet-canary/core');
const r = core.validateFleet('agents:\\n  - name: a\\n    description: d\\n    system_prompt: {value: hi}\\n    llm_config: {model: x/y, context_window: 2000}\\n    tools: []\\n', null);
const p = core.planFleet('agents: []', null, null, null);
console.log(JSON.stringify([r.ok, r.fleet.agents[0].systemPrompt, p.ok, p.errors[0].path, typeof core.executePlan, typeof core.sendMessage]));`;
  const out = execFileSync(process.execPath, ['-e', probe], { cwd: scratch, encoding: 'utf8' });
  assert.deepStrictEqual(JSON.parse(out), [true, 'hi', false, 'agents', 'function', 'function']);
});

test('the installed package type-checks by its name, for Node and for bundlers (package.json "types", "exports")', () => {
  const src = `import * as core from '@fleet-canary/core';
const r: core.FleetReport = core.validateFleet('agents: []', null);
export const n: number = r.ok ? r.fleet.agents.length : r.errors.length;
export const later: Promise<core.ExecuteResult> = core.executePlan({ baseUrl: 'http://x' }, '', null, {} as core.Plan, null, null, null);
`;
  // The browser build by its subpath, as a bundler resolves it (package.json "exports").
  const web = `import init, { listCanaries, type CanaryListResult } from '@fleet-canary/core/web';
export const ready: Promise<CanaryListResult> = init().then(() => listCanaries({ baseUrl: 'http://x' }));
`;
  fs.writeFileSync(path.join(scratch, 'web.ts'), web);
  fs.writeFileSync(path.join(scratch, 'use.ts'), src);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = (args) => spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', ...args], { cwd: scratch, encoding: 'utf8' });
  const node = check(['--module', 'commonjs', '--moduleResolution', 'node10', 'use.ts']);
  assert.strictEqual(node.status, 0, node.stdout + node.stderr);
  const bundler = check(['--module', 'esnext', '--moduleResolution', 'bundler', 'use.ts', 'web.ts']);
  assert.strictEqual(bundler.status, 0, bundler.stdout + bundler.stderr);
});

test("the README's Node example deploys canaries from the installed package", async () => {
  await requireServer();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const example = codeBlock(readme, '## From Node: the JavaScript package');
  assert.strictEqual(example, codeBlock(fs.readFileSync(path.join(ROOT, 'core', 'npm', 'README.md'), 'utf8'), '## Example'),
    'the README and the package README show the same example');
  fs.writeFileSync(path.join(scratch, 'deploy.js'), example);

  const dir = path.join(scratch, 'fleet');
  fs.mkdirSync(path.join(dir, 'prompts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'prompts', 'greeter.md'), 'You greet people.\n');
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), `shared_blocks:
  - name: rules_${u}
    description: Rules
    limit: 500
    value: Be brief.
    agent_owned: false
agents:
  - name: ${u}-greeter
    description: Greeter
    system_prompt:
      from_file: prompts/greeter.md
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: []
    shared_blocks: [rules_${u}]
`);
  const run = spawnSync(process.execPath, ['deploy.js', 'fleet', PREFIX], {
    cwd: scratch, encoding: 'utf8', env: { ...process.env, LETTA_BASE_URL: BASE_URL }, timeout: 120000,
  });
  assert.strictEqual(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, new RegExp(`\\[\\+\\] ${PREFIX}${u}-greeter \\(CREATE\\)`));
  assert.match(run.stdout, new RegExp(`${PREFIX}${u}-greeter: done`));
  assert.match(run.stdout, /1 agent written/);

  const [agent, ...more] = await api('GET', `/agents/?name=${PREFIX}${u}-greeter&include=agent.blocks`);
  assert.deepStrictEqual(more, []);
  assert.strictEqual(agent.system, 'You greet people.');
  assert.strictEqual(agent.metadata['lettactl.canary.prefix'], PREFIX);
  assert.deepStrictEqual(agent.blocks.map((b) => [b.label, b.value]), [[`rules_${u}`, 'Be brief.']]);

  // An invalid fleet: exit 2 with the error's line, nothing written.
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), fs.readFileSync(path.join(dir, 'fleet.yaml'), 'utf8').replace('context_window: 16000', 'context_window: 1'));
  const bad = spawnSync(process.execPath, ['deploy.js', 'fleet', `X${PREFIX}`], { cwd: scratch, encoding: 'utf8', env: { ...process.env, LETTA_BASE_URL: BASE_URL } });
  assert.strictEqual(bad.status, 2, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /fleet\.yaml:14: agents\[0\]\.llm_config\.context_window: /);
  assert.deepStrictEqual(await api('GET', `/agents/?name=X${PREFIX}${u}-greeter`), []);
});
