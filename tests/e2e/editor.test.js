// The fleet YAML editor (issues 15 and 16; CodeMirror since 12-02): highlighting, Tab / Shift+Tab
// / Enter indentation with focus kept and undo step by step, find with a match
// count, an inline error mark at its line with "did you mean" and a one-click fix, undoable
// loads, autosaved drafts restored after a reload, a visible focus ring, and only the visible
// lines in the DOM at 300 agents. Prints (never asserts) the per-keystroke cost at 300 agents
// and the keystroke-to-diagnostics time at 2,000 agents (scripts/bench-editor.js, which
// `make bench` runs with budgets). Headless Chromium on the release app.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { fillEditor, editorText, SERVER, PORT, APP, SHOTS, LAUNCH, serve } = require('./support.js');
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

const value = () => editorText(page);
const active = () => page.evaluate(() => document.activeElement?.id);
const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const select = (a, b = a) => page.evaluate(([a, b]) => document.querySelector('#yaml.cm-content').fleetSelect(a, b), [a, b]);
const valid = (n) => page.waitForFunction((k) => document.querySelector('#diagnostics')?.textContent.includes(`Valid: ${k} agent${k === 1 ? '' : 's'}.`), n, { timeout: 20000 });

test('highlighting: YAML tokens, line numbers, only the visible lines in the DOM', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await settled(page);
  await valid(2);
  const lines = (await value()).split('\n');
  const rows = await page.$$eval('#yaml .cm-line', (els) => els.map((e) => e.textContent));
  assert.ok(rows.length > 10 && rows.length <= lines.length, `${rows.length} of ${lines.length} lines drawn`);
  assert.deepStrictEqual(rows.slice(0, 10), lines.slice(0, 10), 'the first lines show the text');
  const texts = (c) => page.$$eval(`#yaml .tok-${c}`, (els) => els.map((e) => e.textContent.trim()));
  assert.ok((await texts('atom')).includes('agents'), 'keys');
  assert.ok((await texts('number')).includes('16000'), 'numbers');
  assert.ok((await texts('keyword')).includes('false'), 'literals');
  assert.ok((await texts('comment')).some((t) => t.startsWith('# An example fleet')), 'comments');
  assert.ok((await texts('variableName')).includes('*model'), 'aliases');
  assert.ok((await texts('string')).includes('"docs/*"'), 'quoted strings');
  const colours = await page.evaluate(() => ['atom', 'comment', 'number'].map((c) => getComputedStyle(document.querySelector(`#yaml .tok-${c}`)).color));
  assert.strictEqual(new Set(colours).size, 3, `keys, comments and numbers differ in colour: ${colours}`);
  // (CodeMirror keeps a hidden spacer in the gutter for its width.)
  const numbers = await page.$$eval('.cm-lineNumbers .cm-gutterElement', (els) => els.filter((e) => e.style.visibility !== 'hidden').map((e) => e.textContent));
  assert.deepStrictEqual(numbers.slice(0, 3), ['1', '2', '3'], 'line numbers');
  await shot('editor-highlight');
});

test('Tab / Shift+Tab indent the selected lines, Enter keeps indentation, focus stays, native undo works', async () => {
  const before = await value();
  await page.focus('#yaml.cm-content');
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

  // Undo takes back typing, Enter and the indentation.
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
  await page.focus('#yaml.cm-content');
  await page.keyboard.press('Control+f');
  await page.waitForSelector('#find-input');
  assert.strictEqual(await active(), 'find-input');
  await page.keyboard.type('NAME');
  const count = () => page.textContent('#find-count');
  await page.waitForFunction((n) => document.querySelector('#find-count')?.textContent === `1 of ${n}`, expected);
  const selected = () => page.$eval('#yaml.cm-content', (t) => { const [a, b] = t.fleetSelection(); return t.fleetText().slice(a, b); });
  assert.strictEqual(await selected(), 'name', 'the current match is selected in the text');
  // Every match on the drawn lines is highlighted (only the visible lines are in the DOM).
  await page.waitForFunction(() => {
    const drawn = [...document.querySelectorAll('#yaml .cm-line')].map((l) => l.textContent.toLowerCase().split('name').length - 1).reduce((a, b) => a + b, 0);
    return drawn > 0 && document.querySelectorAll('#yaml .hit').length === drawn;
  });
  assert.strictEqual((await page.$$eval('#yaml .hit.cur', (e) => e.map((x) => x.textContent).join(''))), 'name', 'one current match');
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
  assert.strictEqual(await page.locator('#yaml .hit').count(), 0);
});

