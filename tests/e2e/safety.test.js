// End-to-end safety of what the page shows versus what runs (issue 11, items 4–6), in headless
// Chromium against the real Letta server. Every run is checked on the server through the API.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { fillEditor, SERVER, PORT, APP, SHOTS, LAUNCH, serve, api, agentsNamed } = require('./support.js');

// The same server under another origin: a second, real server as far as the browser knows.
const OTHER = SERVER.replace('127.0.0.1', 'localhost');
const U = String(Date.now() % 1e8);
const A = `safe-a-${U}`;
const B = `safe-b-${U}`;
const OLD = `OLD${U}-`;
const NEW = `NEW${U}-`;
const ST = `ST${U}-`;

function fleet(prompt) {
  const agent = (name, p) => `  - name: ${name}
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    description: Safety test agent
    system_prompt:
      value: ${p}
    tools: []
    memory_blocks:
      - name: persona
        description: Who the agent is
        limit: 2000
        value: I am ${name}.
        agent_owned: true
`;
  return `agents:\n${agent(A, prompt)}${agent(B, 'You are agent B.')}`;
}

let server, browser, page;
const created = new Set();

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

test.after(async () => {
  // Leave the shared server as we found it: delete every agent this file made.
  for (const name of created) {
    for (const a of await agentsNamed(name).catch(() => [])) {
      await fetch(`${SERVER}/v1/agents/${a.id}`, { method: 'DELETE' }).catch(() => {});
    }
  }
  if (browser) await browser.close();
  if (server) server.kill();
});

async function go(p, view) {
  await p.evaluate((v) => { location.hash = `/${v}`; }, view);
  await p.waitForFunction((v) => document.querySelector('a.tab.active')?.getAttribute('href') === `#/${v}`, view);
}

async function planShows(text) {
  try {
    await page.waitForFunction((t) => !document.querySelector('#stale') && document.querySelector('#plan-summary') && document.querySelector('#plan')?.textContent.includes(t), text, { timeout: 30000 });
  } catch (e) {
    const now = await page.evaluate(() => `${document.querySelector('#stale')?.textContent || ''} | ${document.querySelector('main')?.textContent.slice(0, 600)}`);
    throw new Error(`the plan does not show "${text}": ${now}`);
  }
}

async function setPrefix(prefix) {
  await page.fill('#prefix', prefix);
  await page.dispatchEvent('#prefix', 'change');
}

// Counts the app's requests to the Letta API that have not finished yet.
function tracker(p) {
  let open = 0;
  p.on('request', (r) => { if (r.url().includes('/v1/')) open += 1; });
  const done = (r) => { if (r.url().includes('/v1/')) open -= 1; };
  p.on('requestfinished', done);
  p.on('requestfailed', done);
  return {
    async quiet(ms = 800) {
      for (let still = 0; still < ms; still += 100) {
        if (open > 0) still = 0;
        await p.waitForTimeout(100);
      }
    },
  };
}

async function deploy() {
  await go(page, 'run');
  await page.waitForSelector('#confirm:not([disabled])', { timeout: 30000 });
  await page.click('#confirm');
  await page.waitForSelector('#result, #run-error', { timeout: 120000 });
  const err = await page.$('#run-error');
  assert.strictEqual(err, null, err ? await err.textContent() : '');
  assert.match(await page.textContent('#result'), /Done/);
}

