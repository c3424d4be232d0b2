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
  await page.goto(`${APP}/#/fleet`);
  await page.waitForFunction(() => document.querySelector('textarea#yaml') && /Valid: \d+ agents?\./.test(document.querySelector('#diagnostics')?.textContent || ''));
  assert.strictEqual(await page.$eval('textarea#yaml', (t) => t.getAttribute('aria-label')), 'fleet.yaml');
  const original = await plainValue(page);
  assert.match(original, /^agents:/m, 'the example fleet is in the plain editor');
  await page.screenshot({ path: path.join(SHOTS, 'editor-plain-first-frame.png') });

  // Typing is validated (the same report as CodeMirror's edits give).
  await page.focus('textarea#yaml');
  await page.$eval('textarea#yaml', (t) => t.setSelectionRange(t.value.length, t.value.length));
  await page.keyboard.type('colour: red');
  await page.waitForFunction(() => /error/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 20000 });
  assert.match(await diagnostics(page), /colour/, 'the unknown key is reported');
  // Tab indents the selected line (the YAML-aware edit), Shift+Tab takes it back.
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Tab');
  assert.ok((await plainValue(page)).endsWith('\n  colour: red'), 'Tab indented the line');
  await page.keyboard.press('Shift+Tab');
  assert.ok((await plainValue(page)).endsWith('\ncolour: red'), 'Shift+Tab took the indent back');
  const typed = await plainValue(page);
  await page.keyboard.press('End');
  const caret = await page.$eval('textarea#yaml', (t) => t.selectionStart);
  assert.strictEqual(caret, typed.length);

  // CodeMirror arrives: the same text, caret and focus; the textarea is gone; the mark is drawn.
  release();
  await page.waitForSelector('#yaml.cm-content');
  await page.waitForFunction(() => !document.querySelector('textarea.plain-editor'));
  const after = await page.$eval('#yaml.cm-content', (e) => ({ text: e.fleetText(), sel: e.fleetSelection(), focused: document.activeElement === e }));
  assert.strictEqual(after.text, typed, 'CodeMirror shows what was typed');
  assert.deepStrictEqual(after.sel, [caret, caret], 'the caret is where it was');
  assert.ok(after.focused, 'the editor keeps the focus');
  await page.waitForFunction(() => document.querySelectorAll('#yaml .mark').length > 0, null, { timeout: 20000 });
  // Typing goes on in CodeMirror, into the same app text.
  await page.keyboard.press('Backspace');
  await page.waitForFunction((t) => document.querySelector('#yaml.cm-content').fleetText() === t.slice(0, -1), typed);
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
  await assertAccessible(page, 'plain editor');
  await page.screenshot({ path: path.join(SHOTS, 'editor-plain-fallback.png') });
  assert.deepStrictEqual(errors, []);
  await context.close();
});
