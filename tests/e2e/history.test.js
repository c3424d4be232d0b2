// History and the next step after a run (issue 15). Real runs against the Letta server make
// the entries: a production apply of version one, a canary deploy of version two (whose report
// offers "Chat with …", "Run the suite", "Promote"), a production apply of version two. History
// then marks the version production runs, offers "Roll back" only on an earlier production
// version, compares any two versions, exports the history as a file (never the API key), asks
// before clearing, imports the file back (bad files get a clear error and change nothing), and
// a rollback run puts version one back on the server (read back through the API).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, agentsNamed, deleteAgentsNamed, agentYaml, steps } = require('./support.js');

const U = String(Date.now() % 1e8);
const X = `hist-${U}`;
const Q = `HS${U}-`;
const KEY = `sk-history-${U}`;

let server, browser, page;
const panics = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => { if (/panicked|stopped on an internal error/.test(m.text())) panics.push(m.text()); });
  page.on('pageerror', (e) => panics.push(e.message));
});

test.after(async () => {
  await deleteAgentsNamed([X, Q + X]);
  if (browser) await browser.close();
  if (server) server.kill();
});

const { go, setFleet, planShows, execute, planAndRun } = steps(() => page);

const fleet = (prompt) => `agents:\n${agentYaml(X, { prompt, description: 'History test agent' })}`;
const V1 = fleet('You answer in one sentence, version one.');
const V2 = fleet('You answer in two sentences, version two.');

const entries = () => page.$$eval('.history-entry', (els) => els.map((e) => ({
  standing: e.dataset.standing,
  text: e.textContent,
  rollback: !!e.querySelector('button.rollback'),
})));