test('a slow older plan never replaces a newer one', async () => {
  const net = tracker(page);
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await fillEditor(page, fleet('You are agent A, version one.'));
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid: 2 agents.'));
  await page.click('#to-plan');
  await planShows('CANARY-');

  // Hold every server read that starts while `hold` is set: that plan is slow.
  let hold = false;
  let release;
  const gate = new Promise((r) => { release = r; });
  let held = 0;
  const letta = (u) => u.href.startsWith(`${SERVER}/v1/`);
  await page.route(letta, async (route) => {
    if (hold && route.request().method() === 'GET') {
      held += 1;
      await gate;
    }
    await route.continue();
  });

  // The prefix race: OLD's plan is slow, NEW's is fast and lands first; OLD's lands later.
  hold = true;
  await setPrefix(OLD);
  await page.waitForFunction(() => document.querySelector('#plan')?.textContent.includes('Reading the server'));
  hold = false;
  await setPrefix(NEW);
  await planShows(NEW + A);
  assert.ok(held > 0, 'the older plan was held back');
  release();
  await net.quiet();
  assert.strictEqual(await page.inputValue('#prefix'), NEW);
  const plan = await page.textContent('#plan');
  assert.ok(plan.includes(NEW + A) && !plan.includes(OLD), `the reviewed plan is NEW's: ${plan.slice(0, 300)}`);
  assert.strictEqual(await page.$('#stale'), null, 'the plan matches the page');

  // The mode race of the issue: the selector says "Canary deploy", a slow "Production apply"
  // plan must not become the plan.
  let release2;
  const gate2 = new Promise((r) => { release2 = r; });
  await page.unroute(letta);
  hold = true;
  await page.route(letta, async (route) => {
    if (hold && route.request().method() === 'GET') await gate2;
    await route.continue();
  });
  await page.selectOption('#mode', 'apply');
  await page.waitForFunction(() => document.querySelector('#plan')?.textContent.includes('Reading the server'));
  hold = false;
  await page.selectOption('#mode', 'canary');
  await planShows(NEW + A);
  release2();
  await net.quiet();
  await page.unroute(letta);
  assert.strictEqual(await page.inputValue('#mode'), 'canary');
  assert.ok((await page.textContent('#plan')).includes(NEW + A), 'still the canary plan');

  // A prefix typed but not yet applied: the plan is out of date and cannot be executed.
  await page.fill('#prefix', `TYPED${U}-`);
  await page.waitForSelector('#stale');
  assert.match(await page.textContent('#stale'), new RegExp(`prefix: the plan uses ${NEW}, the page says TYPED${U}-`));
  // Execute… stays clickable (its click re-plans first and then opens Execute, review.test.js);
  // the Execute view never offers to run the plan of the old prefix: either it refuses, or
  // leaving the field re-planned for the typed one.
  await go(page, 'run');
  await page.waitForSelector('#confirm');
  const offered = await page.textContent('#restate').catch(() => '');
  assert.ok(await page.isDisabled('#confirm') || offered.includes(`prefix TYPED${U}-`), `never NEW's plan: ${offered}`);
  assert.ok(!offered.includes(`prefix ${NEW}`) || await page.isDisabled('#confirm'), 'the old prefix cannot run');
  await go(page, 'plan');
  await setPrefix(NEW);
  await planShows(NEW + A);

  // What runs is what the page shows.
  created.add(NEW + A).add(NEW + B).add(OLD + A).add(OLD + B);
  await go(page, 'run');
  assert.match(await page.textContent('#restate'), new RegExp(`prefix ${NEW}`));
  await deploy();
  assert.strictEqual((await agentsNamed(NEW + A)).length, 1, 'NEW canary deployed');
  assert.strictEqual((await agentsNamed(OLD + A)).length, 0, 'no OLD canary');
  assert.strictEqual((await agentsNamed(A)).length, 0, 'production untouched');
});

test('editing after review makes the plan stale; the run deploys the new prompt', async () => {
  created.add(ST + A).add(ST + B);
  await go(page, 'fleet');
  await fillEditor(page, fleet('You are agent A, version two.'));
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid'));
  await page.click('#to-plan');
  await page.selectOption('#mode', 'canary');
  await setPrefix(ST);
  await planShows(ST + A);
  await deploy();

  // Review plan after an edit shows the edit, never the old plan.
  await go(page, 'fleet');
  await fillEditor(page, fleet('You are agent A, version three.'));
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid'));
  await page.click('#to-plan');
  await planShows('1 to update');
  assert.match(await page.textContent('#plan'), /three/);

  // Edit again and go straight to Execute: refused, with what differs.
  await go(page, 'fleet');
  await fillEditor(page, fleet('You are agent A, version four.'));
  await go(page, 'run');
  await page.waitForSelector('#stale');
  assert.match(await page.textContent('#stale'), /the fleet text was edited/);
  assert.strictEqual(await page.isDisabled('#confirm'), true, 'Execute is blocked');
  await page.screenshot({ path: path.join(SHOTS, 'stale-plan.png') });

  // Re-plan from the notice, then run: the server gets version four.
  await page.click('#stale-replan');
  await page.waitForSelector('#confirm:not([disabled])', { timeout: 30000 });
  assert.strictEqual(await page.$('#stale'), null);
  await deploy();
  const [a] = await agentsNamed(ST + A);
  const full = await api(`/agents/${a.id}`);
  assert.strictEqual(full.system.trim(), 'You are agent A, version four.');

  // A new review clears the previous run's result from the Execute view.
  await go(page, 'plan');
  await page.click('#replan');
  await planShows('unchanged');
  await go(page, 'run');
  await page.waitForSelector('#restate');
  assert.strictEqual(await page.$('#result'), null, 'the old result is gone');

  // Changing the server after review makes the plan stale too.
  await go(page, 'connect');
  await page.fill('#server-url', OTHER);
  await page.dispatchEvent('#server-url', 'change');
  await go(page, 'run');
  await page.waitForSelector('#stale');
  assert.match(await page.textContent('#stale'), new RegExp(`server: the plan was read from ${SERVER}, the page is connected to ${OTHER}`));
  assert.strictEqual(await page.isDisabled('#confirm'), true);
});

