// Accessibility and the narrow window (issue 15): every view, in the states this walk reaches
// (Fleet valid and with errors, Plan with CREATE/UPDATE/UNCHANGED and a cleanup plan with KEPT,
// Execute with a report, Canaries with the Describe drawer open with and without a production
// agent, Chat with replies, Test with a suite and with a run's results, Plan of a promote with
// the gate refusing and overridden, History, Connect), at 1400 and 390 px, in the
// light and the dark theme: axe-core reports no violation and the page never scrolls sideways.
// Also: the skip link, focus and document.title on every route change, the header's keyboard
// order, the one-row header at 390 px, and the drawer's columns and unbroken words. Headless
// Chromium against the real Letta server; what ran is read back through the API.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { fillEditor, SERVER, PORT, APP, SHOTS, LAUNCH, serve, agentsNamed, deleteAgentsNamed, agentYaml, steps, assertAccessible, assertNoHorizontalOverflow } = require('./support.js');

const U = String(Date.now() % 1e8);
const A = `ax-a-${U}`;
const B = `ax-b-${U}`;
const P = `AX${U}-`;
const VIEWS = [['connect', 'Connection'], ['fleet', 'Fleet'], ['plan', 'Plan'], ['run', 'Execute'], ['canaries', 'Canaries'], ['chat', 'Chat'], ['test', 'Test'], ['history', 'History']];

const agent = (name, prompt) => agentYaml(name, {
  prompt,
  description: 'Accessibility test agent',
  tools: ['archival_memory_search', 'conversation_search', 'archival_memory_insert'],
  persona: `I am ${name}, the agent that answers questions about orders and refunds.`,
  tags: ['a11y'],
});
const V0 = `agents:\n${agent(A, 'You are A.')}`;
const V1 = `agents:\n${agent(A, 'You are A, version one.')}${agent(B, 'You are B.')}`;
const V2 = `agents:\n${agent(A, 'You are A, version one.')}${agent(B, 'You are B, version two.')}`;

// A suite for the Test view's results: one case passes (the echo model), one fails.
const SUITE = `name: a11y
cases:
  - name: greets
    input: hello
    checks:
      - contains: 'echo: hello'
  - name: fails on purpose
    input: hello
    checks:
      - contains: 'not in any reply'
`;

let server, browser, page;
const created = new Set([A, B, P + A, P + B]);
const failures = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
});

test.after(async () => {
  await deleteAgentsNamed(created);
  if (browser) await browser.close();
  if (server) server.kill();
});

const { go, setFleet, plan, planShows, overrideGate, execute, planAndRun: planAndRunWith } = steps(() => page);
// The promote plan of V2 under P: A's production is updated, B's created.
const planShowsPromote = () => plan('promote', P, B);
// Every stage of a run is checked for the crash notice.
const planAndRun = (mode, prefix, expect) => planAndRunWith(mode, prefix, expect, { check: noCrash });

async function setTheme(dark) {
  const want = dark ? 'dark' : 'light';
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== want) await page.click('#theme-toggle');
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, want);
}

// One state of one view, checked at both widths in both themes. Failures are collected, so one
// run lists every problem; the test fails at the end when there are any.
async function everywhere(label) {
  await noCrash(label);
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
    for (const dark of [false, true]) {
      await setTheme(dark);
      const name = `${label} at ${width}px, ${dark ? 'dark' : 'light'}`;
      for (const check of [assertNoHorizontalOverflow, assertAccessible]) {
        try { await check(page, name); } catch (e) { failures.push(e.message); console.error(e.message); }
      }
      await page.screenshot({ path: path.join(SHOTS, `a11y-${label}-${width}-${dark ? 'dark' : 'light'}.png`), fullPage: true });
    }
  }
  await page.setViewportSize({ width: 1400, height: 900 });
  await setTheme(false);
}

async function noCrash(label) {
  const crash = await page.$('.crash');
  if (crash) assert.fail(`${label}: the app stopped: ${await crash.textContent()}`);
}

// The words of the element's text that the layout broke across two lines.
const brokenWords = (selector) => page.$$eval(selector, (cells) => cells.flatMap((cell) => {
  const bad = [];
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (const m of n.data.matchAll(/[^\s,]+/g)) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
      if (lines.size > 1) bad.push(m[0]);
    }
  }
  return bad;
}));

const focused = () => page.evaluate(() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  return { tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href'), text: e.textContent.trim(), inMain: !!e.closest('main'), left: r.left, right: r.right, top: r.top, bottom: r.bottom };
});