test('history: production marked, rollback only from production, compare, export, confirmed clear, import, rollback', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
  await page.waitForFunction(() => document.querySelector('#health')?.textContent.includes('healthy'), null, { timeout: 20000 });
  // A key (the local server ignores it): it must never reach History or its file.
  await page.fill('#api-key', KEY);
  await page.dispatchEvent('#api-key', 'change');

  // 1. Version one straight to production (once the editor has validated what it shows).
  await go('fleet');
  await page.waitForFunction(() => /Valid/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 30000 });
  await setFleet(V1, 1);
  await planAndRun('apply', null, X);
  assert.deepStrictEqual(await page.$$eval('#next-steps button', (b) => b.map((x) => x.textContent)), ['See it in History', 'Edit the fleet for the next version']);

  // 2. Version two as canaries: the report offers chat, the suite, the promote.
  await setFleet(V2, 1);
  await planAndRun('canary', Q, Q + X);
  const offers = await page.$$eval('#next-steps button', (b) => b.map((x) => x.textContent));
  assert.deepStrictEqual(offers, [`Chat with ${Q}${X}`, 'Run the suite', 'Promote']);
  await page.screenshot({ path: path.join(SHOTS, 'next-steps.png') });
  // Chat opens on that canary and its production agent.
  await page.click('#next-chat');
  await page.waitForFunction(() => location.hash === '#/chat', null, { timeout: 20000 });
  await page.waitForFunction((n) => document.querySelector('#pair option:checked')?.textContent.includes(n), `${Q}${X} ↔ ${X}`, { timeout: 30000 });
  // Run the suite opens the Test view; Promote opens the promote plan for this prefix.
  await go('run');
  await page.click('#next-suite');
  await page.waitForFunction(() => location.hash === '#/test');
  // This fleet has no suite yet: the Test view says why it could not start it.
  await page.waitForFunction(() => /The suite could not start: .* has errors/.test(document.querySelector('#run-status')?.textContent || ''), null, { timeout: 20000 });
  await go('run');
  await page.click('#next-promote');
  await page.waitForFunction(() => location.hash === '#/plan');
  assert.strictEqual(await page.inputValue('#mode'), 'promote');
  assert.strictEqual(await page.inputValue('#prefix'), Q);
  await page.waitForSelector('#production-banner', { timeout: 30000 });

  // 3. Version two to production (an apply: the promote gate is another test's subject).
  await planAndRun('apply', null, 'UPDATE');

  // History: newest first; production runs version two; only version one can be rolled back to.
  await go('history');
  await page.waitForSelector('.history-entry');
  let h = await entries();
  assert.deepStrictEqual(h.map((e) => e.standing), ['in-production', 'not-production', 'was-production']);
  assert.deepStrictEqual(h.map((e) => e.rollback), [false, false, true]);
  assert.match(h[0].text, /IN PRODUCTION/);
  assert.ok(!h[1].text.includes('IN PRODUCTION') && !h[2].text.includes('IN PRODUCTION'));
  await page.screenshot({ path: path.join(SHOTS, 'history-production.png') });
  // Each entry's time is UTC to the second, and says so (as a verdict's "run … UTC" does).
  assert.match(await page.textContent('.history-entry strong'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

  // Compare version one (entry 3) with version two (entry 1): the prompt's words changed.
  const picks = page.locator('.history-entry input.compare-pick');
  await picks.nth(0).check();
  await picks.nth(2).check();
  await page.waitForSelector('#history-diff');
  const diff = await page.textContent('#history-diff');
  assert.ok(diff.includes('fleet.yaml'), diff);
  assert.ok(await page.locator('#history-diff .ins', { hasText: 'two' }).count() > 0, 'added words marked');
  assert.ok(await page.locator('#history-diff .del', { hasText: 'one' }).count() > 0, 'removed words marked');
  await page.screenshot({ path: path.join(SHOTS, 'history-diff.png') });
  // The canary deploy and the apply of version two: the same fleet.
  await picks.nth(2).uncheck();
  await picks.nth(1).check();
  await page.waitForSelector('#history-same');
  await picks.nth(0).uncheck();
  await picks.nth(1).uncheck();
  await page.waitForFunction(() => !document.querySelector('#history-diff'));

  // Export: the file holds the three versions and never the key.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#history-export')]);
  const file = path.join(SHOTS, `history-export-${U}.json`);
  await download.saveAs(file);
  const text = fs.readFileSync(file, 'utf8');
  const doc = JSON.parse(text);
  assert.strictEqual(doc.format, 'fleet-canary-history');
  assert.strictEqual(doc.version, 1);
  assert.strictEqual(doc.entries.length, 3);
  assert.deepStrictEqual(doc.entries.map((e) => e.mode), ['apply', 'canary', 'apply']);
  assert.ok(!text.includes(KEY), 'the API key is not in the file');

  // Clear asks first; "Keep them" keeps them.
  await page.click('#history-clear');
  await page.waitForSelector('#clear-confirm');
  assert.match(await page.textContent('#clear-confirm'), /Delete all 3 version/);
  assert.strictEqual(await page.locator('.history-entry').count(), 3);
  await page.screenshot({ path: path.join(SHOTS, 'history-clear-confirm.png') });
  await page.click('#cancel-clear');
  assert.strictEqual(await page.$('#clear-confirm'), null);
  assert.strictEqual(await page.locator('.history-entry').count(), 3);
  await page.click('#history-clear');
  await page.click('#confirm-clear');
  await page.waitForSelector('#no-history');
  assert.strictEqual(await page.evaluate(() => localStorage.getItem('fleet-canary.history')), null, 'storage cleared too');

  // Bad files: a clear error, nothing imported.
  const bad = path.join(SHOTS, `history-bad-${U}.json`);
  for (const [content, words] of [
    ['{ "format": "fleet-canary-history", "version": 1, ', 'not JSON'],
    [JSON.stringify({ format: 'fleet-canary-plan', version: 1 }), 'plan file'],
    [JSON.stringify({ ...doc, entries: [doc.entries[0], { ...doc.entries[1], yaml: undefined }] }), 'Entry 2 of the file is not a history entry: missing field `yaml`'],
  ]) {
    fs.writeFileSync(bad, content);
    await page.setInputFiles('#history-import', bad);
    await page.waitForFunction((w) => document.querySelector('#history-import-error')?.textContent.includes(w), words, { timeout: 10000 });
    assert.strictEqual(await page.locator('.history-entry').count(), 0, `${words}: nothing imported`);
  }
  await page.screenshot({ path: path.join(SHOTS, 'history-import-error.png') });

  // Import the export: the same history, the same marks.
  await page.setInputFiles('#history-import', file);
  await page.waitForFunction(() => document.querySelector('#history-import-status')?.textContent.includes('Imported 3 versions.'));
  h = await entries();
  assert.deepStrictEqual(h.map((e) => e.standing), ['in-production', 'not-production', 'was-production']);
  const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('fleet-canary.history')));
  assert.deepStrictEqual(stored, doc.entries, 'the round trip keeps every entry as it was');
  // Again: nothing new.
  await page.setInputFiles('#history-import', file);
  await page.waitForFunction(() => document.querySelector('#history-import-status')?.textContent.includes('Imported 0 versions; 3 were in History already.'));
  assert.strictEqual(await page.locator('.history-entry').count(), 3);

  // Roll back to version one: a production apply of it, run and read back.
  await page.locator('.history-entry[data-standing="was-production"] button.rollback').click();
  await page.waitForFunction(() => location.hash === '#/plan');
  assert.strictEqual(await page.inputValue('#mode'), 'apply');
  await planShows('version one');
  await execute();
  const [prod] = await agentsNamed(X);
  assert.match(prod.system, /version one/, 'production runs version one again');
  await go('history');
  h = await entries();
  assert.strictEqual(h.length, 4);
  assert.deepStrictEqual(h.map((e) => e.standing), ['in-production', 'was-production', 'not-production', 'was-production']);
  assert.deepStrictEqual(panics, [], 'the app never stopped on an internal error');
});
