// The fleet YAML editor (issues 15 and 16): highlighting aligned with the text, Tab / Shift+Tab
// / Enter indentation with focus kept and the textarea's own undo intact, find with a match
// count, an inline error mark at its line with "did you mean" and a one-click fix, undoable
// loads, autosaved drafts restored after a reload, a visible focus ring, and only the visible
// lines in the DOM at 300 agents. Prints (never asserts) the per-keystroke cost at 300 agents
// and the keystroke-to-diagnostics time at 2,000 agents (scripts/bench-editor.js, which
// `make bench` runs with budgets). Headless Chromium on the release app.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve } = require('./support.js');
const { settled, keystrokes, diagnostics, describe } = require('../../scripts/bench-editor.js');

const U = String(Date.now() % 1e8);
// Valid but for the misspelt field on line 4 (so the agent also lacks its system_prompt).
const TYPO = `agents:
  - name: ed-${U}
    description: Editor test agent
    sytem_prompt:
      value: You are helpful.
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
`;
const MINE = TYPO.replace('sytem_prompt', 'system_prompt');

let server, browser, page;
const problems = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|ERR_CONNECTION/.test(m.text())) problems.push(m.text()); });
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

const value = () => page.inputValue('#yaml');
const active = () => page.evaluate(() => document.activeElement?.id);
const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const select = (a, b = a) => page.evaluate(([a, b]) => document.querySelector('#yaml').setSelectionRange(a, b), [a, b]);
const valid = (n) => page.waitForFunction((k) => document.querySelector('#diagnostics')?.textContent.includes(`Valid: ${k} agent(s)`), n, { timeout: 20000 });

test('highlighting: YAML tokens in a layer aligned with the textarea', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await settled(page);
  await valid(2);
  const lines = (await value()).split('\n');
  const rows = await page.$$eval('.hl > div', (els) => els.map((e) => ({ n: Number(e.dataset.n), text: e.textContent })));
  assert.strictEqual(rows.length, lines.length, 'a small fleet is drawn whole');
  for (const r of rows) assert.strictEqual(r.text, lines[r.n - 1], `row ${r.n} shows its line`);
  const texts = (cls) => page.$$eval(`.hl .${cls}`, (els) => els.map((e) => e.textContent));
  assert.ok((await texts('k')).includes('agents'), 'keys');
  assert.ok((await texts('n')).includes('16000'), 'numbers');
  assert.ok((await texts('l')).includes('false'), 'literals');
  assert.ok((await texts('c')).some((t) => t.startsWith('# An example fleet')), 'comments');
  assert.ok((await texts('m')).includes('*model'), 'aliases');
  assert.ok((await texts('s')).includes('"docs/*"'), 'quoted strings');
  assert.ok((await texts('b')).some((t) => t.includes('You are the billing agent')), 'block scalar lines');
  const colours = await page.evaluate(() => ['k', 'c', 'n'].map((c) => getComputedStyle(document.querySelector(`.hl .${c}`)).color));
  assert.strictEqual(new Set(colours).size, 3, `keys, comments and numbers differ in colour: ${colours}`);
  // The layer sits exactly under the textarea's text.
  const off = await page.evaluate(() => {
    const t = document.querySelector('#yaml').getBoundingClientRect();
    const r = document.querySelector('.hl > div[data-n="5"]').getBoundingClientRect();
    return { dy: r.top - (t.top + 8 + 4 * 20), dx: r.left - (t.left + 8) };
  });
  assert.ok(Math.abs(off.dy) <= 1 && Math.abs(off.dx) <= 1, `aligned: ${JSON.stringify(off)}`);
  assert.strictEqual(await page.$eval('#yaml', (e) => getComputedStyle(e).color), 'rgba(0, 0, 0, 0)', 'the textarea text is transparent');
  await shot('editor-highlight');
});

