// Connection health (issue 15): the header follows the server (a request that gets no answer
// re-checks it, so a stopped server turns it red, and Retry brings it back), a request that
// hangs times out with a clear message, common mistakes are diagnosed in words (trailing /v1,
// https to a local server, a port nothing listens on, a web page instead of the API, this
// page's origin refused, a refused API key) with a one-click fix where the URL says what it is,
// and a slow plan can be cancelled without its late answer landing. Headless Chromium against
// the real Letta server; "stopped" and "hangs" are the browser's own requests failed or held
// by page.route, the wrong servers are real local HTTP servers.
const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, steps } = require('./support.js');

// Ports of this file, next to the app's (TEST_APP_PORT, 8180 by default for this file's owner).
const HTML_PORT = PORT + 1;     // answers every path with a web page
const CORS_APP_PORT = PORT + 2; // the app again, on an origin the Letta server does not allow
const KEY_PORT = PORT + 3;      // answers 401, as a server that wants an API key
const DEAD_PORT = PORT + 4;     // nothing listens

let app, browser, page;
const fakes = [];
const panics = [];

function fake(port, handler) {
  const s = http.createServer(handler);
  fakes.push(s);
  return new Promise((resolve) => s.listen(port, '127.0.0.1', resolve));
}

test.before(async () => {
  app = await serve(PORT);
  // CORS headers so that only the answer's content decides, on any TEST_APP_PORT.
  await fake(HTML_PORT, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html', 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' });
    res.end('<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>');
  });
  await fake(KEY_PORT, (req, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors), res.end();
    res.writeHead(401, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ detail: 'Invalid API key' }));
  });
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('console', (m) => { if (/panicked|stopped on an internal error/.test(m.text())) panics.push(m.text()); });
  page.on('pageerror', (e) => panics.push(e.message));
});

test.after(async () => {
  if (browser) await browser.close();
  for (const s of fakes) s.close();
  if (app) app.kill();
});

const { go } = steps(() => page);
const chip = () => page.getAttribute('#health-chip', 'data-health');

async function healthIs(state, timeout = 20000) {
  try {
    await page.waitForFunction((s) => document.querySelector('#health-chip')?.dataset.health === s, state, { timeout });
  } catch (e) {
    throw new Error(`header is not "${state}": ${await page.textContent('.health-status').catch(() => '?')}`);
  }
}

/** Enters a server URL in the Connection view and checks it; returns the diagnosis. */
async function connectTo(url) {
  await go('connect');
  await page.fill('#server-url', url);
  await page.dispatchEvent('#server-url', 'change');
  await page.click('text=Save and check');
  await page.waitForFunction(() => !/Checking/.test(document.querySelector('#health')?.textContent || 'Checking'), null, { timeout: 20000 });
  return page.textContent('#health');
}

test('a server that stops turns the header red at the next request; Retry brings it back', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await healthIs('ok');
  assert.match(await page.textContent('#health-chip'), /Letta \d/);
  assert.strictEqual(await page.$('#health-retry'), null, 'no Retry while healthy');

  // The server "stops": every request to it fails without an answer.
  await page.route(`${SERVER}/**`, (r) => r.abort('connectionrefused'));
  await go('canaries'); // reads the server
  await healthIs('bad');
  assert.match(await page.textContent('#health-chip'), /server not running/);
  await page.waitForSelector('#health-retry');
  await page.screenshot({ path: path.join(SHOTS, 'health-down.png') });
  await go('connect');
  const why = await page.textContent('#health');
  assert.ok(why.includes(`Nothing answers at ${SERVER}`), why);
  assert.ok(why.includes('make letta-up'), why);

  // Back up: the header turns green by itself (the page asks again every few seconds while
  // the server is down), without a click.
  await page.unroute(`${SERVER}/**`);
  await healthIs('ok', 40000);
  assert.match(await page.textContent('#health'), /healthy/);
  assert.strictEqual(await page.$('#health-retry'), null);

  // Down again: Retry (in the header) recovers at once.
  await page.route(`${SERVER}/**`, (r) => r.abort('connectionrefused'));
  await go('canaries');
  await healthIs('bad');
  await page.unroute(`${SERVER}/**`);
  await page.click('#health-retry');
  await healthIs('ok', 10000);
  assert.strictEqual(await page.$('#health-retry'), null);
});

test('a health check that hangs times out with a clear message', async () => {
  const held = [];
  await page.route(`${SERVER}/v1/health/`, (r) => { held.push(r); }); // never answered
  await go('connect');
  const t0 = Date.now();
  await page.click('text=Save and check');
  await healthIs('bad', 20000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 7500 && waited < 15000, `timed out after ${waited} ms`);
  assert.match(await page.textContent('#health-chip'), /server timed out/);
  assert.ok((await page.textContent('#health')).includes('did not answer within 8 s'), await page.textContent('#health'));
  await page.unroute(`${SERVER}/v1/health/`);
  for (const r of held) await r.abort().catch(() => {});
  await page.click('#retry-health');
  await healthIs('ok');
});

