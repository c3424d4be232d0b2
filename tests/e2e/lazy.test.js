// The split app (issue 16, web/src/lazy.rs, scripts/build.js): the first load is the shell
// only; a view's chunk is fetched when the view opens (or prefetched once the app is idle);
// a chunk that cannot be fetched shows a notice with Retry instead of a panic, and Retry
// loads the view; leaving a view disposes it without breaking the next one.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { ROOT, PORT, APP, SHOTS, LAUNCH, serve } = require('./support.js');

let server, browser;

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

/** A fresh page that records the app files it received and any panic. */
async function open(context) {
  const page = await context.newPage();
  const fetched = [];
  const panics = [];
  // Answered requests only: a held-back chunk is asked for (the idle prefetch) but never lands.
  page.on('requestfinished', (r) => {
    const m = r.url().match(/\/app-[0-9a-f]{12}\/([^/?#]+)$/);
    if (m) fetched.push(m[1]);
  });
  page.on('pageerror', (e) => panics.push(e.message));
  page.on('console', (m) => { if (/stopped on an internal error|panicked/.test(m.text())) panics.push(m.text()); });
  return { page, fetched, panics };
}

test('the first load is the shell; views come as chunks, on demand and when idle', async () => {
  const dist = process.env.TEST_DIST || path.join(ROOT, 'dist');
  const dir = fs.readFileSync(path.join(dist, 'index.html'), 'utf8').match(/\/(app-[0-9a-f]{12})\//)[1];
  const chunks = fs.readdirSync(path.join(dist, dir)).filter((f) => f.endsWith('.wasm') && f !== 'app_bg.wasm');
  assert.ok(chunks.includes('split_view_plan.wasm') && chunks.includes('split_view_fleet.wasm'), `chunks: ${chunks.join(' ')}`);

  const context = await browser.newContext();
  // Hold every chunk back: the connection view renders from the first load alone.
  await context.route(/\/app-[0-9a-f]{12}\/(split_|chunk_)[^/]*\.wasm$/, () => {});
  const { page, fetched, panics } = await open(context);
  await page.goto(`${APP}/#/connect`);
  await page.locator('main h1, main h2').first().waitFor();
  const before = [...new Set(fetched.filter((f) => f.endsWith('.wasm')))];
  assert.deepStrictEqual(before, ['app_bg.wasm'], `the connection view fetched ${before.join(', ')}`);
  await context.unroute(/\/app-[0-9a-f]{12}\/(split_|chunk_)[^/]*\.wasm$/);
  await context.close();

  // On the fleet view, the idle prefetch then fetches every view's chunk.
  const c2 = await browser.newContext();
  const p2 = await open(c2);
  await p2.page.goto(`${APP}/#/fleet`);
  await p2.page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid'), null, { timeout: 60000 });
  // The view the page opens on came in one request, its pack (scripts/build.js), not module by
  // module: none of its modules was fetched on its own before the editor was ready.
  const opening = [...new Set(p2.fetched)];
  assert.ok(opening.includes('view_fleet.pack'), `fetched before the editor was ready: ${opening.join(' ')}`);
  assert.ok(!opening.includes('split_view_fleet.wasm'), `the Fleet view's chunk was fetched on its own: ${opening.join(' ')}`);
  for (const view of ['plan', 'run', 'canaries', 'chat', 'test', 'history']) {
    await p2.page.waitForFunction((v) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(`/split_view_${v}.wasm`)), view, { timeout: 60000 });
  }
  // Every view opens from the prefetched chunks, one after the other, without a panic.
  for (const [hash, title] of [['plan', 'Plan'], ['run', 'Execute'], ['canaries', 'Canaries'], ['chat', 'Chat'], ['test', 'Test'], ['history', 'History'], ['connect', 'Connection'], ['fleet', 'Fleet']]) {
    await p2.page.evaluate((h) => { location.hash = `#/${h}`; }, hash);
    await p2.page.locator('main h1, main h2', { hasText: title }).first().waitFor({ timeout: 30000 });
  }
  assert.deepStrictEqual(p2.panics, []);
  await c2.close();
  assert.deepStrictEqual(panics, []);
});

test('a chunk that cannot be fetched shows Retry, and Retry opens the view', async () => {
  const context = await browser.newContext();
  let block = true;
  // The opening view's pack and the chunk itself: the loader falls back from one to the other.
  await context.route(/\/app-[0-9a-f]{12}\/(split_view_history\.wasm|view_history\.pack)$/, (route) => (block ? route.abort('connectionrefused') : route.continue()));
  const { page, panics } = await open(context);
  await page.goto(`${APP}/#/history`);
  const notice = page.locator('#view-load-error');
  await notice.waitFor({ timeout: 60000 });
  assert.match(await notice.textContent(), /History view did not load/);
  await page.screenshot({ path: path.join(SHOTS, 'view-load-error.png') });
  // The rest of the app still works while one chunk is missing.
  await page.evaluate(() => { location.hash = '#/connect'; });
  await page.locator('main h1, main h2', { hasText: 'Connection' }).first().waitFor();
  await page.evaluate(() => { location.hash = '#/history'; });
  await notice.waitFor();
  block = false;
  await notice.locator('button', { hasText: 'Retry' }).click();
  await page.locator('main h1, main h2', { hasText: 'History' }).first().waitFor({ timeout: 60000 });
  assert.strictEqual(await notice.count(), 0);
  assert.deepStrictEqual(panics, []);
  await context.close();
});
