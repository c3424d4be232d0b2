// One plan file format between the command line and the page (issue 14, item 2), in headless
// Chromium against the real Letta server: a `fleet-canary plan --out` file loads in the Plan
// view for review, the page's "Download plan" gives a file `fleet-canary apply --plan` applies,
// and once the server changed the page says the file no longer matches. Checked through the API.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawnSync } = require('child_process');
const { chromium } = require('playwright-core');

const { ROOT, SERVER, PORT, APP, LAUNCH, serve } = require('./support.js');
const U = String(Date.now() % 1e8);
const NAME = `pf-agent-${U}`;
const PREFIX = `PF${U}-`;
const BIN = path.join(ROOT, 'target/debug/fleet-canary');

const FLEET = `agents:
  - name: ${NAME}
    description: Plan file test agent
    system_prompt:
      from_file: prompts/agent.md
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    tools: []
`;

function cli(dir, args) {
  const r = spawnSync(BIN, args, { cwd: dir, env: { ...process.env, LETTA_BASE_URL: SERVER }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function agentsNamed(name) {
  const r = await fetch(`${SERVER}/v1/agents/?name=${encodeURIComponent(name)}`);
  assert.ok(r.ok, `list ${name}: ${r.status}`);
  return r.json();
}

let server, browser, page, dir;

test.before(async () => {
  if (!fs.existsSync(BIN)) {
    const b = spawnSync('cargo', ['build', '-q', '-p', 'canary-cli'], { cwd: ROOT, stdio: 'inherit' });
    assert.strictEqual(b.status, 0, 'cargo build -p canary-cli');
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planfile-e2e-'));
  fs.mkdirSync(path.join(dir, 'prompts'));
  fs.writeFileSync(path.join(dir, 'prompts/agent.md'), 'You answer plan file tests.\n');
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), FLEET);
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
});

test.after(async () => {
  for (const name of [PREFIX + NAME, NAME]) {
    for (const a of await agentsNamed(name).catch(() => [])) {
      await fetch(`${SERVER}/v1/agents/${a.id}`, { method: 'DELETE' }).catch(() => {});
    }
  }
  if (browser) await browser.close();
  if (server) server.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a CLI plan file is reviewed in the page, and the page\'s download applies from the CLI', async () => {
  // The command line writes the plan file.
  const made = cli(dir, ['plan', '-f', 'fleet.yaml', '--canary', '--canary-prefix', PREFIX, '--out', 'plan.json']);
  assert.strictEqual(made.code, 0, made.stderr);
  const cliFile = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8'));
  assert.strictEqual(cliFile.format, 'fleet-canary-plan');

  // The page loads it: its fleet and options, planned against the server as it is now.
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/plan`);
  await page.setInputFiles('#load-plan', path.join(dir, 'plan.json'));
  await page.waitForSelector('#plan-file-note[data-current="true"]', { timeout: 30000 });
  assert.strictEqual(await page.inputValue('#prefix'), PREFIX);
  assert.ok((await page.textContent('#plan')).includes(PREFIX + NAME), 'the file\'s canary is in the plan');
  assert.match(await page.textContent('#plan-file-note'), /applies as reviewed/);
  await page.screenshot({ path: path.join(ROOT, 'tests/artifacts/plan-file.png') }).catch(() => {});

  // The page's "Download plan": the same plan (same fingerprint), in the same format.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-plan')]);
  const saved = path.join(dir, 'downloaded.json');
  await download.saveAs(saved);
  const pageFile = JSON.parse(fs.readFileSync(saved, 'utf8'));
  assert.strictEqual(pageFile.format, 'fleet-canary-plan');
  assert.strictEqual(pageFile.version, 1);
  assert.strictEqual(pageFile.plan.fingerprint, cliFile.plan.fingerprint, 'one plan, whichever front made it');
  assert.strictEqual(pageFile.fleet.files['prompts/agent.md'], 'You answer plan file tests.\n');

  // The command line applies the page's file exactly; the canary is on the server.
  assert.strictEqual((await agentsNamed(PREFIX + NAME)).length, 0, 'nothing deployed yet');
  const ran = cli(dir, ['apply', '--plan', 'downloaded.json']);
  assert.strictEqual(ran.code, 0, ran.stdout + ran.stderr);
  assert.strictEqual((await agentsNamed(PREFIX + NAME)).length, 1, 'the canary was deployed');
  assert.strictEqual((await agentsNamed(NAME)).length, 0, 'production untouched');

  // The server changed: re-planned, the page says the file no longer matches, and the CLI
  // refuses the old file (exit 3).
  await page.click('#replan');
  await page.waitForSelector('#plan-file-note[data-current="false"]', { timeout: 30000 });
  const stale = cli(dir, ['apply', '--plan', 'plan.json']);
  assert.strictEqual(stale.code, 3, stale.stdout + stale.stderr);

  // A file that is not a plan file: a clear message in the plan view.
  fs.writeFileSync(path.join(dir, 'not-a-plan.json'), '{"agents": []}');
  await page.setInputFiles('#load-plan', path.join(dir, 'not-a-plan.json'));
  await page.waitForFunction(() => document.querySelector('#plan')?.textContent.includes('not a fleet canary plan file'));
});
