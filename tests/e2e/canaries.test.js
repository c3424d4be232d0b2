// The Canaries view at scale (issue 15): compact rows, search and sort, a "differs from
// production" column, Describe in a drawer beside the table, and bulk clean-up through a
// cleanup plan reviewed in the Plan view. Headless Chromium against the real Letta server;
// every deletion is read back through the API.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, api, agentsNamed, deleteAgentsNamed, agentYaml, steps, assertAccessible } = require('./support.js');

const U = String(Date.now() % 1e8);
const X = `cn-x-${U}`;
const Y = `cn-y-${U}`;
const Z = `cn-z-${U}`;
const Q = `CN${U}-`;


let server, browser, page;
const created = new Set([X, Y, Z].flatMap((n) => [n, Q + n]));

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

const { go, setFleet, planShows, execute, planAndRun } = steps(() => page);


const agent = (name, prompt) => agentYaml(name, { prompt, description: 'Canaries view test agent' });
const V1 = `agents:\n${agent(X, 'You are X.')}${agent(Y, 'You are Y.')}${agent(Z, 'You are Z.')}`;
const V2 = `agents:\n${agent(X, 'You are X, version two.')}${agent(Y, 'You are Y.')}${agent(Z, 'You are Z.')}`;

const rowOf = (name) => `#canary-table tr[data-canary="${name}"]`;

test('canaries: compact rows, search, sort, differs column, Describe drawer, bulk clean-up through a reviewed plan', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  // Production from version one, canaries from version two (X changed).
  await setFleet(V1, 3);
  await planAndRun('apply', null, X);
  await setFleet(V2, 3);
  await planAndRun('canary', Q, Q + X);
  for (const n of [X, Y, Z]) assert.strictEqual((await agentsNamed(Q + n)).length, 1, `${Q + n} deployed`);

  await go('canaries');
  await page.waitForSelector('#canary-table');
  await page.fill('#canary-search', U);
  await page.waitForFunction((q) => [...document.querySelectorAll('#canary-table tbody tr')].every((r) => r.dataset.canary.includes(q)), U);
  assert.strictEqual((await page.$$('#canary-table tbody tr')).length, 3, 'the search keeps this run\'s canaries');
  assert.match(await page.textContent(`${rowOf(Q + X)} td.differs`), /1 field/);
  assert.strictEqual((await page.textContent(`${rowOf(Q + Y)} td.differs`)).trim(), 'same');
  const rowHeight = await page.$eval(rowOf(Q + Y), (r) => r.getBoundingClientRect().height);
  assert.ok(rowHeight < 40, `compact rows: ${rowHeight}px`);

  // Sort by "differs" descending: the changed canary first.
  await page.click('th >> text=Differs from production');
  await page.click('th >> text=Differs from production');
  assert.match(await page.getAttribute('th:has-text("Differs from production")', 'aria-sort'), /descending/);
  assert.strictEqual(await page.$eval('#canary-table tbody tr', (r) => r.dataset.canary), Q + X);

  // Describe opens beside the row, in view, with focus in it.
  await page.click(`${rowOf(Q + X)} button:has-text("Describe")`);
  await page.waitForSelector('#describe');
  const [table, drawer] = await page.evaluate(() => [document.querySelector('#canary-table').getBoundingClientRect().toJSON(), document.querySelector('#describe').getBoundingClientRect().toJSON()]);
  assert.ok(drawer.left >= table.right - 1 && drawer.top < 900, `the drawer is beside the table: ${JSON.stringify({ table, drawer })}`);
  assert.strictEqual(await page.evaluate(() => document.activeElement?.id), 'describe-head');
  assert.match(await page.textContent('#describe'), /version two/);
  assert.strictEqual(await page.getAttribute(`${rowOf(Q + X)} button:has-text("Describe")`, 'aria-expanded'), 'true');
  await page.screenshot({ path: path.join(SHOTS, 'canaries-drawer.png'), fullPage: false });
  await assertAccessible(page, 'canaries with the Describe drawer');
  await page.click('#describe-close');
  assert.strictEqual(await page.$('#describe'), null);

  // Bulk clean-up of X and Y: a cleanup plan scoped to them, reviewed, then executed.
  await page.check(`${rowOf(Q + X)} input[type=checkbox]`);
  await page.check(`${rowOf(Q + Y)} input[type=checkbox]`);
  await page.click('#bulk-cleanup');
  await page.waitForFunction(() => location.hash === '#/plan');
  await planShows('to delete');
  await page.waitForSelector('#cleanup-phase');
  assert.strictEqual(await page.inputValue('#mode'), 'cleanup');
  const plan = await page.textContent('#cleanup-phase');
  assert.ok(plan.includes(Q + X) && plan.includes(Q + Y), 'X and Y are deleted');
  assert.match(plan, new RegExp(`${Q}${Z}.*not in this cleanup's scope`), 'Z is spared');
  assert.strictEqual((await agentsNamed(Q + X)).length, 1, 'nothing deleted before the reviewed plan runs');
  await execute();
  assert.strictEqual((await agentsNamed(Q + X)).length, 0, 'X canary deleted');
  assert.strictEqual((await agentsNamed(Q + Y)).length, 0, 'Y canary deleted');
  assert.strictEqual((await agentsNamed(Q + Z)).length, 1, 'Z canary kept');
  assert.strictEqual((await agentsNamed(X)).length, 1, 'production untouched');

  // A selection mixing prefixes is refused in words, and nothing changes.
  await go('canaries');
  await page.waitForSelector(rowOf(Q + Z));
  const other = await page.$$eval('#canary-table tbody tr', (rows, q) => rows.map((r) => r.dataset.canary).find((n) => !n.startsWith(q)), Q);
  if (other) {
    await page.fill('#canary-search', '');
    await page.check(`${rowOf(other)} input[type=checkbox]`);
    await page.check(`${rowOf(Q + Z)} input[type=checkbox]`);
    await page.click('#bulk-cleanup');
    assert.match(await page.textContent('#bulk-note'), /one prefix/);
    assert.strictEqual(await page.evaluate(() => location.hash), '#/canaries');
  }
});
