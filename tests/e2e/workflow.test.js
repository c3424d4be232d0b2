// End-to-end: the release app in headless Chromium against the real Letta server.
// After each step the server state is checked through the API, not only the page.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const { fillEditor, ROOT, SERVER, PORT, APP, SHOTS, LAUNCH, serve } = require('./support.js');
const U = String(Date.now() % 1e8);
const PREFIX = `E2E${U}-`;
const SUPPORT = `support-agent-${U}`;
const BILLING = `billing-agent-${U}`;
const LABEL = `company_policies_${U}`;

async function api(pathAndQuery) {
  const r = await fetch(`${SERVER}/v1${pathAndQuery}`);
  assert.ok(r.ok, `${pathAndQuery}: ${r.status}`);
  return r.json();
}

async function agentsNamed(name) {
  return api(`/agents/?name=${encodeURIComponent(name)}&include=agent.blocks&include=agent.tags`);
}

function exampleYaml() {
  const y = fs.readFileSync(path.join(ROOT, 'examples/support-fleet/fleet.yaml'), 'utf8');
  return y.replaceAll('support-agent', SUPPORT).replaceAll('billing-agent', BILLING).replaceAll('company_policies', LABEL);
}

let server, browser, page;
const consoleErrors = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on('dialog', async (d) => { consoleErrors.push(`dialog opened: ${d.message()}`); await d.dismiss(); });
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