test('Tab / Shift+Tab indent the selected lines, Enter keeps indentation, focus stays, native undo works', async () => {
  const before = await value();
  await page.focus('#yaml');
  const at = before.indexOf('    description: Answers');
  await select(at, before.indexOf('      from_file: prompts/support.md') + 3);
  await page.keyboard.press('Tab');
  let v = await value();
  assert.ok(v.includes('\n      description: Answers customer questions about orders\n      system_prompt:\n        from_file: prompts/support.md'), 'three lines indented by two');
  assert.strictEqual(await active(), 'yaml', 'focus stays in the editor');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  v = await value();
  assert.ok(v.includes('\n  description: Answers customer questions about orders\n  system_prompt:\n    from_file: prompts/support.md'), 'and outdented twice');
  assert.strictEqual(await active(), 'yaml');

  // Enter after a list item's key keeps the item's indentation; then some typing.
  const end = v.indexOf('  - name: billing-agent') + '  - name: billing-agent'.length;
  await select(end);
  await page.keyboard.press('Enter');
  await page.keyboard.type('tags: [x]');
  v = await value();
  assert.ok(v.includes('  - name: billing-agent\n    tags: [x]\n'), 'the new line is under the item\'s key');

  // The textarea's own undo takes back typing, Enter and the indentation.
  for (let i = 0; i < 20 && (await value()) !== before; i++) await page.keyboard.press('Control+z');
  assert.strictEqual(await value(), before, 'Ctrl+Z restores the text step by step');
  await valid(2);

  // Escape, then Tab, leaves the editor: the keyboard is not trapped.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.notStrictEqual(await active(), 'yaml');
});

test('find: Ctrl+F opens the bar, counts matches, highlights and selects them, next and previous', async () => {
  const text = await value();
  const expected = text.toLowerCase().split('name').length - 1;
  await page.focus('#yaml');
  await page.keyboard.press('Control+f');
  await page.waitForSelector('#find-input');
  assert.strictEqual(await active(), 'find-input');
  await page.keyboard.type('NAME');
  const count = () => page.textContent('#find-count');
  await page.waitForFunction((n) => document.querySelector('#find-count')?.textContent === `1 of ${n}`, expected);
  const selected = () => page.$eval('#yaml', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  assert.strictEqual(await selected(), 'name', 'the current match is selected in the text');
  assert.ok(await page.locator('.hl .hit').count() >= Math.min(expected, 10), 'matches highlighted');
  assert.strictEqual((await page.$$eval('.hl .hit.cur', (e) => e.map((x) => x.textContent).join(''))), 'name', 'one current match');
  await page.keyboard.press('Enter');
  assert.strictEqual(await count(), `2 of ${expected}`);
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.press('Shift+Enter');
  assert.strictEqual(await count(), `${expected} of ${expected}`, 'previous wraps around');
  await page.click('#find-next');
  assert.strictEqual(await count(), `1 of ${expected}`, 'next wraps around');
  await shot('editor-find');
  await page.focus('#find-input');
  await page.keyboard.press('Escape');
  assert.strictEqual(await page.$('.find-bar'), null, 'Escape closes the bar');
  assert.strictEqual(await active(), 'yaml', 'and returns to the text');
  assert.strictEqual(await page.locator('.hl .hit').count(), 0);
});

test('an unknown field: inline mark at its line, "did you mean", the fix, undoable', async () => {
  await page.fill('#yaml', TYPO);
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes("did you mean 'system_prompt'?"), null, { timeout: 20000 });
  const mark = await page.$eval('.hl > div[data-n="4"] .mark.err', (e) => ({ text: e.textContent, title: e.title }));
  assert.strictEqual(mark.text, 'sytem_prompt', 'the key itself is underlined, at line 4');
  assert.match(mark.title, /did you mean 'system_prompt'\?/);
  // The agent also lacks its (misspelt) system_prompt: marked where the agent starts.
  assert.deepStrictEqual(await page.$$eval('.hl .mark', (els) => [...new Set(els.map((e) => e.closest('[data-n]').dataset.n))]), ['2', '4']);
  assert.deepStrictEqual(await page.$$eval('.gutter .ln.err', (els) => els.map((e) => e.textContent)), ['2', '4']);
  assert.match(await page.$eval('.hl > div[data-n="2"] .mark.err', (e) => e.title), /'system_prompt' is required/);
  assert.match(await page.textContent('#diagnostics'), /line 4.*unknown field 'sytem_prompt'; did you mean 'system_prompt'\?/);
  // Hovering the line shows the message (the textarea is on top of the layer).
  const box = await page.$eval('#yaml', (t) => { const r = t.getBoundingClientRect(); return { x: r.left + 60, y: r.top + 8 + 3 * 20 + 10 }; });
  await page.mouse.move(box.x, box.y);
  await page.waitForFunction(() => /did you mean/.test(document.querySelector('#yaml').title));
  await shot('editor-errors');

  await page.click('.diag-list button.fix');
  assert.strictEqual(await value(), MINE, 'the fix renames the key');
  await valid(1);
  assert.strictEqual(await page.locator('.hl .mark').count(), 0, 'the mark is gone');
  await page.focus('#yaml');
  await page.keyboard.press('Control+z');
  assert.strictEqual(await value(), TYPO, 'the fix is one undo step');
});

