// The Fleet view's file inputs, through the page only (no server writes: the view validates
// locally). "Add files…" (from the keyboard: a button, Enter, the browser's file chooser; two
// in-memory files) adds them beside the fleet's files and a fleet
// that referenced one of them turns from an error at its line to Valid; "Open folder…" (a real
// folder on disk, read through webkitRelativePath) replaces the fleet with the folder's
// fleet.yaml and its files; a bad pick (a folder without any YAML, a fleet.yaml that is not
// UTF-8) says why in the files panel and leaves the fleet text and files as they were. No
// console errors or page errors throughout, and the view passes axe after the picks.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { fillEditor, editorText, SERVER, PORT, APP, SHOTS, LAUNCH, serve, assertAccessible } = require('./support.js');

const U = String(Date.now() % 1e8);
const A = `ff-${U}`;

// The fleet typed before "Add files…": its prompt file is not in the fleet's files yet.
const TYPED = `agents:
  - name: ${A}-typed
    description: Fleet files test agent
    system_prompt:
      from_file: x.md
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    tools: []
`;
const FROM_FILE_LINE = TYPED.split('\n').findIndex((l) => l.includes('from_file: x.md')) + 1;

// The folder "Open folder…" opens: a fleet of two agents, a prompt each from prompts/.
const agent = (name, prompt) => `  - name: ${name}
    description: Fleet files folder agent
    system_prompt:
      from_file: prompts/${prompt}
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    tools: []
`;
const FOLDER_YAML = `agents:\n${agent(`${A}-one`, 'one.md')}${agent(`${A}-two`, 'two.md')}`;

let server, browser, page, tmp;
const problems = [];

test.before(async () => {
  // Folders on disk: Playwright picks a folder for a webkitdirectory input from a real path, and
  // the browser then gives each file its webkitRelativePath (`<folder>/<path>`).
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetfiles-'));
  const write = (rel, content) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), content);
  };
  write('good-fleet/fleet.yaml', FOLDER_YAML);
  write('good-fleet/prompts/one.md', 'You are agent one.\n');
  write('good-fleet/prompts/two.md', 'You are agent two.\n');
  write('no-yaml/notes.txt', 'no fleet here\n');
  write('no-yaml/prompts/a.md', 'A prompt without a fleet.\n');
  write('not-utf8/fleet.yaml', Buffer.from([0x61, 0x67, 0xff, 0xfe, 0x3a, 0x0a]));

  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // File choosers are intercepted from the start: the first listener turns interception on
  // without waiting, so one added just before a key press can miss the chooser it opens.
  page.on('filechooser', () => {});
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const addFiles = () => page.getByLabel('Add files…');
const openFolder = () => page.getByLabel('Open folder…');
const notice = () => page.textContent('.files-panel .notice');
const fileNames = () => page.$$eval('.file-list li button.link', (b) => b.map((x) => x.textContent));
const diagnostics = () => page.textContent('#diagnostics');

async function noticeIs(text) {
  try {
    await page.waitForFunction((t) => document.querySelector('.files-panel .notice')?.textContent === t, text, { timeout: 20000 });
  } catch (e) {
    throw new Error(`the files panel's notice is not "${text}": ${await page.textContent('.files-panel').catch(() => '?')}`);
  }
}

async function valid(n) {
  try {
    await page.waitForFunction((k) => document.querySelector('#diagnostics')?.textContent.includes(`✓ Valid: ${k} agent${k === 1 ? '' : 's'}.`), n, { timeout: 20000 });
  } catch (e) {
    throw new Error(`the diagnostics do not say Valid: ${n} agent${n === 1 ? '' : 's'}: ${await diagnostics()}`);
  }
}

/** Types `yaml` into the editor and waits for the diagnostics of that text. */
async function type(yaml, expect) {
  await fillEditor(page, yaml);
  await page.waitForFunction((t) => document.querySelector('#diagnostics')?.textContent.includes(t), expect, { timeout: 20000 });
}

