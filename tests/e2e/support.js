// Shared by the browser tests: where the app and the server are, the static server, the
// Chromium launch options, raw API reads, and the page steps every view test uses. Each test
// file still owns its fleet, its run-unique names and its assertions.
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '../..');
const SERVER = process.env.LETTA_BASE_URL || 'http://127.0.0.1:8283';
const PORT = Number(process.env.TEST_APP_PORT || 8081);
const APP = `http://127.0.0.1:${PORT}`;
const SHOTS = path.join(ROOT, 'tests/artifacts');
const ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// The local server's allowed origins are the app ports 8080/8081 (scripts/letta.sh). A run on
// another port (TEST_APP_PORT, to share the machine) cannot be allowed without restarting the
// server, so only then does the browser skip CORS; the requests are the same.
if (![8080, 8081].includes(PORT)) ARGS.push('--disable-web-security');
const LAUNCH = { executablePath: '/usr/bin/chromium', args: ARGS };
fs.mkdirSync(SHOTS, { recursive: true });

/** Serves the built app (TEST_DIST or dist/) with scripts/serve.js; resolves once it listens. */
function serve(port) {
  const p = spawn('node', [path.join(ROOT, 'scripts/serve.js'), process.env.TEST_DIST || path.join(ROOT, 'dist'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout.once('data', () => resolve(p));
    p.once('exit', (c) => reject(new Error(`static server exited ${c}`)));
  });
}

/** A raw read (or write, with `init`) of the Letta API: what a test asserts against. */
async function api(pathAndQuery, init) {
  const r = await fetch(`${SERVER}/v1${pathAndQuery}`, init);
  assert.ok(r.ok, `${pathAndQuery}: ${r.status}`);
  return r.status === 204 ? null : r.json();
}

const agentsNamed = (name) => api(`/agents/?name=${encodeURIComponent(name)}`);

/** Deletes every agent with one of these names (a test file leaves the server as it found it). */
async function deleteAgentsNamed(names) {
  for (const name of names) {
    for (const a of await agentsNamed(name).catch(() => [])) {
      await fetch(`${SERVER}/v1/agents/${a.id}`, { method: 'DELETE' }).catch(() => {});
    }
  }
}

/**
 * Replaces the fleet editor's text as a paste does (select all, paste): the editor is
 * CodeMirror, and Playwright's `fill` types into its contenteditable through Chromium's editing
 * commands, which write inline styles the page's CSP refuses. Returns once the paste is sent.
 */
async function pasteIntoEditor(page, text) {
  await page.waitForSelector('#yaml.cm-content');
  await page.evaluate((t) => {
    const el = document.querySelector('#yaml.cm-content');
    el.focus();
    document.execCommand('selectAll');
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

/** Pastes `text` into the fleet editor (as `pasteIntoEditor`) and waits until it holds it. */
async function fillEditor(page, text) {
  await pasteIntoEditor(page, text);
  await page.waitForFunction((t) => document.querySelector('#yaml.cm-content')?.fleetText() === t, text);
}

/** The fleet editor's whole text. */
const editorText = (page) => page.$eval('#yaml.cm-content', (e) => e.fleetText());

/** The page steps, for the page `page()` returns (tests create it in `before`). */
function steps(page) {
  const kit = {
    async go(view) {
      await page().evaluate((v) => { location.hash = `/${v}`; }, view);
      await page().waitForFunction((v) => document.querySelector('a.tab.active')?.getAttribute('href') === `#/${v}`, view);
    },
    async setFleet(yaml, n) {
      await kit.go('fleet');
      await fillEditor(page(), yaml);
      await page().waitForFunction((k) => document.querySelector('#diagnostics')?.textContent.includes(`Valid: ${k} agent${k === 1 ? '' : 's'}.`), n, { timeout: 20000 });
    },
    async planShows(text) {
      try {
        await page().waitForFunction((t) => !document.querySelector('#stale') && document.querySelector('#plan-summary') && document.querySelector('#plan')?.textContent.includes(t), text, { timeout: 30000 });
      } catch (e) {
        const now = await page().evaluate(() => document.querySelector('main')?.textContent.slice(0, 600));
        throw new Error(`the plan does not show "${text}": ${now}`);
      }
    },
    async confirmRun() {
      await page().waitForSelector('#confirm:not([disabled])', { timeout: 30000 });
      await page().click('#confirm');
      await page().waitForSelector('#result, #run-error', { timeout: 120000 });
      const err = await page().$('#run-error');
      assert.strictEqual(err, null, err ? await err.textContent() : '');
      assert.match(await page().textContent('#result'), /Done/);
    },
    /** The Plan view in `mode`, with `prefix` typed and committed (when given), showing `expect`. */
    async plan(mode, prefix, expect) {
      await kit.go('plan');
      await page().selectOption('#mode', mode);
      if (prefix) {
        await page().fill('#prefix', prefix);
        await page().dispatchEvent('#prefix', 'change');
      }
      await kit.planShows(expect);
    },
    /** Overrides the promote gate of the plan shown, with this reason. */
    async overrideGate(reason) {
      await page().check('#gate-override');
      await page().fill('#gate-reason', reason);
      await page().waitForSelector('#gate-decision[data-decision="overridden"]', { timeout: 30000 });
    },
    /** From the plan shown: Execute, confirm, and the run's report says Done. */
    async execute() {
      await page().click('#to-execute');
      await page().waitForFunction(() => location.hash === '#/run', null, { timeout: 30000 });
      await kit.confirmRun();
    },
    /**
     * Plans `mode` (see `plan`) and runs it. `overrideGate`: a reason to override the promote
     * gate with before running; `check(label)`: called once the plan shows, once the Execute
     * view is open and once the run is done (e.g. to fail on a crash notice).
     */
    async planAndRun(mode, prefix, expect, { overrideGate, check } = {}) {
      await kit.plan(mode, prefix, expect);
      if (overrideGate) await kit.overrideGate(overrideGate);
      if (check) await check(`${mode} plan`);
      await page().click('#to-execute');
      await page().waitForFunction(() => location.hash === '#/run', null, { timeout: 30000 });
      if (check) await check(`${mode} execute view`);
      await kit.confirmRun();
      if (check) await check(`${mode} run`);
    },
  };
  return kit;
}

/**
 * One agent of a test fleet, as an item of its `agents:` list: the echo model, the small
 * embedding, `prompt` as its system prompt and an agent-owned `persona` block. The view tests
 * describe the same kind of agent; one builder keeps them alike, and the options are where
 * they differ: `description`, `tools` (names; none by default), the persona block's `persona`
 * value (`I am <name>.` by default), `tags` (no line when absent) and `blockPrompt` (the
 * prompt as a `|` block scalar, for prompts of several lines).
 */
function agentYaml(name, { prompt, blockPrompt = false, description, tools = [], persona = `I am ${name}.`, tags } = {}) {
  // `blockPrompt`: the prompt as a literal block scalar (`|`), one line of YAML per line of it.
  const value = blockPrompt ? `|\n${prompt.split('\n').map((l) => `        ${l.trimStart()}`).join('\n')}` : prompt;
  return `  - name: ${name}
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    description: ${description}
    system_prompt:
      value: ${value}
    tools: [${tools.join(', ')}]
    memory_blocks:
      - name: persona
        description: Who the agent is
        limit: 2000
        value: ${persona}
        agent_owned: true
${tags ? `    tags: [${tags.join(', ')}]\n` : ''}`;
}

// axe-core, injected by `assertAccessible`.
const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core on the page as it is now and fails listing every violation: the rule, its
 * impact, each element and what is wrong with it. The app's Content-Security-Policy allows no
 * inline script, and `page.addScriptTag` adds one (refused), so the source goes in through
 * `page.evaluate` (DevTools, outside the page's policy); axe itself then runs inside the page,
 * under that policy. Every rule axe enables by default runs (WCAG 2.x A/AA and best practices).
 */
async function assertAccessible(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const lines = violations.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`),
  ]);
  assert.strictEqual(violations.length, 0, `${label}: ${violations.length} axe violation(s)\n${lines.join('\n')}`);
}

/** Fails when the page scrolls sideways (naming the elements that stick out past the window). */
async function assertNoHorizontalOverflow(page, label) {
  const r = await page.evaluate(() => {
    const w = window.innerWidth;
    // Elements past the right edge, except those inside a box that clips or scrolls them (an
    // absolutely positioned one is clipped only from its containing block up).
    const clipped = (e) => {
      const position = getComputedStyle(e).position;
      if (position === 'fixed') return true;
      let abs = position === 'absolute';
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        const cs = getComputedStyle(p);
        if (abs && cs.position === 'static') continue;
        abs = cs.position === 'absolute';
        if (cs.overflowX !== 'visible') return p.getBoundingClientRect().right <= w + 1;
      }
      return false;
    };
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 1 && !clipped(e))
      .slice(0, 8)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} (right ${Math.round(e.getBoundingClientRect().right)})`);
    return { width: w, scroll: document.scrollingElement.scrollWidth, wide };
  });
  assert.ok(r.scroll <= r.width, `${label}: the page is ${r.scroll}px wide in a ${r.width}px window; past the edge: ${r.wide.join(', ')}`);
}

module.exports = { pasteIntoEditor, fillEditor, editorText, ROOT, SERVER, PORT, APP, SHOTS, LAUNCH, serve, api, agentsNamed, deleteAgentsNamed, agentYaml, steps, assertAccessible, assertNoHorizontalOverflow };
