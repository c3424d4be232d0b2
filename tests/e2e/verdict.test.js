// End-to-end: the Test view in headless Chromium against the real Letta server. A promote is
// refused without a verdict (and recorded when overridden), a suite with a failing case is
// written, run and read, promote is refused, replay shows production traffic against the
// canary, and after fixing the fleet the suite passes and the gate allows the promote.
// Production's default conversation is checked through the API after every test step.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');
const { fillEditor, SERVER, PORT, APP, SHOTS, LAUNCH, serve } = require('./support.js');

const U = String(Date.now() % 1e8);
const PREFIX = `VE${U}-`;
const AGENT = `verdict-agent-${U}`;

async function api(pathAndQuery, init) {
  const r = await fetch(`${SERVER}/v1${pathAndQuery}`, init);
  assert.ok(r.ok, `${pathAndQuery}: ${r.status} ${await r.clone().text()}`);
  const t = await r.text();
  return t ? JSON.parse(t) : null;
}

async function agentNamed(name) {
  const list = await api(`/agents/?name=${encodeURIComponent(name)}&include=agent.blocks&include=agent.tags`);
  assert.ok(list.length <= 1, `one agent named ${name}`);
  return list[0];
}

async function defaultHistory(id) {
  return api(`/agents/${id}/messages?conversation_id=default&limit=1000`);
}

async function testConversations(id) {
  const list = await api(`/conversations/?agent_id=${id}&limit=100`);
  return list.filter((c) => (c.summary || '').startsWith('fleet-canary test'));
}

function fleet(prompt) {
  return `agents:
  - name: ${AGENT}
    description: Verdict test agent
    system_prompt:
      value: "${prompt}"
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    tools: []
    memory_blocks:
      - name: persona
        description: Who the agent is
        limit: 2000
        value: I help.
        agent_owned: true
`;
}

const SUITE_BAD = `name: smoke
cases:
  - name: greets
    input: hello
    checks:
      - contains: hello
      - regex: '(unclosed'
`;

const SUITE = `name: smoke
cases:
  - name: greets
    input: hello
    checks:
      - contains: 'echo: hello'
  - name: same as production
    input: what can you do
    checks:
      - same_as_production: true
`;

let server, browser, page;
const consoleErrors = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
});

test.after(async () => {
  // Remove what this run made: canaries, the production agent, their blocks.
  for (const name of [PREFIX + AGENT, AGENT]) {
    try {
      const a = await agentNamed(name);
      if (a) {
        for (const c of await testConversations(a.id)) await fetch(`${SERVER}/v1/conversations/${c.id}`, { method: 'DELETE' });
        await fetch(`${SERVER}/v1/agents/${a.id}`, { method: 'DELETE' });
        for (const b of a.blocks) await fetch(`${SERVER}/v1/blocks/${b.id}`, { method: 'DELETE' });
      }
    } catch (e) { /* best effort */ }
  }
  if (browser) await browser.close();
  if (server) server.kill();
});

