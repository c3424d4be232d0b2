// The plain editor of the first frame (web/src/views/editor/plain.rs): the fleet text is
// editable and validated before CodeMirror's code has run; CodeMirror then takes over what
// was typed, the caret and the focus; and when CodeMirror's code cannot load, the plain editor
// stays, says so, and edits, indents and validates as before.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { APP, SHOTS, LAUNCH, PORT, serve, assertAccessible } = require('./support.js');

let server, browser;

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

const EDITOR = /\/app-[0-9a-f]{12}\/editor\.js$/;
const diagnostics = (page) => page.textContent('#diagnostics');
const plainValue = (page) => page.$eval('textarea#yaml', (t) => t.value);

/** A valid 1,500-agent fleet, ~190 KB: over the plain editor's 64 KB. */
function longFleet() {
  let yaml = 'agents:\n';
  for (let i = 0; i < 1500; i++) yaml += `  - name: agent-${i}\n    description: Agent ${i}\n    system_prompt: {value: p}\n    llm_config: {model: openai-proxy/canary-echo, context_window: 16000}\n    embedding: openai/text-embedding-3-small\n`;
  return yaml;
}

/** A page with no server (the editor needs none) and any page error recorded. */
async function open() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

test('the text is editable and validated before CodeMirror; CodeMirror keeps what was typed', async () => {
  const { context, page, errors } = await open();
  // CodeMirror's code is held back until the plain editor has been used.
  let release;
  const held = new Promise((r) => { release = r; });
  await context.route(EDITOR, async (route) => { await held; await route.continue(); });
  try {
    await page.goto(`${APP}/#/fleet`);
    await page.waitForFunction(() => document.querySelector('textarea#yaml') && /Valid: \d+ agents?\./.test(document.querySelector('#diagnostics')?.textContent || ''));
    assert.strictEqual(await page.$eval('textarea#yaml', (t) => t.getAttribute('aria-label')), 'fleet.yaml');
    const original = await plainValue(page);
    assert.match(original, /^agents:/m, 'the example fleet is in the plain editor');
    assert.strictEqual(await page.$eval('textarea#yaml', (t) => t.selectionStart), 0, 'the caret starts at the top');
    await page.screenshot({ path: path.join(SHOTS, 'editor-plain-first-frame.png') });

    // Typing is validated (the same report as CodeMirror's edits give).
    await page.focus('textarea#yaml');
    await page.$eval('textarea#yaml', (t) => t.setSelectionRange(t.value.length, t.value.length));
    await page.keyboard.type('colour: red');
    await page.waitForFunction(() => /error/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 20000 });
    assert.match(await diagnostics(page), /colour/, 'the unknown key is reported');
    // Tab indents the selected line (the YAML-aware edit), Shift+Tab takes it back, Undo too.
    await page.$eval('textarea#yaml', (t) => t.setSelectionRange(t.value.lastIndexOf('\n') + 1, t.value.length));
    await page.keyboard.press('Tab');
    assert.ok((await plainValue(page)).endsWith('\n  colour: red'), 'Tab indented the line');
    await page.keyboard.press('Shift+Tab');
    assert.ok((await plainValue(page)).endsWith('\ncolour: red'), 'Shift+Tab took the indent back');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+z');
    assert.ok((await plainValue(page)).endsWith('\ncolour: red'), 'Undo took the indent back');
    const typed = await plainValue(page);
    // A selection made backwards in the middle, scrolled down.
    await page.$eval('textarea#yaml', (t) => { t.setSelectionRange(40, 52, 'backward'); t.scrollTop = 200; });

    // CodeMirror arrives: the same text, selection, focus and scroll; the textarea is gone.
    release();
    await page.waitForSelector('#yaml.cm-content');
    await page.waitForFunction(() => !document.querySelector('textarea.plain-editor'));
    const after = await page.$eval('#yaml.cm-content', (e) => ({ text: e.fleetText(), sel: e.fleetSelection(), focused: document.activeElement === e, top: document.querySelector('.cm-scroller').scrollTop }));
    assert.strictEqual(after.text, typed, 'CodeMirror shows what was typed');
    assert.deepStrictEqual(after.sel, [40, 52], 'the selection is where it was');
    assert.ok(after.focused, 'the editor keeps the focus');
    assert.ok(Math.abs(after.top - 200) <= 20, `scrolled as it was (${after.top})`);
    // The error is marked in the text, and typing goes on into the same app text.
    await page.waitForFunction(() => document.querySelectorAll('#yaml .mark').length > 0, null, { timeout: 20000 });
    await page.keyboard.press('Delete');
    await page.waitForFunction((t) => document.querySelector('#yaml.cm-content').fleetText() === t.slice(0, 40) + t.slice(52), typed);
    assert.deepStrictEqual(errors, []);
  } finally {
    release();
    await context.close();
  }
});

