// Report first (issue 16): the run's report is drawn as soon as the last write answered; the
// re-plan that proves convergence follows below it, and when that re-plan cannot read the
// server the report stays, with a note that the check failed and a Retry that works once the
// server answers again. Headless Chromium against the real Letta server.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, agentsNamed, deleteAgentsNamed, steps } = require('./support');

const U = String(Date.now() % 1e8);
const NAME = `rf-${U}`;
const PREFIX = `RF${U}-`;

const FLEET = `agents:
  - name: ${NAME}
    description: Report-first test agent
    system_prompt:
      value: You help.
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    tools: []
    memory_blocks:
      - {name: persona, description: Who, limit: 200, value: I help., agent_owned: true}
`;

let server, browser, page;
const kit = steps(() => page);

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

test.after(async () => {
  await deleteAgentsNamed([PREFIX + NAME]);
  if (browser) await browser.close();
  if (server) server.kill();
});

test('a failed convergence check never hides the report, and Retry runs it again', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  // The editor is up once it has validated the fleet it starts with.
  await page.waitForFunction(() => /Valid/.test(document.querySelector('#diagnostics')?.textContent || ''), null, { timeout: 60000 });
  // Under load the editor now and then shows the validation of its previous text after a
  // fill (reported to the editor's owner); filling again, changed, validates the new text.
  await kit.setFleet(FLEET, 1).catch(() => kit.setFleet(`${FLEET}\n`, 1));
  await kit.go('plan');
  await page.fill('#prefix', PREFIX);
  await page.dispatchEvent('#prefix', 'change');
  await kit.planShows(PREFIX + NAME);

  // Once the run's first write is on its way, every read of the server fails: the run's own
  // reads (the stale check) are done by then, so only the re-plan after it is refused.
  let writing = false;
  let refused = 0;
  const letta = (u) => u.href.startsWith(`${SERVER}/v1/`);
  await page.route(letta, async (route) => {
    const m = route.request().method();
    if (m === 'POST' || m === 'PATCH' || m === 'DELETE') writing = true;
    if (writing && m === 'GET') {
      refused += 1;
      return route.abort('connectionrefused');
    }
    return route.continue();
  });

  await kit.go('run');
  await page.waitForSelector('#confirm:not([disabled])', { timeout: 30000 });
  await page.click('#confirm');
  // The report, while the check is still reading (or already failed): never after it.
  await page.waitForSelector('#result', { timeout: 120000 });
  assert.match(await page.textContent('#result h2'), /Done/);
  assert.match(await page.textContent('#run-summary'), /1 agent written/);

  // The check fails (reads are retried with back-off first) and says so below the report.
  await page.waitForFunction(() => /check .*failed/.test(document.querySelector('#convergence')?.textContent || ''), null, { timeout: 60000 });
  assert.ok(refused > 0, 'the re-plan read the server after the writes');
  assert.ok(await page.isVisible('#result'), 'the report stays');
  assert.match(await page.textContent('#result h2'), /Done/, 'the report is unchanged');
  assert.match(await page.textContent('#run-summary'), /1 agent written/);
  const note = await page.textContent('#convergence');
  assert.match(note, /report above is complete/);
  assert.strictEqual(await page.getAttribute('#convergence', 'role'), 'alert');
  assert.ok(await page.isVisible('#retry-check'), 'Retry is offered');
  assert.strictEqual((await agentsNamed(PREFIX + NAME)).length, 1, 'the canary was created');
  await page.screenshot({ path: path.join(SHOTS, 'report-first-check-failed.png'), fullPage: true });

  // The server answers again: Retry proves convergence, the report still above it.
  await page.unroute(letta);
  await page.click('#retry-check');
  await page.waitForFunction(() => /a re-run would write nothing/.test(document.querySelector('#convergence')?.textContent || ''), null, { timeout: 60000 });
  assert.match(await page.getAttribute('#convergence', 'class'), /\bok\b/);
  assert.match(await page.textContent('#result h2'), /Done/);
  assert.strictEqual(await page.$('#retry-check'), null, 'no Retry once the check passed');
  await page.screenshot({ path: path.join(SHOTS, 'report-first-converged.png'), fullPage: true });
});
