// MCP servers from the page, in headless Chromium against the real Letta server and our own
// stdio MCP server (tests/mcp_server/server.py, which the Letta server spawns): the plan view
// asks for the fleet's ${VAR}s, the canary deploy registers the server and attaches its tools
// (read back through the API), the re-plan is all unchanged, and a value typed into the form is
// in no History entry, no storage and no downloaded plan file.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const os = require('os');
const { chromium } = require('playwright-core');

const { fillEditor, ROOT, SERVER, PORT, APP, LAUNCH, serve } = require('./support.js');
const U = String(Date.now() % 1e8);
const NAME = `mcp-agent-${U}`;
const PREFIX = `MC${U}-`;
const MCP = `calc-${U}`;
const TP = `t${U}_`;
const SECRET = `sekrit-${U}-value`;
const CACHE = process.env.FLEET_CANARY_CACHE || '/opt/fleet-canary';
const PYTHON = `${CACHE}/letta-venv/bin/python`;
const SCRIPT = path.join(ROOT, 'tests/mcp_server/server.py');

const FLEET = `mcp_servers:
  - name: ${MCP}
    type: stdio
    command: \${CANARY_MCP_PYTHON}
    args: ["\${CANARY_MCP_SERVER}", --prefix, ${TP}]
    env: {API_KEY: "\${CANARY_MCP_KEY}"}
agents:
  - name: ${NAME}
    description: MCP test agent
    system_prompt:
      value: You use tools.
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    tools: []
    mcp_tools:
      - server: ${MCP}
`;

async function api(p, init) {
  const r = await fetch(`${SERVER}/v1${p}`, init);
  assert.ok(r.ok, `${p}: ${r.status}`);
  return r.status === 204 ? null : r.json();
}

const agentsNamed = (name) => api(`/agents/?name=${encodeURIComponent(name)}&include=agent.tools`);
const mcpNamed = async (name) => (await api('/mcp-servers/')).filter((s) => s.server_name === name);

let server, browser, page, dir;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-e2e-'));
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
  for (const s of await mcpNamed(MCP).catch(() => [])) {
    await fetch(`${SERVER}/v1/mcp-servers/${s.id}`, { method: 'DELETE' }).catch(() => {});
  }
  if (browser) await browser.close();
  if (server) server.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function planText(t) {
  try {
    await page.waitForFunction((x) => document.querySelector('#plan')?.textContent.includes(x), t, { timeout: 60000 });
  } catch (e) {
    throw new Error(`${e.message}; waited for "${t}", the plan view shows: ${await page.textContent('#plan').catch(() => '?')}`);
  }
}

test('the page asks for the fleet\'s variables, deploys an MCP server and keeps the values in memory', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await fillEditor(page, FLEET);
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid: 1 agent.'));
  await page.click('#to-plan');
  await page.fill('#prefix', PREFIX);
  await page.dispatchEvent('#prefix', 'change');

  // The form lists exactly the variables the fleet refers to, as password fields.
  await page.waitForSelector('#fleet-vars input[data-var]');
  const names = await page.$$eval('#fleet-vars input[data-var]', (xs) => xs.map((x) => [x.dataset.var, x.type]));
  assert.deepStrictEqual(names, [['CANARY_MCP_KEY', 'password'], ['CANARY_MCP_PYTHON', 'password'], ['CANARY_MCP_SERVER', 'password']]);
  for (const [v, value] of [['CANARY_MCP_PYTHON', PYTHON], ['CANARY_MCP_SERVER', SCRIPT], ['CANARY_MCP_KEY', SECRET]]) {
    await page.fill(`#fleet-vars input[data-var="${v}"]`, value);
    await page.dispatchEvent(`#fleet-vars input[data-var="${v}"]`, 'change');
  }
  await planText(`Register MCP server '${MCP}'`);
  await planText(PREFIX + NAME);
  assert.strictEqual((await mcpNamed(MCP)).length, 0, 'preview writes nothing');

  // Deploy the canary: the server is registered with the values typed in, its tools attached.
  await page.evaluate(() => { location.hash = '/run'; });
  await page.click('#confirm');
  await page.waitForSelector('#result, #run-error', { timeout: 180000 });
  const err = await page.$('#run-error');
  assert.strictEqual(err, null, err ? await err.textContent() : '');
  const [registered] = await mcpNamed(MCP);
  assert.ok(registered, 'MCP server registered');
  assert.strictEqual(registered.command, PYTHON);
  assert.strictEqual(registered.env.API_KEY, SECRET, 'the typed value reached the server');
  const [canary] = await agentsNamed(PREFIX + NAME);
  assert.ok(canary, 'canary deployed');
  const tools = canary.tools.filter((t) => t.tool_type === 'external_mcp').map((t) => t.name).sort();
  assert.deepStrictEqual(tools, [`${TP}add`, `${TP}shout`]);
  assert.strictEqual((await agentsNamed(NAME)).length, 0, 'production untouched');

  // Re-plan: nothing to do.
  await page.evaluate(() => { location.hash = '/plan'; });
  await page.click('#replan');
  await page.waitForFunction(() => document.querySelector('#plan-summary')?.textContent.includes('1 unchanged'), null, { timeout: 60000 });

  // The value is nowhere the page keeps or exports things.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-plan')]);
  const saved = path.join(dir, 'plan.json');
  await download.saveAs(saved);
  assert.ok(!fs.readFileSync(saved, 'utf8').includes(SECRET), 'not in the plan file');
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
  assert.ok(!stored.includes(SECRET), 'not in storage');
  assert.ok(stored.includes(NAME), 'History holds the applied fleet');
  await page.evaluate(() => { location.hash = '/history'; });
  await page.waitForSelector('.history-entry');
  assert.ok(!(await page.textContent('body')).includes(SECRET), 'not shown in History');
});
