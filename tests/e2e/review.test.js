// Plan review as a developer tool (issue 15): full-width agent sections, changed words marked
// inside changed lines, unified and side-by-side diffs, changed agents first, the agent filter,
// full values on CREATE, in-place help, the production banner, the check against the version
// the canaries were deployed from, the first click on Execute after typing a prefix, and the
// mode returning to canary after a promote. Headless Chromium against the real Letta server;
// what ran is read back through the API.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, api, agentsNamed, deleteAgentsNamed, steps, assertAccessible, assertNoHorizontalOverflow, agentYaml } = require('./support.js');

const U = String(Date.now() % 1e8);
const A = `rv-a-${U}`;
const B = `rv-b-${U}`;
const C = `rv-c-${U}`;
const D = `rv-d-${U}`;
const P = `RV${U}-`;

const LONG = 'You are the support agent of the Acme help desk, and you answer every question about orders, refunds, shipping, invoices and accounts with care, precision and a friendly tone that customers remember long after the conversation has ended.';
const PROMPT_A1 = `${LONG}\n      Always answer in English.\n      Never share internal notes.`;
const PROMPT_A2 = `${LONG.replace('a friendly tone', 'a warm, friendly tone')}\n      Always answer in plain English.\n      Never share internal notes.\n      Sign every reply with the team name.`;
const PROMPT_D = 'You are the billing agent. You explain invoices line by line, you never guess an amount, and when a customer disputes a charge you collect the invoice number, the date and the amount before you hand the case to a person on the billing team.';

/** One review test agent: its prompt as a block scalar (the diffs compare it line by line). */
const agent = (name, prompt, persona) => agentYaml(name, { prompt, blockPrompt: true, description: 'Review test agent', persona });

const V1 = `agents:\n${agent(A, PROMPT_A1, `I am ${A}.`)}${agent(B, 'You are agent B.', 'I am B.')}${agent(C, 'You are agent C.', 'I am C.')}`;
const V2 = `agents:\n${agent(A, PROMPT_A2, `I am ${A}.`)}${agent(B, 'You are agent B.', 'I am B.')}${agent(C, 'You are agent C.', 'I am C.')}${agent(D, PROMPT_D, 'I am the billing agent, careful with numbers.')}`;


let server, browser, page;
const created = new Set([A, B, C, D].flatMap((n) => [n, P + n]));

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

test.after(async () => {
  await deleteAgentsNamed(created);
  if (browser) await browser.close();
  if (server) server.kill();
});

const { go, setFleet, planShows, confirmRun, overrideGate, execute } = steps(() => page);

// Every agent section fits its own width and the plan's: nothing clipped, nothing overlapping.
async function overflow() {
  return page.evaluate(() => {
    const plan = document.querySelector('#plan').getBoundingClientRect();
    const bad = [];
    for (const el of document.querySelectorAll('#plan .card.agent, #plan .diff, #plan .text-block')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue; // inside a closed <details>
      if (el.scrollWidth > el.clientWidth + 1 || r.right > plan.right + 1) bad.push(`${el.className} ${el.closest('[data-agent]')?.dataset.agent}: ${el.scrollWidth}>${el.clientWidth}`);
    }
    return bad;
  });
}