test('an unknown field: inline mark at its line, "did you mean", the fix, undoable', async () => {
  await fillEditor(page, TYPO);
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes("did you mean 'system_prompt'?"), null, { timeout: 20000 });
  // Line numbers of the marks (the fleet is short: every line is drawn, from the first).
  const marked = () => page.$$eval('#yaml .mark', (els) => {
    const lines = [...document.querySelectorAll('#yaml .cm-line')];
    return els.map((e) => ({ line: lines.indexOf(e.closest('.cm-line')) + 1, text: e.textContent, title: e.title, err: e.classList.contains('err') }));
  });
  const m = await marked();
  const at4 = m.find((x) => x.line === 4);
  assert.strictEqual(at4?.text, 'sytem_prompt', 'the key itself is underlined, at line 4');
  assert.ok(at4.err);
  // The title is the hover text: the marked text is the editor's own, so the browser shows it.
  assert.match(at4.title, /did you mean 'system_prompt'\?/);
  // The agent also lacks its (misspelt) system_prompt: marked where the agent starts.
  assert.deepStrictEqual([...new Set(m.map((x) => x.line))], [2, 4]);
  assert.deepStrictEqual(await page.$$eval('.cm-lineNumbers .cm-gutterElement.err', (els) => els.map((e) => e.textContent)), ['2', '4']);
  assert.match(m.find((x) => x.line === 2).title, /'system_prompt' is required/);
  assert.match(await page.textContent('#diagnostics'), /line 4.*unknown field 'sytem_prompt'; did you mean 'system_prompt'\?/);
  await shot('editor-errors');

  await page.click('.diag-list button.fix');
  assert.strictEqual(await value(), MINE, 'the fix renames the key');
  await valid(1);
  assert.strictEqual(await page.locator('#yaml .mark').count(), 0, 'the mark is gone');
  await page.focus('#yaml.cm-content');
  await page.keyboard.press('Control+z');
  assert.strictEqual(await value(), TYPO, 'the fix is one undo step');
});

test('an inline secret value: a warning at the value, the fleet still valid; from_env clears it', async () => {
  const inline = `${MINE}    secrets:\n      api_key:\n        value: sk-e2e-${U}\n`;
  await fillEditor(page, inline);
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid with 1 warning.'), null, { timeout: 20000 });
  const text = await page.textContent('#diagnostics');
  assert.match(text, /line 12.*this secret's value is written into the fleet file, so it is kept wherever the file is: the page's draft and History/);
  assert.match(text, /'from_env: NAME' reads it from the environment instead/);
  assert.ok(!text.includes(`sk-e2e-${U}`), 'the warning does not repeat the value');
  const marks = await page.$$eval('#yaml .mark', (els) => els.map((e) => ({ text: e.textContent, warn: e.classList.contains('warn') })));
  assert.deepStrictEqual(marks, [{ text: `sk-e2e-${U}`, warn: true }], 'the value itself is marked as a warning');
  assert.strictEqual(await page.locator('button:has-text("Review plan")').isDisabled(), false, 'a warning does not stop the review');
  await shot('editor-inline-secret');
  await fillEditor(page, `${MINE}    secrets:\n      api_key: {from_env: API_KEY}\n`);
  await valid(1);
  assert.strictEqual(await page.locator('#yaml .mark').count(), 0);
});