test('promote then clean up: both phases reviewed; the promote is reported when the cleanup fails', async () => {
  await go(page, 'connect');
  await page.fill('#server-url', SERVER);
  await page.dispatchEvent('#server-url', 'change');
  await go(page, 'plan');
  await page.selectOption('#mode', 'promote');
  await page.waitForSelector('#cleanup-after');
  await page.check('#cleanup-after');
  await page.waitForSelector('#phase-two-rule', { timeout: 30000 });
  await planShows('2 to create');
  const phase = await page.textContent('#cleanup-phase');
  assert.match(phase, new RegExp(`Phase two: clean up the canaries of prefix ${ST}`));
  assert.match(phase, /Runs only if every agent is promoted/);
  assert.ok(phase.includes(ST + A) && phase.includes(ST + B), 'phase two lists the canaries it deletes');
  await page.screenshot({ path: path.join(SHOTS, 'promote-cleanup-plan.png'), fullPage: true });
  created.add(A).add(B);
  // No test suite ran for this fleet: the promote gate needs an override (recorded).
  await page.check('#gate-override');
  await page.fill('#gate-reason', 'safety test of a failing cleanup phase');
  await page.waitForSelector('#gate-decision[data-decision="overridden"]');

  // Every delete fails: phase two fails after phase one wrote production.
  const deletes = (u) => u.href.startsWith(`${SERVER}/v1/`);
  await page.route(deletes, (route) => (route.request().method() === 'DELETE'
    ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"detail":"injected delete failure"}' })
    : route.continue()));
  try {
    await go(page, 'run');
    await page.waitForSelector('#confirm:not([disabled])', { timeout: 30000 });
    await page.click('#confirm');
    await page.waitForSelector('#result, #run-error', { timeout: 120000 });
    assert.strictEqual(await page.$('#run-error'), null);
    const result = await page.textContent('#result');
    assert.match(result, /Promoted; the cleanup did not finish/);
    const one = await page.textContent('#result-phase-one');
    assert.match(one, new RegExp(`${A} created`));
    assert.match(one, new RegExp(`${B} created`));
    assert.match(await page.textContent('#result-cleanup'), /injected delete failure/);
    await page.screenshot({ path: path.join(SHOTS, 'promote-cleanup-failed.png'), fullPage: true });
  } finally {
    await page.unroute(deletes);
  }
  const [prod] = await agentsNamed(A);
  assert.ok(prod, 'production agent written by phase one');
  assert.strictEqual((await api(`/agents/${prod.id}`)).system.trim(), 'You are agent A, version four.');
  assert.strictEqual((await agentsNamed(ST + A)).length, 1, 'the canary stays when its deletion fails');

  // The History entry of the promote survives the failed cleanup.
  await go(page, 'history');
  await page.waitForSelector('.history-entry');
  const entries = await page.locator('.history-entry').allTextContents();
  assert.ok(entries.some((e) => /promote/.test(e) && /2 agents written/.test(e) && /failed/.test(e)), entries.join('\n'));
});

test('a remembered API key is never sent to a server a link names', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  const seen = [];
  await p.route((u) => u.href.includes('/v1/'), async (route) => {
    const h = await route.request().allHeaders();
    seen.push({ url: route.request().url(), auth: h.authorization });
    await route.continue();
  });
  try {
    const KEY = `sk-test-${U}`;
    await p.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
    await p.fill('#api-key', KEY);
    await p.dispatchEvent('#api-key', 'change');
    await p.check('text=Remember the key');
    await p.click('text=Save and check');
    await p.waitForFunction(() => /healthy|refused/.test(document.querySelector('#health')?.textContent || ''), null, { timeout: 20000 });
    assert.ok(seen.some((s) => s.url.startsWith(SERVER) && s.auth === `Bearer ${KEY}`), 'the key goes to its own server');

    // Same tab, a link to another server.
    seen.length = 0;
    await p.goto(`${APP}/?server=${encodeURIComponent(OTHER)}#/connect`);
    await p.waitForFunction(() => document.querySelector('#health'));
    await p.waitForTimeout(1500);
    assert.deepStrictEqual(seen.filter((s) => s.url.startsWith(OTHER) && s.auth), [], 'the key never reaches the link\'s server');
    assert.deepStrictEqual(seen.filter((s) => s.url.startsWith(OTHER)), [], 'nothing reaches the link\'s server before confirming');
    await p.waitForSelector('#server-confirm');
    assert.match(await p.textContent('#server-confirm'), new RegExp(OTHER.replace(/[.:/]/g, '\\$&')));
    assert.strictEqual(await p.inputValue('#server-url'), SERVER, 'still on the key\'s server');
    await p.screenshot({ path: path.join(SHOTS, 'server-confirm.png') });

    await p.click('#accept-server');
    await p.waitForFunction(() => /healthy/.test(document.querySelector('#health')?.textContent || ''), null, { timeout: 20000 });
    const toOther = seen.filter((s) => s.url.startsWith(OTHER));
    assert.ok(toOther.length > 0, 'the new server is used after confirming');
    assert.deepStrictEqual(toOther.filter((s) => s.auth), [], 'without the key');
    assert.strictEqual(await p.inputValue('#server-url'), OTHER);
    assert.strictEqual(await p.inputValue('#api-key'), '');
    assert.strictEqual(await p.$('#server-confirm'), null);

    // A key typed for one server is cleared when the URL moves to another origin.
    await p.fill('#api-key', KEY);
    await p.dispatchEvent('#api-key', 'change');
    await p.fill('#server-url', SERVER);
    await p.dispatchEvent('#server-url', 'change');
    await p.waitForSelector('#key-cleared');
    assert.strictEqual(await p.inputValue('#api-key'), '');
  } finally {
    await ctx.close();
  }
});