test('plan review: diffs, order, filter, help, production guard-rails, first click, mode after promote', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await setFleet(V1, 3);
  await page.click('#to-plan');
  await planShows('CANARY-');

  // Typing a prefix and clicking Execute at once: leaving the field re-plans, and the click
  // still lands — on the Execute view, for the plan of the typed prefix.
  await page.fill('#prefix', P);
  await page.click('#to-execute');
  await page.waitForFunction(() => location.hash === '#/run', null, { timeout: 30000 });
  assert.match(await page.textContent('#restate'), new RegExp(`prefix ${P}`), 'the plan that opens is the typed prefix');
  await confirmRun();
  assert.strictEqual((await agentsNamed(P + A)).length, 1, 'canary deployed with the typed prefix');

  // The fleet changes: one word in a long line, one line edited, one added, a new agent.
  await setFleet(V2, 4);
  await go('plan');
  await planShows(`${P}${D}`);
  const order = await page.$$eval('#plan > .cards > .card.agent', (els) => els.map((e) => `${e.querySelector('.badge').textContent} ${e.dataset.agent}`));
  assert.deepStrictEqual(order, [`UPDATE ${P}${A}`, `CREATE ${P}${D}`], 'changed agents first, unchanged ones folded away');
  assert.match(await page.textContent('#unchanged-agents summary'), /2 agents unchanged/);

  // Changed words are marked inside changed lines, not only the lines.
  const sel = `.card.agent[data-agent="${P}${A}"]`;
  const marked = await page.$$eval(`${sel} .diff .line.ins .ins`, (els) => els.map((e) => e.textContent.trim()));
  assert.ok(marked.includes('warm,') && marked.includes('plain'), `inserted words marked: ${JSON.stringify(marked)}`);
  assert.ok(marked.some((m) => m.startsWith('Sign every reply')), 'the added line is marked whole');
  const longLine = await page.$eval(`${sel} .diff .line.ins`, (e) => e.textContent);
  assert.ok(longLine.includes('long after the conversation has ended'), 'the long line is shown whole');
  assert.deepStrictEqual(await overflow(), [], 'no section overflows at 1400 px');
  const widths = await page.evaluate(() => [document.querySelector('#plan').clientWidth, document.querySelector('#plan .card.agent').getBoundingClientRect().width]);
  assert.ok(widths[1] > widths[0] * 0.95, `each agent is a full-width section: ${widths}`);

  // CREATE shows the full prompt and block values.
  const d = `.card.agent[data-agent="${P}${D}"]`;
  assert.strictEqual((await page.textContent(`${d} .system-prompt`)).trim(), PROMPT_D);
  assert.strictEqual((await page.textContent(`${d} [data-block="persona"] pre`)).trim(), 'I am the billing agent, careful with numbers.');
  await page.screenshot({ path: path.join(SHOTS, 'review-unified.png'), fullPage: true });
  await assertAccessible(page, 'plan review, unified diffs');

  // Side by side: old left, new right, the edited line paired with its replacement.
  await page.click('#diff-split');
  await page.waitForSelector(`${sel} .diff.split`);
  const pair = await page.$$eval(`${sel} .diff.split > .line`, (els) => els.map((e) => e.className.replace('line ', '')));
  assert.ok(pair.join(' ').includes('del ins'), `a removed line sits beside its replacement: ${pair}`);
  assert.strictEqual(await page.getAttribute('#diff-split', 'aria-pressed'), 'true');
  assert.deepStrictEqual(await overflow(), [], 'side by side fits at 1400 px');
  await page.screenshot({ path: path.join(SHOTS, 'review-split.png'), fullPage: true });
  await assertAccessible(page, 'plan review, side by side');
  await page.click('#diff-split');

  // Wrap off: long lines scroll inside their diff instead of wrapping (and never overlap).
  await page.click('#diff-wrap');
  assert.strictEqual(await page.$eval(`${sel} .diff .line`, (e) => getComputedStyle(e).whiteSpace), 'pre');
  assert.ok(await page.$eval(`${sel} .diff`, (e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto'), 'the unwrapped diff scrolls');
  assert.ok(await page.$eval(sel, (e) => e.getBoundingClientRect().right <= document.querySelector('#plan').getBoundingClientRect().right + 1 && e.scrollWidth <= e.clientWidth + 1), 'inside its own section');
  await page.click('#diff-wrap');
  assert.strictEqual(await page.$eval(`${sel} .diff .line`, (e) => getComputedStyle(e).whiteSpace), 'pre-wrap');

  // Text: the same plan in lettactl's dry-run format, toggled by a pressed button.
  await page.click('#plan-as-text');
  assert.strictEqual(await page.getAttribute('#plan-as-text', 'aria-pressed'), 'true');
  assert.match(await page.textContent('#plan-text'), /\[\+\] \d+ agent\(s\) to create/);
  await page.click('#plan-as-text');
  assert.strictEqual(await page.$('#plan-text'), null, 'toggled off, the text goes');

  // All fields: unchanged fields are listed too.
  const fieldsBefore = await page.locator(`${sel} .change`).count();
  await page.click('#plan-all-fields');
  assert.strictEqual(await page.getAttribute('#plan-all-fields', 'aria-pressed'), 'true');
  await page.waitForFunction(([s, n]) => document.querySelectorAll(`${s} .change`).length > n, [sel, fieldsBefore]);
  await page.screenshot({ path: path.join(SHOTS, 'review-toolbar.png') });
  await page.click('#plan-all-fields');

  // A narrow window: the sections still fit.
  await page.setViewportSize({ width: 390, height: 900 });
  assert.deepStrictEqual(await overflow(), [], 'no section overflows at 390 px');
  await page.screenshot({ path: path.join(SHOTS, 'review-390.png'), fullPage: false });
  await assertNoHorizontalOverflow(page, 'plan review at 390 px');
  await assertAccessible(page, 'plan review at 390 px');
  await page.setViewportSize({ width: 1400, height: 900 });

  // In-place help: Prune, drift.
  assert.strictEqual(await page.getAttribute('#prune', 'aria-describedby'), 'prune-help');
  await page.click('.with-help summary');
  assert.match(await page.textContent('#prune-help'), /detached/);
  assert.ok(await page.isVisible('#prune-help'));
  await page.click('.with-help summary');
  assert.match(await page.getAttribute('#plan-summary .count.update', 'title'), /Drift/);

  // The agent filter, all and none.
  await page.fill('#agent-filter', 'rv-b');
  assert.deepStrictEqual(await page.$$eval('fieldset.filter label.check', (els) => els.map((e) => e.textContent.trim())), [B]);
  await page.fill('#agent-filter', '');
  await page.click('#agents-none');
  await page.waitForFunction(() => [...document.querySelectorAll('fieldset.filter input[type=checkbox]')].every((c) => !c.checked));
  await page.click('#agents-all');
  await page.waitForFunction(() => [...document.querySelectorAll('fieldset.filter input[type=checkbox]')].every((c) => c.checked));
  await planShows(`${P}${D}`);

  // Promote: a production banner, and a warning — this is not the fleet the canaries run.
  await page.selectOption('#mode', 'promote');
  await planShows(A);
  assert.match(await page.textContent('#production-banner'), /PRODUCTION — promote/);
  assert.match(await page.textContent('#deployed-differs'), new RegExp(`differs from the version the ${P} canaries were deployed from \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)`));
  await page.screenshot({ path: path.join(SHOTS, 'review-promote-differs.png'), fullPage: false });
  await assertAccessible(page, 'promote plan with the production banner');
  await page.selectOption('#mode', 'canary');
  await planShows(P);
  assert.strictEqual(await page.$('#production-banner'), null, 'no banner on a canary plan');

  // Back to the deployed version: the check passes; promote, and the mode returns to canary.
  await setFleet(V1, 3);
  await go('plan');
  await page.selectOption('#mode', 'promote');
  await planShows(A);
  await page.waitForSelector('#deployed-same');
  assert.strictEqual(await page.$('#deployed-differs'), null);
  await overrideGate('review test, no suite');
  await execute();
  assert.strictEqual((await agentsNamed(A)).length, 1, 'promoted to production');
  await go('plan');
  assert.strictEqual(await page.inputValue('#mode'), 'canary', 'after a promote the mode is canary again');
  await planShows(P);
  assert.strictEqual(await page.$('#production-banner'), null);
});

// A large fleet's plan draws the first 50 agent cards and offers the rest on request; the
// agent filter shows the first 50 names and finds the others by typing. Nothing is written.
test('a large plan: the first 50 cards, "Show all", the capped agent filter', async () => {
  const N = 120;
  const names = Array.from({ length: N }, (_, i) => `rv-many-${U}-${i}`);
  const yaml = `agents:\n${names.map((n) => agent(n, `You are ${n}.`, `I am ${n}.`)).join('')}`;
  if (!page.url().startsWith(APP)) await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await setFleet(yaml, N);
  await go('plan');
  await page.selectOption('#mode', 'canary');
  await page.waitForFunction((n) => document.querySelector('#plan-summary')?.textContent.includes(`${n} to create`), N, { timeout: 30000 });
  const cards = () => page.$$eval('#plan > .cards > .card.agent', (els) => els.map((e) => e.dataset.agent));
  const pre = await page.inputValue('#prefix');
  assert.deepStrictEqual(await cards(), names.slice(0, 50).map((n) => pre + n), 'the first 50 agents, in the fleet order');
  assert.strictEqual(await page.textContent('#plan .show-all-agents'), `Show all ${N} agents (${N - 50} more)`);
  await page.$eval('#plan .show-all-agents', (b) => b.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: path.join(SHOTS, 'review-many.png') });
  await page.click('#plan .show-all-agents');
  await page.waitForFunction((n) => document.querySelectorAll('#plan > .cards > .card.agent').length === n, N);
  assert.deepStrictEqual(await cards(), names.map((n) => pre + n), 'every agent once, still in order');
  assert.strictEqual(await page.$('#plan .show-all-agents:not([hidden])'), null, 'the button goes once everything shows');

  // The filter: 50 names and a note; typing finds a name beyond them.
  const boxes = () => page.$$eval('fieldset.filter label.check', (els) => els.map((e) => e.textContent.trim()));
  assert.strictEqual((await boxes()).length, 50);
  assert.match(await page.textContent('#agent-filter-more'), new RegExp(`50 of ${N} shown`));
  await page.fill('#agent-filter', `-${U}-119`);
  await page.waitForFunction(() => document.querySelectorAll('fieldset.filter label.check').length === 1);
  assert.deepStrictEqual(await boxes(), [names[119]]);
  assert.strictEqual(await page.$('#agent-filter-more'), null);
  await page.fill('#agent-filter', '');
  await assertAccessible(page, 'a large plan with every card shown');
  assert.deepStrictEqual(await agentsNamed(pre + names[0]), [], 'reviewing wrote nothing');
});