test('fleet files: Add files, Open folder, bad picks change nothing', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  // The folder input becomes a folder picker once the view has mounted (webkitdirectory).
  await page.waitForSelector('.files-panel input[type=file][webkitdirectory]', { state: 'attached', timeout: 20000 });
  await page.waitForFunction(() => /Valid/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 20000 });

  // 1. A fleet whose prompt file is missing: one error, at the from_file line, naming the file.
  await type(TYPED, '1 error: fix it');
  const rows = await page.$$eval('#diagnostics .diag-list li.error', (els) => els.map((e) => ({
    line: e.querySelector('button.link')?.textContent,
    msg: e.querySelector('.msg')?.textContent,
  })));
  assert.deepStrictEqual(rows, [{ line: `line ${FROM_FILE_LINE}`, msg: "file 'x.md' is not in the fleet's files; add it or fix the path" }]);
  assert.ok(!(await fileNames()).includes('x.md'), 'x.md is not among the files yet');

  // "Add files…" with two files, from the keyboard (a button in the tab order; Enter opens the
  // browser's file chooser): the notice says so, both are listed, the fleet is valid.
  const addButton = page.locator('.files-panel button', { hasText: 'Add files…' });
  assert.strictEqual(await addButton.evaluate((b) => b.tabIndex), 0, '"Add files…" is in the tab order');
  await addButton.focus();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10000 }), page.keyboard.press('Enter')]);
  assert.strictEqual(chooser.isMultiple(), true, 'several files at once');
  await chooser.setFiles([
    { name: 'x.md', mimeType: 'text/markdown', buffer: Buffer.from('You are the typed agent.\n') },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Some notes.\n') },
  ]);
  await noticeIs('Added 2 files.');
  const added = await fileNames();
  assert.ok(added.includes('x.md') && added.includes('notes.txt'), `both added files are listed: ${added.join(', ')}`);
  await valid(1);
  assert.strictEqual(await editorText(page), TYPED, 'adding files leaves the fleet text as typed');

  // 2. "Open folder…": the folder's fleet.yaml replaces the text, its files replace the files.
  await openFolder().setInputFiles(path.join(tmp, 'good-fleet'));
  await noticeIs('Loaded the fleet and 2 files.');
  assert.strictEqual(await editorText(page), FOLDER_YAML, "the editor shows the folder's fleet.yaml");
  assert.deepStrictEqual(await fileNames(), ['prompts/one.md', 'prompts/two.md'], "the files are the folder's, relative to it");
  await valid(2);

  // 3. A folder without fleet.yaml (or any YAML): the error, and the fleet and files unchanged.
  await openFolder().setInputFiles(path.join(tmp, 'no-yaml'));
  await noticeIs('no fleet.yaml (or other .yaml file) in what you opened');
  assert.strictEqual(await editorText(page), FOLDER_YAML, 'the fleet text is unchanged');
  assert.deepStrictEqual(await fileNames(), ['prompts/one.md', 'prompts/two.md'], 'the files are unchanged');
  await valid(2);

  // A fleet.yaml that is not UTF-8: named in the error, and again nothing changes.
  await openFolder().setInputFiles(path.join(tmp, 'not-utf8'));
  await noticeIs('not-utf8/fleet.yaml is not UTF-8 text; save it as UTF-8');
  assert.strictEqual(await editorText(page), FOLDER_YAML, 'the fleet text is unchanged');
  assert.deepStrictEqual(await fileNames(), ['prompts/one.md', 'prompts/two.md'], 'the files are unchanged');
  await valid(2);

  // An error is announced as one (role=alert), a success as a status.
  assert.strictEqual(await page.getAttribute('#files-notice', 'role'), 'alert');

  // 4. The same file picked again, changed on disk meanwhile: the new contents replace the old
  // (the input is cleared after each pick, so a second pick of one name is a change).
  const sizeOf = (name) => page.$$eval('.file-list li', (lis, n) => lis.find((li) => li.querySelector('button.link')?.textContent === n)?.querySelector('.muted')?.textContent, name);
  await addFiles().setInputFiles([{ name: 'n.md', mimeType: 'text/markdown', buffer: Buffer.from('short\n') }]);
  await noticeIs('Added 1 file.');
  assert.strictEqual(await page.getAttribute('#files-notice', 'role'), 'status');
  assert.strictEqual(await sizeOf('n.md'), '6 B');
  await addFiles().setInputFiles([{ name: 'n.md', mimeType: 'text/markdown', buffer: Buffer.from('a longer text of thirty bytes\n') }]);
  await page.waitForFunction(() => [...document.querySelectorAll('.file-list li')].some((li) => li.querySelector('button.link')?.textContent === 'n.md' && li.querySelector('.muted')?.textContent === '30 B'), null, { timeout: 20000 });
  assert.strictEqual(await page.inputValue('.files-panel input[type=file]:not([webkitdirectory])'), '', 'the input is cleared after a pick');

  // The file nothing in the fleet reads is marked; the two prompts are not.
  const unused = () => page.$$eval('.file-list li', (lis) => lis.filter((li) => li.querySelector('.badge.unused')).map((li) => li.querySelector('button.link').textContent));
  await page.waitForFunction(() => document.querySelectorAll('.file-list .badge.unused').length === 1, null, { timeout: 20000 });
  assert.deepStrictEqual(await unused(), ['n.md']);

  // A path added by hand is the path the fleet looks up: another spelling of a listed file
  // opens it (no second entry), a path out of the folder is refused and says why.
  const addPath = async (p) => {
    await page.fill('.files-panel input[aria-label="New file path"]', p);
    await page.press('.files-panel input[aria-label="New file path"]', 'Enter');
  };
  await addPath('./prompts//one.md');
  await noticeIs('prompts/one.md is already in the list: it is open below.');
  assert.deepStrictEqual(await fileNames(), ['n.md', 'prompts/one.md', 'prompts/two.md']);
  assert.strictEqual(await page.textContent('.file-edit label'), 'Editing prompts/one.md');
  await addPath('../secret.md');
  await noticeIs("Not added: '../secret.md' leaves the fleet's folder with '..'; only files inside it can be used.");
  assert.strictEqual(await page.getAttribute('#files-notice', 'role'), 'alert');
  await addPath('prompts/three.md');
  await page.waitForFunction(() => [...document.querySelectorAll('.file-list li button.link')].some((b) => b.textContent === 'prompts/three.md'));
  assert.deepStrictEqual((await unused()).sort(), ['n.md', 'prompts/three.md']);

  // 5. The view after the picks: accessible, and nothing went wrong on the page.
  await page.screenshot({ path: path.join(SHOTS, 'fleet-files.png') });
  await assertAccessible(page, 'fleet view after the file picks');

  // With every file removed, the panel says what belongs there.
  for (let n = (await fileNames()).length; n > 0; n--) await page.locator('.file-list li button[aria-label^="Remove "]').first().click();
  await page.waitForSelector('#files-empty');
  assert.match(await page.textContent('#files-empty'), /^No files yet\. A fleet that uses from_file, tools\/NAME\.py or folder documents needs them here/);
  assert.deepStrictEqual(problems, [], 'no console errors or page errors');
});