test('a URL ending in /v1 is named, and one click fixes it', async () => {
  const why = await connectTo(`${SERVER}/v1`);
  assert.ok(why.includes('ends in /v1'), why);
  assert.ok(!/^not found \(404\)/i.test(why), why);
  assert.match(await page.textContent('#health-chip'), /wrong server URL/);
  assert.strictEqual((await page.textContent('#use-suggested')).trim(), `Use ${SERVER}`);
  await page.screenshot({ path: path.join(SHOTS, 'health-v1.png') });
  await page.click('#use-suggested');
  await healthIs('ok');
  assert.strictEqual(await page.inputValue('#server-url'), SERVER);
});

test('https to the local server suggests http', async () => {
  const why = await connectTo(SERVER.replace('http://', 'https://'));
  assert.ok(why.includes('plain HTTP'), why);
  await page.click('#use-suggested');
  await healthIs('ok');
  assert.strictEqual(await page.inputValue('#server-url'), SERVER);
});

test('a port nothing listens on names the default port', async () => {
  const url = `http://127.0.0.1:${DEAD_PORT}`;
  const why = await connectTo(url);
  assert.ok(why.includes(`Nothing answers at ${url}`), why);
  assert.ok(why.includes('port 8283') && why.includes(`(${DEAD_PORT} here)`), why);
  assert.match(await page.textContent('#health-chip'), /server not running/);
});

test('a web page instead of the API is said in words, in the check and in the plan', async () => {
  const url = `http://127.0.0.1:${HTML_PORT}`;
  const why = await connectTo(url);
  assert.ok(why.includes('answered with a web page (HTML'), why);
  assert.ok(!why.includes('line 1 column 1'), why);
  assert.match(await page.textContent('#health-chip'), /not a Letta server/);
  await page.screenshot({ path: path.join(SHOTS, 'health-html.png') });
  // A plan against it: the same words, not the JSON parser's.
  await go('plan');
  await page.waitForFunction(() => /web page|not JSON/.test(document.querySelector('#plan')?.textContent || ''), null, { timeout: 30000 });
  const plan = await page.textContent('#plan');
  assert.ok(plan.includes('web page (HTML)') && !plan.includes('expected value'), plan);
  // This app's own address.
  const self = await connectTo(APP);
  assert.ok(self.includes("this app's own address"), self);
});

test('a server that wants an API key says so', async () => {
  const why = await connectTo(`http://127.0.0.1:${KEY_PORT}`);
  assert.ok(why.includes('needs an API key (401) (Invalid API key)'), why);
  await page.fill('#api-key', 'sk-wrong');
  await page.dispatchEvent('#api-key', 'change');
  await page.click('text=Save and check');
  await page.waitForFunction(() => /refused the API key/.test(document.querySelector('#health')?.textContent || ''), null, { timeout: 20000 });
  assert.match(await page.textContent('#health-chip'), /API key refused/);
  // Back to the real server (another origin: the key is dropped).
  await connectTo(SERVER);
  await healthIs('ok');
});

test('an origin the server refuses is told apart from a server that is down', async () => {
  // Web security on (no --disable-web-security), on an origin the local server does not allow.
  const strict = await chromium.launch({ ...LAUNCH, args: LAUNCH.args.filter((a) => a !== '--disable-web-security') });
  const other = await serve(CORS_APP_PORT);
  try {
    const p = await strict.newPage();
    await p.goto(`http://127.0.0.1:${CORS_APP_PORT}/?server=${encodeURIComponent(SERVER)}#/connect`);
    await p.waitForFunction(() => document.querySelector('#health-chip')?.dataset.health === 'bad', null, { timeout: 20000 });
    const why = await p.textContent('#health');
    assert.ok(why.includes('is running but refuses this page\'s origin'), why);
    assert.ok(why.includes(`ACCEPTABLE_ORIGINS=http://127.0.0.1:${CORS_APP_PORT}`), why);
    assert.match(await p.textContent('#health-chip'), /origin refused/);
    await p.screenshot({ path: path.join(SHOTS, 'health-cors.png') });
  } finally {
    await strict.close();
    other.kill();
  }
});

test('a slow plan can be cancelled, and its late answer does not land', async () => {
  await go('fleet');
  await page.click('text=Load example');
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid'));
  const held = [];
  await page.route(`${SERVER}/v1/agents/**`, (r) => { held.push(r); }); // the plan's reads hang
  await go('plan');
  await page.click('#replan');
  await page.waitForSelector('#cancel-plan', { timeout: 20000 });
  assert.match(await page.textContent('#plan'), /Reading the server/);
  for (let i = 0; i < 100 && !held.length; i++) await page.waitForTimeout(100);
  await page.click('#cancel-plan');
  await page.waitForFunction(() => /Planning cancelled/.test(document.querySelector('#plan')?.textContent || ''));
  assert.strictEqual(await page.$('#cancel-plan'), null);
  // The held reads now answer: the cancelled computation finishes, and must not become the plan.
  await page.unroute(`${SERVER}/v1/agents/**`);
  assert.ok(held.length > 0, 'the plan was reading agents');
  for (const r of held) await r.continue().catch(() => {});
  await page.waitForTimeout(3000);
  assert.match(await page.textContent('#plan'), /Planning cancelled/);
  assert.strictEqual(await page.$('#plan-summary'), null, 'the cancelled plan never lands');
  assert.strictEqual(await chip(), 'ok', 'a held request is not a failed server');
  // Re-plan works.
  await page.click('#replan');
  await page.waitForSelector('#plan-summary', { timeout: 60000 });
});

test('the app never stopped on an internal error', () => {
  assert.deepStrictEqual(panics, []);
});