test("the app's text follows the editor change by change; a CRLF file loads with its marks in place", async () => {
  // A Windows-saved fleet.yaml: the editor keeps its lines with \n, and so does the app, so the
  // marks, Tab and Enter land where the editor shows them (the app's copy of the text is edited
  // change by change: a copy out of step would log an error, which the last test refuses).
  const crlf = TYPO.replace(`ed-${U}`, `crlf-${U}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-crlf-'));
  try {
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), crlf.replace(/\n/g, '\r\n'));
    await page.getByLabel('Open folder…').setInputFiles(dir);
    await page.waitForFunction(() => document.querySelector('#undo-toast')?.textContent.includes('Loaded the fleet'), null, { timeout: 20000 });
    assert.strictEqual(await value(), crlf);
    await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes("did you mean 'system_prompt'?"), null, { timeout: 20000 });
    const mark = await page.$$eval('#yaml .mark', (els) => els.map((e) => e.textContent));
    assert.ok(mark.includes('sytem_prompt'), `the mark covers the key itself, not a shifted span: ${JSON.stringify(mark)}`);

    // The first edit is computed from the app's text: Tab on line 5 indents that line only.
    await page.focus('#yaml.cm-content');
    let v = await value();
    await select(v.indexOf('      value: You are helpful.'));
    await page.keyboard.press('Tab');
    assert.strictEqual(await value(), crlf.replace('      value: You are helpful.', '        value: You are helpful.'));
    await page.keyboard.press('Shift+Tab');
    assert.strictEqual(await value(), crlf);

    // Edits of every kind, each reported to the app as a change: typing over a selection,
    // Enter, Backspace, an indent of several lines at once, a paste with a character outside
    // the BMP, undo and redo.
    v = await value();
    await select(v.indexOf('sytem'), v.indexOf('sytem') + 5);
    await page.keyboard.type('system');
    await valid(1);
    v = await value();
    await select(v.indexOf('Editor test agent') + 'Editor test agent'.length);
    await page.keyboard.press('Enter');
    await page.keyboard.type('tags: [é, x]');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('y]');
    v = await value();
    await select(v.indexOf('    llm_config'), v.indexOf('    embedding'));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    // CodeMirror's own indent (Ctrl+]) changes each line separately: one report, many changes.
    const lines = await value();
    await page.keyboard.press('Control+BracketRight');
    assert.ok((await value()).includes('\n      llm_config:\n        model: openai-proxy/canary-echo\n        context_window: 16000\n    embedding'), await value());
    await page.keyboard.press('Control+BracketLeft');
    assert.strictEqual(await value(), lines);
    await page.evaluate(() => {
      const t = document.querySelector('#yaml.cm-content');
      t.focus();
      const at = t.fleetText().indexOf('Editor test agent') + 'Editor '.length;
      t.fleetSelect(at, at + 4);
      const dt = new DataTransfer();
      dt.setData('text/plain', 'tést 😀');
      t.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    const pasted = await value();
    await page.keyboard.press('Control+z');
    assert.notStrictEqual(await value(), pasted, 'undo takes the paste back');
    await page.keyboard.press('Control+y');
    v = await value();
    assert.strictEqual(v, pasted, 'redo puts it back');
    assert.ok(v.includes('description: Editor tést 😀 agent\n    tags: [é, y]\n    system_prompt:\n'), v);
    await valid(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download fleet.yaml' }).click()]);
    const saved = path.join(dir, 'saved.yaml');
    await download.saveAs(saved);
    assert.strictEqual(fs.readFileSync(saved, 'utf8'), v, "the app's text is the editor's, byte for byte");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Load example keeps the previous text one Undo away', async () => {
  await fillEditor(page, MINE);
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

test('focus ring: the whole editor, gutter included, shows a visible ring when focused', async () => {
  const ring = () => page.$eval('.editor', (e) => { const s = getComputedStyle(e); return { shadow: s.boxShadow, border: s.borderTopColor }; });
  await page.focus('#load-example');
  const off = await ring();
  assert.strictEqual(off.shadow, 'none');
  await page.focus('#yaml.cm-content');
  // CodeMirror marks itself focused just after the focus event.
  await page.waitForFunction(() => document.querySelector('.cm-editor.cm-focused'));
  const on = await ring();
  assert.match(on.shadow, /rgb\(\d+, \d+, \d+\) 0px 0px 0px 1px/, `ring ${on.shadow}`);
  assert.notStrictEqual(on.border, off.border, 'the border takes the accent colour');
  // The ring is on the editor's frame, outside the gutter, not on CodeMirror's inner box.
  assert.strictEqual(await page.$eval('.cm-editor', (e) => getComputedStyle(e).outlineStyle), 'none');
});

test('drafts: an edit survives a reload, with a notice and "Discard draft"', async () => {
  const draft = `${MINE}# draft ${U}\n`;
  await fillEditor(page, draft);
  await page.waitForFunction((d) => JSON.parse(localStorage.getItem('fleet-canary.draft') || '{}').yaml === d, draft);
  await page.reload();
  await page.waitForFunction((d) => document.querySelector('#yaml.cm-content')?.fleetText() === d, draft);
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
  await page.waitForSelector('#yaml.cm-content');
  assert.strictEqual(await page.$('#draft-notice'), null, 'nothing to restore');
  // An edit made while the app still fetches its views' code (which rebuilds the view) is
  // validated all the same.
  await fillEditor(page, MINE);
  await valid(1);
  await settled(page);
});

test('300 agents: only visible lines in the DOM; keystroke and diagnostics costs (printed)', async (t) => {
  const k = await keystrokes(page);
  assert.ok(k.lines > 3000 && k.rows < 200, `${k.rows} lines in the DOM for ${k.lines}`);
  // Scrolled to the end, the last line is drawn with its number.
  const last = await page.evaluate(() => {
    const s = document.querySelector('.cm-scroller');
    s.scrollTop = s.scrollHeight;
    return document.querySelector('#yaml.cm-content').fleetText().split('\n').length;
  });
  await page.waitForFunction((n) => [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement')].some((e) => e.textContent === String(n)), last);
  assert.ok(await page.$$eval('#yaml .cm-line', (els) => els.length) < 200, 'still only the visible lines');
  const d = await diagnostics(page);
  assert.ok(d.rows <= 100 && (await page.textContent('#diag-all')).includes('Show all 2000 problems'), 'the list is capped');
  for (const l of describe(k, d)) {
    console.log(`# ${l}`);
    t.diagnostic(l);
  }
  assert.deepStrictEqual(problems, [], 'no page errors');
});