test('accessibility: axe-clean in every view and state, both themes, 1400 and 390 px; no sideways scroll; skip link, focus and title on route change', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
  await page.waitForSelector('main h1');
  assert.strictEqual(await page.title(), 'Connection — Fleet Canary');

  await everywhere('connect');

  // Fleet: errors with their YAML paths, then a valid fleet.
  await go('fleet');
  await fillEditor(page, V1.replace('context_window: 16000', 'context_window: 5').replace(`name: ${B}`, 'name: bad name'));
  await page.waitForFunction(() => /errors?: fix/.test(document.querySelector('#diagnostics')?.textContent || ''));
  await everywhere('fleet-errors');
  await setFleet(V0, 1);
  await everywhere('fleet');

  // A production agent for A; canaries of A and B (B has no production agent).
  await planAndRun('apply', null, A);
  await setFleet(V1, 2);
  await planAndRun('canary', P, P + B);
  await everywhere('execute-report');
  for (const n of [A, P + A, P + B]) assert.strictEqual((await agentsNamed(n)).length, 1, `${n} deployed`);

  // Plan: B changed (UPDATE), A unchanged, folded; opened.
  await setFleet(V2, 2);
  await go('plan');
  await planShows('version two');
  const folded = await page.$('details.unchanged-agents');
  if (folded) await page.$eval('details.unchanged-agents', (d) => { d.open = true; });
  await everywhere('plan-update');

  // Canaries with the drawer: B has no production agent (two columns), A beside production.
  await go('canaries');
  await page.waitForSelector('#canary-table');
  await page.fill('#canary-search', U);
  await page.waitForFunction((q) => document.querySelectorAll('#canary-table tbody tr').length === 2 && [...document.querySelectorAll('#canary-table tbody tr')].every((r) => r.dataset.canary.includes(q)), U);
  await page.click(`#canary-table tr[data-canary="${P + B}"] button:has-text("Describe")`);
  await page.waitForSelector('#describe');
  const heads = await page.$$eval('#describe table.compare thead th', (t) => t.map((h) => h.textContent.trim()));
  assert.deepStrictEqual(heads, ['Field', 'Canary'], 'no Production column without a production agent');
  assert.deepStrictEqual(await brokenWords('#describe table.compare td'), [], 'no word of the drawer is broken across lines');
  await everywhere('canaries-drawer-no-production');
  await page.click(`#canary-table tr[data-canary="${P + A}"] button:has-text("Describe")`);
  await page.waitForFunction((n) => document.querySelector('#describe-head')?.textContent.startsWith(n), P + A);
  assert.deepStrictEqual(await page.$$eval('#describe table.compare thead th', (t) => t.map((h) => h.textContent.trim())), ['Field', 'Production', 'Canary']);
  assert.deepStrictEqual(await brokenWords('#describe table.compare td'), [], 'no word of the drawer is broken across lines (with production)');
  await everywhere('canaries-drawer');

  // Chat with A's pair: one message, both replies.
  await page.click(`#canary-table tr[data-canary="${P + A}"] button:has-text("Chat")`);
  await page.waitForSelector('#chat-text');
  await page.waitForFunction(() => !document.querySelector('#send').disabled);
  await page.fill('#chat-text', 'Hello there');
  await page.click('#send');
  await page.waitForFunction(() => document.querySelectorAll('.msg.assistant').length >= 2 && !document.querySelector('#send').disabled, null, { timeout: 60000 });
  await everywhere('chat');

  // Test: a suite from the example, then History.
  await go('test');
  await page.waitForSelector('#suite-text');
  if (await page.$('#suite-example:not([disabled])')) await page.click('#suite-example');
  await page.waitForFunction(() => document.querySelector('#suite-text').value.trim().length > 0);
  await everywhere('test');
  // A suite run: the results table with a passing and a failing row, and the verdict.
  await page.fill('#suite-text', SUITE);
  await page.waitForSelector('#suite-ok');
  await page.click('#run-suite');
  await page.waitForSelector('#results', { timeout: 180000 });
  assert.ok(await page.locator('#results tr.fail').count() > 0, 'a failing row is shown');
  assert.ok(await page.locator('#results tbody tr:not(.fail)').count() > 0, 'a passing row is shown');
  await page.waitForSelector('#verdict[data-ok="false"]');
  await everywhere('test-results');
  // The verdict is stored on the canaries after the run; the promote gate reads it from there.
  for (let i = 0; i < 100 && !(await agentsNamed(P + A))[0]?.metadata?.['fleetcanary.verdict']; i++) await page.waitForTimeout(200);

  // Plan a promote: the gate refuses it (the suite failed), then it is overridden with a reason
  // (not run: the walk only looks at the decision).
  await planShowsPromote();
  await page.waitForFunction(() => {
    const d = document.querySelector('#gate-decision[data-decision="refused"]');
    return d && /the suite failed for this fleet version/.test(d.textContent);
  }, null, { timeout: 30000 });
  await everywhere('plan-promote-refused');
  await overrideGate('accessibility walk: the overridden state');
  await everywhere('plan-promote-overridden');
  await page.uncheck('#gate-override');
  await go('history');
  await page.waitForSelector('.history-entry');
  await everywhere('history');

  // A cleanup of A's canary only: B's is KEPT in the plan, then the cleanup runs.
  await go('canaries');
  await page.fill('#canary-search', U);
  await page.waitForSelector(`#canary-table tr[data-canary="${P + A}"]`);
  await page.check(`#canary-table tr[data-canary="${P + A}"] input[type=checkbox]`);
  await page.click('#bulk-cleanup');
  await page.waitForFunction(() => location.hash === '#/plan');
  await planShows('to delete');
  await page.waitForSelector('#cleanup-phase');
  await everywhere('plan-cleanup');
  await execute();
  assert.strictEqual((await agentsNamed(P + A)).length, 0, 'A canary deleted');
  assert.strictEqual((await agentsNamed(P + B)).length, 1, 'B canary kept');

  // Last, as its quick visits leave every view's reads running (a plan after them waits on the
  // server). The header's keyboard order: skip link, the eight views, the theme toggle; at 390 px
  // the same, every stop scrolled into the window, and the header one row of tabs under the brand.
  await go('connect');
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
    await page.reload();
    await page.waitForSelector('main h1');
    const order = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      order.push(f.id || f.href);
      assert.ok(f.left >= 0 && f.right <= width + 0.5 && f.top >= 0 && f.bottom <= 900, `${width}px: ${f.id || f.href} is in the window: ${JSON.stringify(f)}`);
    }
    assert.deepStrictEqual(order, ['skip-link', ...VIEWS.map(([slug]) => `#/${slug}`), 'theme-toggle'], `${width}px: header focus order`);
    const header = await page.$eval('header.top', (h) => h.getBoundingClientRect().height);
    assert.ok(header <= (width > 1000 ? 60 : 100), `${width}px: the header is ${header}px high`);
    const tabRows = await page.$$eval('nav a.tab', (tabs) => new Set(tabs.map((t) => Math.round(t.getBoundingClientRect().top))).size);
    assert.strictEqual(tabRows, 1, `${width}px: the tabs fit one row`);
  }
  await page.setViewportSize({ width: 1400, height: 900 });

  // The skip link: first on the page, visible once focused, lands on the view's heading without
  // changing the route.
  await page.reload();
  await page.waitForSelector('main h1');
  await page.keyboard.press('Tab');
  const skip = await focused();
  assert.strictEqual(skip.id, 'skip-link');
  assert.ok(skip.bottom > skip.top && skip.top >= 0, `the focused skip link is visible: ${JSON.stringify(skip)}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.matches('main h1'));
  assert.strictEqual(await page.evaluate(() => location.hash), '#/connect');

  // Every route change names the view in the title and moves focus to its heading.
  for (const [slug, label] of [...VIEWS.slice(1), VIEWS[0]]) {
    await page.click(`nav a[href="#/${slug}"]`);
    await page.waitForFunction((l) => document.activeElement?.matches('main h1') && document.activeElement.textContent.trim() === l, label, { timeout: 10000 })
      .catch(async () => assert.fail(`#/${slug}: focus is on ${JSON.stringify(await focused())}`));
    assert.strictEqual(await page.title(), `${label} — Fleet Canary`, `#/${slug}: title`);
  }
  // At 390 px the strip scrolls to the current view's tab, wherever it is in the row.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const slug of ['history', 'connect', 'test']) {
    await page.evaluate((v) => { location.hash = `/${v}`; }, slug);
    await page.waitForFunction((v) => {
      const r = document.querySelector(`nav a[href="#/${v}"]`).getBoundingClientRect();
      return document.activeElement?.matches('main h1') && r.left >= 0 && r.right <= window.innerWidth;
    }, slug, { timeout: 10000 }).catch(() => assert.fail(`390px: the ${slug} tab is not scrolled into the strip`));
  }
  // The strip fades out only at an edge with tabs behind it: at History's end, the start; at
  // Connection's start, the end; a strip that fits, neither.
  const fades = () => page.$eval('header nav', (n) => {
    const s = getComputedStyle(n);
    return [s.getPropertyValue('--fade-start'), s.getPropertyValue('--fade-end')];
  });
  for (const [slug, want] of [['history', ['28px', '0px']], ['connect', ['0px', '28px']]]) {
    await page.evaluate((v) => { location.hash = `/${v}`; }, slug);
    await page.waitForFunction(([v, w]) => {
      const s = getComputedStyle(document.querySelector('header nav'));
      return document.activeElement?.matches('main h1') && s.getPropertyValue('--fade-start') === w[0] && s.getPropertyValue('--fade-end') === w[1];
    }, [slug, want], { timeout: 10000 }).catch(async () => assert.fail(`390px, ${slug}: fades ${JSON.stringify(await fades())}, not ${JSON.stringify(want)}`));
  }
  await page.evaluate(() => { location.hash = '/connect'; });
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('header nav')).getPropertyValue('--fade-end') === '0px');
  assert.deepStrictEqual(await fades(), ['0px', '0px'], '1400px: the strip fits, no fade');
  assert.deepStrictEqual(failures, [], `\n${failures.join('\n\n')}`);
});