test('Load example keeps the previous text one Undo away', async () => {
  await page.fill('#yaml', MINE);
  await valid(1);
  await page.click('#load-example');
  await valid(2);
  assert.match(await value(), /name: support-agent/);
  assert.match(await page.textContent('#undo-toast'), /Loaded the example fleet/);
  await page.click('#undo-load');
  assert.strictEqual(await value(), MINE);
  await valid(1);
  assert.strictEqual(await page.$('#undo-toast'), null);
});

test('focus ring: the editor shows a visible outline when focused', async () => {
  await page.focus('#load-example');
  assert.strictEqual(await page.$eval('#yaml', (e) => getComputedStyle(e).outlineStyle), 'none');
  await page.focus('#yaml');
  const o = await page.$eval('#yaml', (e) => { const s = getComputedStyle(e); return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor }; });
  assert.strictEqual(o.style, 'solid');
  assert.ok(o.width >= 2, `outline ${o.width}px`);
  assert.notStrictEqual(o.color, 'rgba(0, 0, 0, 0)');
});

test('drafts: an edit survives a reload, with a notice and "Discard draft"', async () => {
  const draft = `${MINE}# draft ${U}\n`;
  await page.fill('#yaml', draft);
  await page.waitForFunction((d) => JSON.parse(localStorage.getItem('fleet-canary.draft') || '{}').yaml === d, draft);
  await page.reload();
  await page.waitForFunction((d) => document.querySelector('#yaml')?.value === d, draft);
  assert.match(await page.textContent('#draft-notice'), /Restored your unsaved draft of fleet\.yaml/);
  await valid(1);
  await shot('editor-draft');
  await page.click('#discard-draft');
  await valid(2);
  assert.match(await value(), /name: support-agent/, 'the example is back');
  assert.strictEqual(await page.$('#draft-notice'), null);
  assert.match(await page.textContent('#undo-toast'), /Discarded the draft/);
  await page.waitForFunction(() => localStorage.getItem('fleet-canary.draft') === null);
  await page.reload();
  await page.waitForSelector('#yaml');
  assert.strictEqual(await page.$('#draft-notice'), null, 'nothing to restore');
  // An edit made while the app still fetches its views' code (which rebuilds the view) is
  // validated all the same.
  await page.fill('#yaml', MINE);
  await valid(1);
  await settled(page);
});

test('300 agents: only visible lines are drawn; keystroke and diagnostics costs (printed)', async (t) => {
  const k = await keystrokes(page);
  assert.ok(k.lines > 3000 && k.rows < 200, `${k.rows} rows drawn for ${k.lines} lines`);
  const last = await page.evaluate(() => {
    const ta = document.querySelector('#yaml');
    ta.scrollTop = ta.scrollHeight;
    return ta.value.split('\n').length;
  });
  await page.waitForFunction((n) => document.querySelector(`.hl > div[data-n="${n}"]`) && [...document.querySelectorAll('.gutter .ln')].some((e) => e.textContent === String(n)), last);
  const off = await page.evaluate((n) => {
    const ta = document.querySelector('#yaml');
    const r = document.querySelector(`.hl > div[data-n="${n}"]`).getBoundingClientRect();
    return r.top - (ta.getBoundingClientRect().top + 8 + (n - 1) * 20 - ta.scrollTop);
  }, last);
  assert.ok(Math.abs(off) <= 1, `the last line is drawn where the textarea has it (${off}px)`);
  const d = await diagnostics(page);
  assert.ok(d.rows <= 100 && (await page.textContent('#diag-all')).includes('Show all 2000 problems'), 'the list is capped');
  for (const l of describe(k, d)) {
    console.log(`# ${l}`);
    t.diagnostic(l);
  }
  assert.deepStrictEqual(problems, [], 'no page errors');
});