async function go(view) {
  await page.evaluate((v) => { location.hash = `/${v}`; }, view);
  await page.waitForFunction((v) => document.querySelector('a.tab.active')?.getAttribute('href') === `#/${v}`, view);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function setMode(mode) {
  await page.selectOption('#mode', mode);
  await page.waitForSelector('#plan-summary');
}

async function planReady(text) {
  await page.waitForFunction((t) => document.querySelector('#plan-summary')?.textContent.includes(t), text, { timeout: 30000 });
}

async function executeAndWait() {
  await go('run');
  await page.click('#confirm');
  await page.waitForSelector('#result, #run-error', { timeout: 120000 });
  const err = await page.$('#run-error');
  assert.strictEqual(err, null, err ? await err.textContent() : '');
  assert.match(await page.textContent('#result'), /Done/);
}

test('the whole workflow through the UI', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
  await page.waitForFunction(() => document.querySelector('#health')?.textContent.includes('healthy'), null, { timeout: 20000 });
  await shot('connect');

  // Load the example (renamed for this run) and see it validate.
  await go('fleet');
  await fillEditor(page, exampleYaml());
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid: 2 agents.'));
  await shot('fleet');

  // Preview the canary deploy with our prefix.
  await page.click('#to-plan');
  await page.fill('#prefix', PREFIX);
  await page.dispatchEvent('#prefix', 'change');
  await planReady('2 to create');
  await page.waitForFunction((p) => document.querySelector('#plan')?.textContent.includes(`${p}${'support'}`), PREFIX);
  assert.strictEqual((await agentsNamed(PREFIX + SUPPORT)).length, 0, 'preview writes nothing');
  await shot('plan');

  // Deploy canaries.
  await executeAndWait();
  await shot('execute');
  const [canary] = await agentsNamed(PREFIX + SUPPORT);
  assert.ok(canary, 'canary exists on the server');
  assert.strictEqual(canary.metadata['lettactl.canary'], true);
  assert.strictEqual(canary.metadata['lettactl.canary.prefix'], PREFIX);
  assert.strictEqual(canary.metadata['lettactl.canary.productionName'], SUPPORT);
  assert.deepStrictEqual([...canary.tags].sort(), ['support', 'tier-1']);
  assert.strictEqual((await agentsNamed(SUPPORT)).length, 0, 'production untouched');

  // The plan after the deploy: every agent unchanged.
  await go('plan');
  await planReady('2 unchanged');

  // Canaries view lists them under the prefix; describe one.
  await go('canaries');
  const rows = `#canary-table tbody tr[data-canary^="${PREFIX}"]`;
  await page.waitForSelector(rows, { timeout: 20000 });
  assert.strictEqual(await page.locator(rows).count(), 2);
  await page.locator(rows, { hasText: SUPPORT }).getByRole('button', { name: 'Describe' }).click();
  await page.waitForSelector('#describe');
  await shot('canaries');

  // Promote to production (no cleanup yet), then check the server.
  await go('plan');
  await setMode('promote');
  await planReady('2 to create');
  // No test suite ran for this fleet: the promote gate needs an override, which is recorded.
  await page.check('#gate-override');
  await page.fill('#gate-reason', 'workflow test: promote without a suite');
  await page.waitForSelector('#gate-decision[data-decision="overridden"]');
  await executeAndWait();
  const [prod] = await agentsNamed(SUPPORT);
  assert.ok(prod, 'production agent created by promote');
  assert.strictEqual(prod.metadata['lettactl.canary'], undefined);
  const canaryPersona = canary.blocks.find((b) => b.label === 'persona').id;
  assert.notStrictEqual(prod.blocks.find((b) => b.label === 'persona').id, canaryPersona, 'canary memory is isolated');

  // Chat side by side: deterministic replies from both.
  await go('canaries');
  await page.waitForSelector(rows);
  await page.locator(rows, { hasText: SUPPORT }).getByRole('button', { name: 'Chat' }).click();
  await page.waitForSelector('#chat-text');
  await page.waitForFunction(() => !document.querySelector('#send').disabled);
  await page.fill('#chat-text', 'What is your return policy?');
  await page.click('#send');
  for (const side of ['canary', 'production']) {
    await page.waitForFunction((s) => document.querySelector(`[data-side="${s}"]`)?.textContent.includes('Echo: What is your return policy?'), side, { timeout: 60000 });
  }
  // Agent content is text, never HTML.
  const evil = '<img src=x onerror=alert(1)>';
  await page.waitForFunction(() => !document.querySelector('#send').disabled, null, { timeout: 60000 });
  await page.fill('#chat-text', evil);
  await page.click('#send');
  for (const side of ['canary', 'production']) {
    await page.waitForFunction(([s, e]) => document.querySelector(`[data-side="${s}"]`)?.textContent.includes(`Echo: ${e}`), [side, evil], { timeout: 60000 });
  }
  assert.strictEqual(await page.locator('.transcript img').count(), 0, 'no element was created from agent text');
  await shot('chat');

  // Clean up the canaries. Leaving the chat deletes its test conversations, whose block copies
  // are server objects until then: wait for them to go, so the plan is made on a settled server.
  await go('plan');
  for (const name of [PREFIX + SUPPORT, SUPPORT]) {
    const [a] = await agentsNamed(name);
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${SERVER}/v1/conversations/?agent_id=${a.id}`);
      const list = r.ok ? await r.json() : [];
      if (!list.some((c) => (c.summary || '').startsWith('fleet-canary test'))) break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
  }
  await setMode('cleanup');
  await planReady('to delete');
  await shot('cleanup-plan');
  await executeAndWait();
  assert.strictEqual((await agentsNamed(PREFIX + SUPPORT)).length, 0, 'canary deleted');
  assert.strictEqual((await agentsNamed(PREFIX + BILLING)).length, 0, 'canary deleted');
  assert.strictEqual((await agentsNamed(SUPPORT)).length, 1, 'production kept');
  const persona = await fetch(`${SERVER}/v1/blocks/${canaryPersona}`);
  assert.strictEqual(persona.status, 404, 'the canary\'s own block was deleted');

  // History keeps the applied versions.
  await go('history');
  await page.waitForSelector('.history-entry');
  assert.ok(await page.locator('.history-entry').count() >= 2);
  await shot('history');

  // Dark theme.
  await page.click('#theme-toggle');
  await go('plan');
  await setMode('canary');
  await planReady('2 to create');
  await shot('plan-dark');
  await page.click('#theme-toggle');
});

test('invalid YAML shows each error at its line and disables review', async () => {
  await go('fleet');
  const bad = exampleYaml().replace('context_window: 16000', 'context_window: 5').replace(`name: ${BILLING}`, 'name: bad name');
  await fillEditor(page, bad);
  // The context window comes into both agents through a `<<` merge: two errors, both marked
  // where the anchor defines it, plus the bad name.
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('3 errors: fix them'));
  const lines = bad.split('\n');
  const cw = lines.findIndex((l) => l.includes('context_window: 5')) + 1;
  const nm = lines.findIndex((l) => l.includes('name: bad name')) + 1;
  const text = await page.textContent('#diagnostics');
  assert.match(text, new RegExp(`line ${cw}.*must be a whole number from 1000 to 200000`));
  assert.match(text, new RegExp(`line ${nm}.*may contain only letters`));
  // Each line is marked in the gutter (brought into view first: only visible lines are drawn;
  // the first one last, for the screenshot).
  for (const n of [nm, cw]) {
    await page.$eval('#yaml.cm-content', (e, n) => e.fleetSelect(e.fleetText().split('\n').slice(0, n - 1).join('\n').length + 1), n);
    await page.waitForFunction((n) => [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement.err')].some((e) => e.textContent === String(n)), n, { timeout: 5000 });
  }
  const marked = await page.$$eval('.cm-lineNumbers .cm-gutterElement.err', (els) => els.map((e) => Number(e.textContent)));
  assert.ok(marked.every((n) => n === cw || n === nm), `only the two lines are marked: ${marked}`);
  assert.strictEqual(await page.isDisabled('#to-plan'), true, 'review (and so deploy) is disabled');
  await shot('fleet-errors');
  await page.click('text=Load example');
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid'));
});

test('every view loads without console errors', async () => {
  for (const v of ['connect', 'fleet', 'plan', 'run', 'canaries', 'chat', 'history']) {
    await go(v);
    await page.waitForTimeout(400);
  }
  assert.deepStrictEqual(consoleErrors, []);
});

// A run on another port skips CORS in the browser (support.js), so no origin is refused there.
const CORS_ON = [8080, 8081].includes(PORT);
test('an origin the server refuses gets the CORS explanation', { skip: !CORS_ON && 'the browser skips CORS when TEST_APP_PORT is not 8080/8081' }, async () => {
  const port = PORT + 18;
  const other = await serve(port);
  const p = await browser.newPage();
  try {
    await p.goto(`http://127.0.0.1:${port}/?server=${encodeURIComponent(SERVER)}#/connect`);
    await p.waitForFunction(() => /refuses this page's origin/.test(document.querySelector('#health')?.textContent || ''), null, { timeout: 20000 });
    const text = await p.textContent('#health');
    assert.ok(text.includes(`ACCEPTABLE_ORIGINS=http://127.0.0.1:${port}`), text);
    await p.screenshot({ path: path.join(SHOTS, 'cors.png') });
  } finally {
    await p.close();
    other.kill();
  }
});