test('CodeMirror starts at the top when the plain editor was not used', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${APP}/#/fleet`);
  await page.waitForSelector('#yaml.cm-content');
  const at = await page.$eval('#yaml.cm-content', (e) => ({ sel: e.fleetSelection(), focused: document.activeElement === e }));
  assert.deepStrictEqual(at, { sel: [0, 0], focused: false });
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('a Fleet view opened later shows CodeMirror in its first frame, never the plain editor', async () => {
  const { context, page, errors } = await open();
  await page.goto(`${APP}/#/connect`);
  await page.locator('a.tab[href="#/fleet"]').waitFor();
  // Every frame from here on records whether the plain editor was on the page.
  await page.evaluate(() => {
    window.__plainFrames = 0;
    const tick = () => { if (document.querySelector('textarea.plain-editor')) window.__plainFrames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  // Let the first paint pass (boot.js says so) and CodeMirror's code arrive (the app prefetches
  // it when idle; a view opened before that shows the plain editor until it lands), then open
  // the Fleet view.
  await page.waitForFunction(() => globalThis.__painted === true);
  await page.evaluate(() => globalThis.__fleetEditor().then(() => true));
  await page.click('a.tab[href="#/fleet"]');
  await page.waitForSelector('#yaml.cm-content');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.strictEqual(await page.evaluate(() => window.__plainFrames), 0, 'no frame showed the plain editor');
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('a long draft waits for CodeMirror in an empty box (a textarea would lay all of it out)', async () => {
  const { context, page, errors } = await open();
  const yaml = longFleet();
  assert.ok(yaml.length > 64 * 1024);
  await page.addInitScript((y) => {
    if (!sessionStorage.getItem('seeded')) { localStorage.setItem('fleet-canary.draft', JSON.stringify({ yaml: y, saved: Date.now() })); sessionStorage.setItem('seeded', '1'); }
    window.__plainFrames = 0;
    const tick = () => { if (document.querySelector('textarea.plain-editor')?.value) window.__plainFrames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }, yaml);
  await page.goto(`${APP}/#/fleet`);
  await page.waitForFunction((n) => document.querySelector('#yaml.cm-content')?.fleetText().length === n, yaml.length, { timeout: 30000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.strictEqual(await page.evaluate(() => window.__plainFrames), 0, 'no frame had the text in a textarea');
  assert.ok(await page.$$eval('#yaml .cm-line', (els) => els.length) < 200, 'only the visible lines are drawn');
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('a long draft is filled into the plain editor when CodeMirror cannot load', async () => {
  const { context, page, errors } = await open();
  const yaml = longFleet();
  await page.addInitScript((y) => localStorage.setItem('fleet-canary.draft', JSON.stringify({ yaml: y, saved: Date.now() })), yaml);
  await context.route(EDITOR, (route) => route.abort());
  await page.goto(`${APP}/#/fleet`);
  await page.waitForSelector('.editor-plain-note');
  await page.waitForFunction((n) => document.querySelector('textarea#yaml')?.value.length === n, yaml.length);
  assert.strictEqual(await page.$eval('textarea#yaml', (t) => t.readOnly), false, 'editable');
  assert.match(await diagnostics(page), /Valid: 1500 agents\./);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('when CodeMirror cannot load, the plain editor stays and works', async () => {
  const { context, page, errors } = await open();
  await context.route(EDITOR, (route) => route.abort());
  await page.goto(`${APP}/#/fleet`);
  await page.waitForSelector('.editor-plain-note');
  assert.match(await page.textContent('.editor-plain-note'), /Plain text editor: the code editor could not be loaded \(.+\); reload the page/);
  assert.strictEqual(await page.locator('#yaml.cm-content').count(), 0);
  assert.strictEqual(await page.locator('textarea#yaml').count(), 1);

  // Edits are validated; a diagnostic's line link selects the line in the plain editor.
  await page.focus('textarea#yaml');
  await page.$eval('textarea#yaml', (t) => t.setSelectionRange(t.value.length, t.value.length));
  await page.keyboard.type('colour: red');
  await page.waitForFunction(() => /colour/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 20000 });
  const lines = (await plainValue(page)).split('\n');
  await page.locator('#diagnostics button.link').first().click();
  const at = await page.$eval('textarea#yaml', (t) => ({ line: t.value.slice(0, t.selectionStart).split('\n').length, focused: document.activeElement === t }));
  assert.strictEqual(at.line, lines.length, 'the caret went to the reported line');
  assert.ok(at.focused);
  // Enter keeps the indentation of the line (the same YAML-aware edit as CodeMirror's).
  const end = await page.$eval('textarea#yaml', (t) => { const i = t.value.indexOf('\n', t.value.indexOf('  - name:')); t.setSelectionRange(i, i); return i; });
  await page.keyboard.press('Enter');
  const v = await plainValue(page);
  assert.strictEqual(v.slice(end, end + 5), '\n    ', 'Enter put the next line under the list item\'s key');
  assert.strictEqual(await page.$eval('textarea#yaml', (t) => t.selectionStart), end + 5, 'the caret is on the new line');
  // Tab indents a selected line; Escape, then Tab, leaves the editor for the next control.
  await page.$eval('textarea#yaml', (t) => { const i = t.value.indexOf('agents:'); t.setSelectionRange(i, i + 7); });
  await page.keyboard.press('Tab');
  assert.match(await plainValue(page), /^ {2}agents:/m, 'Tab indented the line');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.notStrictEqual(await page.evaluate(() => document.activeElement?.id), 'yaml', 'Escape, then Tab, left the editor');
  assert.match(await plainValue(page), /^agents:/m);
  await assertAccessible(page, 'plain editor');
  await page.screenshot({ path: path.join(SHOTS, 'editor-plain-fallback.png') });
  assert.deepStrictEqual(errors, []);
  await context.close();
});