async function go(view) {
  await page.evaluate((v) => { location.hash = `/${v}`; }, view);
  await page.waitForFunction((v) => document.querySelector('a.tab.active')?.getAttribute('href') === `#/${v}`, view);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function setFleet(yaml) {
  await go('fleet');
  await fillEditor(page, yaml);
  await page.waitForFunction(() => document.querySelector('#diagnostics')?.textContent.includes('Valid: 1 agent.'), null, { timeout: 20000 });
}

async function plan(mode) {
  await go('plan');
  await page.fill('#prefix', PREFIX);
  await page.dispatchEvent('#prefix', 'change');
  await page.selectOption('#mode', mode);
  await page.waitForSelector('#plan-summary', { timeout: 90000 });
}

async function execute() {
  await go('run');
  await page.waitForFunction(() => !document.querySelector('#confirm')?.disabled, null, { timeout: 20000 });
  await page.click('#confirm');
  await page.waitForSelector('#result, #run-error', { timeout: 120000 });
  const err = await page.$('#run-error');
  assert.strictEqual(err, null, err ? await err.textContent() : '');
}

// Waits until the gate shows this decision with text matching `re` (the verdict loads after
// the plan, so the first decision drawn may be the one for "no verdict yet").
async function gate(decision, re) {
  await page.waitForFunction(([d, src]) => {
    const el = document.querySelector('#gate-decision');
    return el && el.dataset.decision === d && new RegExp(src).test(el.textContent);
  }, [decision, re.source], { timeout: 30000 });
}

async function runSuite(text) {
  await go('test');
  await page.fill('#suite-text', text);
  await page.waitForSelector('#suite-ok');
  await page.click('#run-suite');
  await page.waitForSelector('#results', { timeout: 180000 });
  return page.textContent('#totals');
}

test('suites, replay and the promote gate through the Test view', async () => {
  try {
    await flow();
  } catch (e) {
    await shot('verdict-failure');
    throw e;
  }
});

async function flow() {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
  await page.waitForFunction(() => document.querySelector('#health')?.textContent.includes('healthy'), null, { timeout: 20000 });

  // 1. Promote without any verdict: refused; an override with a reason lets it run and is recorded.
  await setFleet(fleet('You help.'));
  await plan('promote');
  await gate('refused', /no suite has run against/);
  // The Plan's Execute… cannot open a promote the gate refuses; it says why.
  await page.waitForFunction(() => document.querySelector('#to-execute')?.disabled);
  assert.match(await page.getAttribute('#to-execute', 'title'), /refused by the test gate/);
  await go('run');
  assert.strictEqual(await page.isDisabled('#confirm'), true, 'promote refused by the gate');
  await page.waitForSelector('#gate-note');
  assert.match(await page.textContent('#gate-note'), /^The promote gate refuses this promote: no suite has run against the \S+ canaries\. Run one in the Test view, or override the gate with a reason\. The gate and its override are in the plan view\.$/);
  await go('plan');
  await page.check('#gate-override');
  await page.fill('#gate-reason', 'first release, nothing to compare with');
  await gate('overridden', /first release/);
  await page.waitForFunction(() => !document.querySelector('#to-execute')?.disabled);
  await execute();
  const prod = await agentNamed(AGENT);
  assert.ok(prod, 'production agent promoted');
  for (let i = 0; i < 50; i++) {
    const a = await agentNamed(AGENT);
    if (a.metadata['fleetcanary.promoteOverride']) break;
    await page.waitForTimeout(200);
  }
  const promoted = await agentNamed(AGENT);
  assert.strictEqual(promoted.metadata['fleetcanary.promoteOverride']?.reason, 'first release, nothing to compare with');
  await go('history');
  await page.waitForSelector('.history-entry');
  assert.match(await page.textContent('#main'), /first release, nothing to compare with/);

  // Seed production traffic (its default conversation), then deploy a canary whose prompt changed.
  for (const m of ['where is my order', 'can I return shoes']) {
    await api(`/agents/${prod.id}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: m }] }) });
  }
  const history0 = (await defaultHistory(prod.id)).length;
  const blocks0 = JSON.stringify((await agentNamed(AGENT)).blocks.map((b) => [b.id, b.value]).sort());
  await setFleet(fleet('You help. REPLY_TAG:v2'));
  await plan('canary');
  await execute();
  const canary = await agentNamed(PREFIX + AGENT);
  assert.ok(canary, 'canary deployed');

  // 2. The Test view reports every suite error with its line.
  await go('test');
  await page.fill('#test-prefix', PREFIX);
  await page.dispatchEvent('#test-prefix', 'change');
  // A letta-evals dataset imported into the fleet's files: its bad line is named.
  const ds = path.join(SHOTS, `dataset-${U}.jsonl`);
  fs.writeFileSync(ds, '{"input": "hello", "ground_truth": "hello"}\n{"nope": 1}\n');
  await page.fill('#suite-text', '');
  // A blank suite says how to begin, not that something is wrong, and cannot run.
  await page.waitForSelector('#suite-empty');
  assert.match(await page.textContent('#suite-errors'), /No test cases yet: write a suite here, start from an example, or import a letta-evals dataset\./);
  assert.strictEqual(await page.locator('#suite-errors .bad').count(), 0);
  assert.strictEqual(await page.isDisabled('#run-suite'), true);
  await page.setInputFiles('#dataset-file', ds);
  await page.waitForFunction(() => /dataset: tests\/dataset-\d+\.jsonl/.test(document.querySelector('#suite-text').value));
  await page.waitForFunction(() => /tests\/dataset-\d+\.jsonl:2: 'input' must be/.test(document.querySelector('#suite-errors').textContent));
  await page.fill('#suite-text', SUITE_BAD);
  await page.waitForSelector('#suite-errors .errors li');
  const errText = await page.textContent('#suite-errors');
  assert.match(errText, /tests\/suite\.yaml:7:\d+: cases\[0\]\.checks\[1\]\.regex: the regex '\(unclosed' does not compile/);
  assert.strictEqual(await page.isDisabled('#run-suite'), true);

  // 3. A suite with a failing case: run, read the results. The run's first send answers a bare
  // 500 (the server's "unknown error"): that side runs again in a fresh test conversation, its
  // cell says so, and the verdict is the one the suite earns.
  const sends = /\/v1\/conversations\/[^/]+\/messages$/;
  let faulted = 0;
  const faultFirstSend = async (route) => {
    if (route.request().method() === 'POST' && faulted++ === 0) {
      await route.fulfill({
        status: 500,
        contentType: 'application/json',
        headers: { 'access-control-allow-origin': new URL(page.url()).origin },
        body: '{"detail":"An unknown error occurred"}',
      });
      return;
    }
    await route.continue();
  };
  // The browser logs an injected 500 itself; that line, and only it, is expected.
  const dropInjected500 = () => {
    const i = consoleErrors.findIndex((e) => /status of 500 \(Internal Server Error\)$/.test(e));
    assert.ok(i >= 0, 'the injected fault was answered');
    consoleErrors.splice(i, 1);
  };
  await page.route(sends, faultFirstSend);
  const totals = await runSuite(SUITE);
  await page.unroute(sends);
  dropInjected500();
  assert.match(totals, /^FAILED: 1 of 2 passed, .* production; 1 side ran again after a server fault$/);
  assert.strictEqual(await page.locator('.side-warning').count(), 1);
  assert.strictEqual(await page.locator('#results tr .badge.retried').count(), 1, 'the retried case is marked');
  assert.match(await page.textContent('.side-warning'), /^The first attempt failed on its first turn \(server error 500: An unknown error occurred\); the case ran again in a fresh test conversation\.$/);
  assert.strictEqual(await page.locator('#results tr.fail').count(), 1);
  assert.match(await page.textContent('#results tr.fail'), /same reply as production/);
  await page.selectOption('#results-filter', 'failed');
  assert.strictEqual(await page.locator('#results tbody tr').count(), 1);
  await page.selectOption('#results-filter', 'all');
  const dl = page.waitForEvent('download');
  await page.click('#export-md');
  const md = fs.readFileSync(await (await dl).path(), 'utf8');
  assert.match(md, /## Canary verdict: FAILED/);
  assert.match(md, /### Warnings\n\n- \*\*[^*]+\*\* @ [^,]+, (canary|production): The first attempt failed on its first turn/);
  await page.waitForSelector('#verdict[data-ok="false"]');
  await shot('test-results');
  const stored = (await agentNamed(PREFIX + AGENT)).metadata['fleetcanary.verdict'];
  assert.strictEqual(stored.ok, false, 'verdict stored on the canary');
  assert.strictEqual(stored.prefix, PREFIX);

  // 4. Promote is refused: the suite failed for this fleet version.
  await plan('promote');
  await gate('refused', /the suite failed for this fleet version/);
  await shot('promote-refused');

  // 5. Replay production's traffic: both replies, word diffs, save a pair as a case.
  await go('test');
  await page.waitForFunction((a) => [...document.querySelectorAll('#replay-agent option')].some((o) => o.value === a), AGENT, { timeout: 20000 });
  await page.selectOption('#replay-agent', AGENT);
  await page.fill('#replay-count', '5');
  await page.dispatchEvent('#replay-count', 'change');
  // One send of the replay answers a bare 500 too: that side runs again, and its pair says so.
  faulted = 0;
  await page.route(sends, faultFirstSend);
  await page.click('#replay-run');
  await page.waitForSelector('#replay-summary', { timeout: 120000 });
  await page.unroute(sends);
  dropInjected500();
  assert.match(await page.textContent('#replay-summary'), /2 messages replayed: 2 differ/);
  assert.strictEqual(await page.locator('.pair .side-warning').count(), 1);
  assert.match(await page.textContent('.pair .side-warning'), /^(canary|production): The first attempt failed on its first turn \(server error 500/);
  const pair = page.locator('.pair').first();
  assert.match(await pair.locator('[data-side="canary"]').textContent(), /Echo: where is my order \[v2\]/);
  assert.match(await pair.locator('[data-side="production"]').textContent(), /^Echo: where is my order$/);
  assert.match(await pair.locator('.diff .ins').first().textContent(), /\[v2\]/);
  await page.check('#diff-only');
  assert.strictEqual(await page.locator('.pair').count(), 2);
  await pair.locator('input.pick').check();
  await page.click('#replay-save');
  await page.waitForSelector('#replay-saved');
  assert.match(await page.inputValue('#suite-text'), /where is my order/);
  await shot('replay');

  // Chat: on test conversations too; leaving the view deletes them.
  await go('chat');
  await page.waitForFunction((c) => [...document.querySelectorAll('#pair option')].some((o) => o.textContent.startsWith(c)), PREFIX + AGENT, { timeout: 20000 });
  const opt = await page.$$eval('#pair option', (os, c) => os.find((o) => o.textContent.startsWith(c))?.value, PREFIX + AGENT);
  await page.selectOption('#pair', opt);
  await page.fill('#chat-text', 'hello from chat');
  await page.click('#send');
  await page.waitForFunction(() => document.querySelector('[data-side="production"]')?.textContent.includes('Echo: hello from chat'), null, { timeout: 60000 });
  assert.strictEqual((await testConversations(prod.id)).length, 1, 'the chat talks through a test conversation');
  assert.match(await page.textContent('#isolation'), /not isolated: archival memory/);
  await shot('chat-isolated');
  await go('history');
  for (let i = 0; i < 50 && (await testConversations(prod.id)).length > 0; i++) await page.waitForTimeout(200);
  assert.strictEqual((await testConversations(prod.id)).length, 0, 'production\'s test conversation deleted after use');

  // Every test so far left production's history and blocks as they were.
  assert.strictEqual((await defaultHistory(prod.id)).length, history0, 'default conversation unchanged');
  assert.strictEqual(JSON.stringify((await agentNamed(AGENT)).blocks.map((b) => [b.id, b.value]).sort()), blocks0, 'blocks unchanged');

  // 6. Fix the fleet (the reply tag was a mistake; the new wording stays), redeploy: the suite
  // passes for this version and the gate allows the promote.
  await setFleet(fleet('You help. Be brief.'));
  await go('test');
  await page.fill('#suite-text', SUITE); // without the case saved from the replay
  await page.waitForSelector('#suite-ok');
  await plan('canary');
  await execute();
  // "Run the suite" among the run's next steps starts it in the Test view: no second click.
  // Its verdict is written to the canary once the cases ran (held back here for 5 s): a promote
  // planned meanwhile says so, and its gate reads the verdict again once it is stored — no click.
  let held;
  const saving = new Promise((r) => { held = r; });
  const verdictWrite = /\/v1\/agents\/[^/?]+\/?$/;
  await page.route(verdictWrite, async (route) => {
    if (route.request().method() === 'PATCH') {
      held();
      await new Promise((r) => setTimeout(r, 5000));
    }
    await route.continue();
  });
  await page.click('#next-suite');
  await page.waitForFunction(() => location.hash === '#/test');
  await saving;
  await plan('promote');
  await page.waitForSelector('#verdict-saving');
  await gate('allowed', /suite passed/);
  await page.unroute(verdictWrite);
  assert.strictEqual(await page.$('#verdict-saving'), null, 'the saving note goes once the verdict is stored');
  // The suite's History entry is there although its view was left while it ran.
  await go('history');
  await page.waitForFunction(() => [...document.querySelectorAll('.history-entry')].some((e) => /PASSED: suite '[^']+', 2 of 2 cases passed, run \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(e.textContent)));
  await go('test');
  await page.waitForSelector('#verdict[data-ok="true"][data-current="true"]');
  await plan('promote');
  await gate('allowed', /suite passed/);
  await go('run');
  await page.waitForFunction(() => !document.querySelector('#confirm')?.disabled, null, { timeout: 20000 });
  await shot('promote-allowed');
  assert.deepStrictEqual(consoleErrors, []);
}
