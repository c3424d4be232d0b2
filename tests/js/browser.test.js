// The package's browser build (`@fleet-canary/core/web`) in headless Chromium against the real
// Letta server: a canary deploy with a folder (FormData + Blob uploads from the page), listing,
// a message and the cleanup, all through the page's `fetch`; effects read back via the API.
// The page is served by request interception at an origin the local server allows
// (127.0.0.1:8080, see scripts/letta.sh), so no port is bound and no app build is needed.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { PKG, BASE_URL, MODEL, EMBEDDING, unique, api, requireServer, assertCamel } = require('./support.js');

const ORIGIN = 'http://127.0.0.1:8080';
const LAUNCH = { executablePath: '/usr/bin/chromium', args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] };
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const u = unique('br').replace(/-/g, '');
const PREFIX = `B${u.slice(-8)}-`;
const NAME = `${u}-helper`;
const FOLDER = `notes_${u}`;

const YAML = `agents:
  - name: ${NAME}
    description: Helper
    system_prompt:
      value: You help.
    llm_config:
      model: ${MODEL}
      context_window: 16000
    embedding: ${EMBEDDING}
    tools: []
    folders:
      - name: ${FOLDER}
        files: ["notes/*"]
`;
const FILES = { 'notes/one.md': `# One ${u}\n`, 'notes/two.txt': 'Two.\n' };

let browser;

test.before(requireServer);

test.after(async () => {
  if (browser) await browser.close();
  const all = await api('GET', '/agents/?limit=1000').catch(() => []);
  for (const a of all.filter((a) => a.name.includes(u))) await api('DELETE', `/agents/${a.id}`).catch(() => {});
  for (const f of (await api('GET', '/folders/?limit=1000').catch(() => [])).filter((f) => f.name.includes(u))) {
    await api('DELETE', `/folders/${f.id}`).catch(() => {});
  }
});

test('in Chromium: deploy a canary with a folder, list it, message it, clean it up', async () => {
  browser = await chromium.launch(LAUNCH);
  // The page is not really loaded from loopback, so Chromium's Local Network Access asks
  // before it may reach the server on 127.0.0.1; grant what a user would.
  const context = await browser.newContext();
  await context.grantPermissions(['local-network-access'], { origin: ORIGIN });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route(`${ORIGIN}/jspkg/**`, (route) => {
    const name = new URL(route.request().url()).pathname.replace('/jspkg/', '') || 'index.html';
    if (name === 'index.html') return route.fulfill({ contentType: TYPES['.html'], body: '<!doctype html><title>pkg</title>' });
    const file = path.join(PKG, 'web', path.basename(name));
    if (!fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ contentType: TYPES[path.extname(file)] || 'application/octet-stream', body: fs.readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/jspkg/index.html`);

  const out = await page.evaluate(async ({ base, yaml, files, prefix, name }) => {
    const core = await import('/jspkg/canary_core.js');
    await core.default();
    const conn = { baseUrl: base };
    const options = { mode: 'canary', prefix };
    const valid = core.validateFleet(yaml, files).ok;
    const planned = await core.planOnServer(conn, yaml, files, options);
    const events = [];
    const run = await core.executePlan(conn, yaml, files, planned.plan, options, (e) => events.push(e.event), null);
    const list = await core.listCanaries(conn);
    const streamed = [];
    const sent = await core.sendMessage(conn, `${prefix}${name}`, 'hello from the page', (m) => streamed.push(m.type));
    const folders = await (await fetch(`${base}/v1/agents/${run.report.agents[0].id}/folders`)).json();
    const files2 = await (await fetch(`${base}/v1/folders/${folders[0].id}/files`)).json();
    const cleanup = await core.planOnServer(conn, yaml, files, { mode: 'cleanup', prefix });
    const cleaned = await core.executePlan(conn, yaml, files, cleanup.plan, { mode: 'cleanup', prefix }, null, null);
    return {
      valid, planned: planned.ok && planned.plan.agents.map((a) => a.action), run, events, list,
      sent, streamed, uploaded: files2.map((f) => f.original_file_name || f.file_name).sort(), cleaned,
    };
  }, { base: BASE_URL, yaml: YAML, files: FILES, prefix: PREFIX, name: NAME });

  assert.deepStrictEqual(errors, []);
  assert.strictEqual(out.valid, true);
  assert.deepStrictEqual(out.planned, ['CREATE']);
  assert.strictEqual(out.run.ok, true, JSON.stringify(out.run));
  assert.deepStrictEqual(out.events.filter((e) => e !== 'fleetStep'), ['agentStarted', 'agentDone']);
  assert.deepStrictEqual(out.uploaded, ['one.md', 'two.txt'], 'both documents uploaded from the page');
  const group = out.list.canaries.groups.find((g) => g.prefix === PREFIX);
  assert.deepStrictEqual(group.canaries.map((c) => c.productionName), [NAME]);
  assert.strictEqual(out.sent.reply.text, 'Echo: hello from the page');
  assert.ok(out.streamed.includes('assistant'), 'the reply streamed into the page');
  assert.strictEqual(out.cleaned.ok, true, JSON.stringify(out.cleaned));
  assertCamel(out, 'answers in the browser');

  // Read back: the canary and its folder copy were there (above) and are gone now.
  assert.deepStrictEqual(await api('GET', `/agents/?name=${PREFIX}${NAME}`), []);
  const folders = (await api('GET', '/folders/?limit=1000')).map((f) => f.name);
  assert.ok(!folders.some((f) => f.includes(u)), `no folder of this run is left: ${folders.filter((f) => f.includes(u))}`);
});
