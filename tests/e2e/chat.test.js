// The Chat view (issue 15): canary and production replies side by side, streamed token by token,
// turn N beside turn N with a word diff, latency and tokens per reply, failed tool calls in red,
// multi-line input, Stop, transcripts kept across views, a loading state, and the pair read
// from the server again after a promote. Headless Chromium against the real Letta server; what
// the page shows is checked against what the server holds (conversation messages, run usage).
//
// Pacing: the local model answers a whole reply in ~10 ms, faster than a frame, so partial text
// could never be seen and Stop would always be late. An init script therefore wraps the page's
// `fetch` for the chat's message streams only and hands the server's bytes on one event at a
// time (each split in two, so events also arrive cut in half) every `window.__pace` ms. The
// bytes are the server's, unchanged; the app's abort reaches the real request.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { SERVER, PORT, APP, SHOTS, LAUNCH, serve, api, agentsNamed, deleteAgentsNamed, steps } = require('./support.js');

const U = String(Date.now() % 1e8);
const NAME = `chat-agent-${U}`;
const Q = `CH${U}-`;

let server, browser, page;
const requests = [];
const errors = [];

test.before(async () => {
  server = await serve(PORT);
  browser = await chromium.launch(LAUNCH);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() || '' }));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const real = window.fetch.bind(window);
    window.__pace = 0;
    window.__aborted = 0;
    window.fetch = async (input, init) => {
      const req = input instanceof Request ? input : new Request(input, init);
      const res = await real(input, init);
      const chat = req.method === 'POST' && /\/v1\/conversations\/[^/]+\/messages$/.test(req.url);
      if (!chat || !res.body || !window.__pace) return res;
      req.signal.addEventListener('abort', () => { window.__aborted += 1; });
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      const enc = new TextEncoder();
      let buf = '';
      const paced = new ReadableStream({
        async pull(ctrl) {
          while (!buf.includes('\n\n')) {
            const { done, value } = await reader.read();
            if (done) { if (buf) ctrl.enqueue(enc.encode(buf)); buf = ''; ctrl.close(); return; }
            buf += dec.decode(value, { stream: true });
          }
          await new Promise((ok) => setTimeout(ok, window.__pace));
          if (req.signal.aborted) { ctrl.error(new DOMException('The user aborted a request.', 'AbortError')); return; }
          const end = buf.indexOf('\n\n') + 2;
          const event = buf.slice(0, end);
          buf = buf.slice(end);
          const half = Math.floor(event.length / 2);
          ctrl.enqueue(enc.encode(event.slice(0, half)));
          ctrl.enqueue(enc.encode(event.slice(half)));
        },
        cancel() { reader.cancel().catch(() => {}); },
      });
      return new Response(paced, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  });
});

test.after(async () => {
  await deleteAgentsNamed([NAME, Q + NAME]);
  if (browser) await browser.close();
  if (server) server.kill();
});

const { go, setFleet, planAndRun } = steps(() => page);

function fleet(tag) {
  return `agents:
  - name: ${NAME}
    llm_config:
      model: openai-proxy/canary-echo
      context_window: 16000
    embedding: openai/text-embedding-3-small
    description: Chat view test agent
    system_prompt:
      value: You are the chat test agent. REPLY_TAG:${tag}
    tools: []
    memory_blocks:
      - name: persona
        description: Who the agent is
        limit: 2000
        value: I am ${NAME}.
        agent_owned: true
`;
}

const turns = () => page.locator('.turn-user').count();
const cell = (side, n) => `.transcript[data-side="${side}"] .turn-side[data-turn="${n}"]`;
const inFlight = (n) => page.evaluate((k) => [...document.querySelectorAll(`.turn-side[data-turn="${k}"]`)].some((e) => ['waiting', 'streaming'].includes(e.dataset.status)), n);

/** Types a message, sends it with Enter and waits for both replies to end; returns its turn. */
async function send(text) {
  const n = (await turns()) + 1;
  try {
    await page.waitForSelector('#send:not([disabled])', { timeout: 60000 });
  } catch (e) {
    await page.screenshot({ path: path.join(SHOTS, 'chat-failure.png') });
    const cells = await page.$$eval('.turn-side', (els) => els.map((x) => `${x.dataset.turn}:${x.dataset.status}`));
    throw new Error(`#send stays disabled before turn ${n}: cells ${cells.join(' ')}`);
  }
  await page.fill('#chat-text', text);
  await page.press('#chat-text', 'Enter');
  await page.waitForFunction((k) => document.querySelectorAll('.turn-user').length === k, n);
  await page.waitForFunction((k) => [...document.querySelectorAll(`.turn-side[data-turn="${k}"]`)].every((e) => !['waiting', 'streaming'].includes(e.dataset.status)), n, { timeout: 60000 });
  return n;
}

const reply = (side, n) => page.$$eval(`${cell(side, n)} .msg.assistant`, (els) => els.map((e) => e.textContent).join('\n'));

/** The test conversation the chat holds open on an agent, and its messages, from the server. */
async function serverConversation(agentId) {
  const convs = await api(`/conversations/?agent_id=${agentId}`);
  const mine = convs.filter((c) => (c.summary || '').startsWith('fleet-canary test'));
  assert.strictEqual(mine.length, 1, `one open test conversation on ${agentId}: ${JSON.stringify(mine.map((c) => c.id))}`);
  return { id: mine[0].id, messages: await api(`/conversations/${mine[0].id}/messages?order=asc&limit=200`) };
}

const assistantTexts = (messages) => messages.filter((m) => m.message_type === 'assistant_message').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));

test('chat: loading state, streaming, stats, failed tools, Shift+Enter, promote, alignment, diff, stop, kept transcripts, auto-scroll', async () => {
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/fleet`);
  await setFleet(fleet('v2'), 1);
  await planAndRun('canary', Q, Q + NAME);
  const [canary] = await agentsNamed(Q + NAME);
  assert.ok(canary, 'canary deployed');
  assert.ok(canary.tools.some((t) => t.name === 'memory_insert'), 'the canary has the base memory tools');
  assert.strictEqual((await agentsNamed(NAME)).length, 0, 'no production agent yet');

  // Loading is its own state, never "No canaries yet": the canaries read is held back 1.5 s.
  let release;
  const held = new Promise((ok) => { release = ok; });
  const agentList = (u) => u.pathname === '/v1/agents/';
  const hold = async (route) => { await held; await route.continue().catch(() => {}); };
  await page.route(agentList, hold);
  await go('chat');
  await page.waitForSelector('#chat-loading');
  assert.strictEqual(await page.$('#chat-empty'), null, 'loading does not say there are no canaries');
  await page.screenshot({ path: path.join(SHOTS, 'chat-loading.png') });
  release();
  await page.waitForSelector('#chat-loading', { state: 'detached', timeout: 30000 });
  await page.unroute(agentList, hold);
  assert.strictEqual(await page.$('#chat-empty'), null);

  // Pick our canary; without production the page says so and sends to the canary only.
  await page.selectOption('#pair', canary.id);
  await page.waitForFunction((n) => document.querySelector('#production-head')?.textContent === `Production: ${n} (not deployed yet)`, NAME);

  // Streaming: the text grows in place (pieces of one message), then the turn ends.
  await page.evaluate(() => {
    window.__pace = 150;
    window.__seen = [];
    new MutationObserver(() => {
      const side = document.querySelector('.transcript[data-side="canary"] .turn-side[data-turn="1"]');
      const text = side?.querySelector('.msg.assistant')?.textContent;
      if (text) window.__seen.push({ text, status: side.dataset.status });
    }).observe(document.querySelector('#chat-turns'), { subtree: true, childList: true, characterData: true });
  });
  const t1 = await send('hello streaming world');
  const seen = await page.evaluate(() => window.__seen);
  const final = 'Echo: hello streaming world [v2]';
  assert.strictEqual(await reply('canary', t1), final);
  const partial = [...new Set(seen.filter((s) => s.status === 'streaming' && s.text !== final).map((s) => s.text))];
  assert.ok(partial.length >= 2, `partial texts were shown while streaming: ${JSON.stringify(seen)}`);
  assert.ok(partial.every((t) => final.startsWith(t)), `partial texts are prefixes of the reply: ${JSON.stringify(partial)}`);
  assert.strictEqual(await page.$$eval(`${cell('canary', t1)} .msg.assistant`, (e) => e.length), 1, 'token pieces join into one message');
  const streamed = requests.filter((r) => r.method === 'POST' && /\/conversations\/[^/]+\/messages$/.test(r.url));
  assert.ok(streamed.length >= 1 && streamed.every((r) => JSON.parse(r.body).stream_tokens === true), 'token streaming was asked for');
  assert.strictEqual(await page.getAttribute(cell('production', t1), 'data-status'), 'none', 'nothing sent to a production that does not exist');

  // Latency and tokens: the tokens are the server's usage of that run.
  const stats = await page.textContent(`${cell('canary', t1)} .reply-stats`);
  const m = stats.match(/^(\d+ ms|\d+\.\d\d s) · first token (\d+ ms|\d+\.\d\d s) · (\d+) tokens \((\d+) in, (\d+) out\)$/);
  assert.ok(m, `stats line: ${stats}`);
  const run = await page.getAttribute(cell('canary', t1), 'data-run');
  const usage = await api(`/runs/${run}/usage`);
  assert.deepStrictEqual([Number(m[3]), Number(m[4]), Number(m[5])], [usage.total_tokens, usage.prompt_tokens, usage.completion_tokens]);
  await page.evaluate(() => { window.__pace = 0; });

  // A failed tool call is red, on the call and on its result.
  const t2 = await send('USE_TOOL:memory_insert label=nosuch new_string=x');
  const failed = `${cell('canary', t2)} details.msg.tool.failed`;
  assert.strictEqual(await page.locator(failed).count(), 2, 'the call and its error result are marked');
  assert.match(await page.textContent(`${failed} >> nth=0`), /Tool call failed: memory_insert/);
  const [red, bad] = await page.$eval(`${failed} summary`, (e) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--bad)';
    document.body.append(probe);
    const want = getComputedStyle(probe).color;
    probe.remove();
    return [getComputedStyle(e).color, want];
  });
  assert.strictEqual(red, bad, 'the failed call is drawn in the theme\'s red');
  assert.match(await page.textContent(`${cell('canary', t2)} .reply-stats`), /1 tool call failed/);

  // Shift+Enter adds a line; Enter sends it whole.
  await page.fill('#chat-text', 'line one');
  await page.press('#chat-text', 'Shift+Enter');
  await page.keyboard.type('line two');
  assert.strictEqual(await page.inputValue('#chat-text'), 'line one\nline two');
  assert.strictEqual(await turns(), t2, 'Shift+Enter sends nothing');
  const before = await page.$eval('#chat-text', (e) => e.getBoundingClientRect().height);
  await page.press('#chat-text', 'Shift+Enter');
  await page.keyboard.type('line three');
  assert.ok(await page.$eval('#chat-text', (e) => e.getBoundingClientRect().height) > before, 'the input grows with its lines');
  await page.press('#chat-text', 'Enter');
  await page.waitForFunction((k) => document.querySelectorAll('.turn-user').length === k, t2 + 1);
  const t3 = t2 + 1;
  await page.waitForFunction((k) => document.querySelector(`.turn-side[data-turn="${k}"]`)?.dataset.status === 'done', t3, { timeout: 60000 });
  assert.strictEqual(await page.textContent(`.turn-user[data-turn="${t3}"] .msg.user`), 'line one\nline two\nline three');
  assert.strictEqual(await page.inputValue('#chat-text'), '', 'the input is cleared');
  await page.screenshot({ path: path.join(SHOTS, 'chat-canary-only.png') });

  // Promote through the UI; the chat then reads the pair again and sends to both.
  await planAndRun('promote', Q, NAME, { overrideGate: 'chat test: promote without a suite' });
  const [prod] = await agentsNamed(NAME);
  assert.ok(prod, 'production agent created by the promote');
  await go('chat');
  await page.waitForFunction((n) => document.querySelector('#production-head')?.textContent === `Production: ${n}`, NAME, { timeout: 30000 });
  assert.strictEqual(await page.inputValue('#pair'), canary.id);
  assert.strictEqual(await turns(), 0, 'the promoted pair has a transcript of its own');
  const p1 = await send('after the promote');
  assert.strictEqual(await reply('canary', p1), 'Echo: after the promote [v2]');
  assert.strictEqual(await reply('production', p1), 'Echo: after the promote [v2]');
  assert.strictEqual(await page.getAttribute(`.turn-compare[data-turn="${p1}"] .compare-body`, 'data-compare'), 'same');
  // The server holds both turns, each in the side's test conversation, none in production's default one.
  for (const agent of [canary, prod]) {
    const conv = await serverConversation(agent.id);
    assert.ok(JSON.stringify(conv.messages).includes('after the promote'), `${agent.name}: the message is in its test conversation`);
    assert.ok(assistantTexts(conv.messages).includes('Echo: after the promote [v2]'), `${agent.name}: the reply is in its test conversation`);
  }
  const prodDefault = await api(`/agents/${prod.id}/messages?conversation_id=default&limit=100`);
  assert.ok(!JSON.stringify(prodDefault).includes('after the promote'), 'production\'s default conversation is untouched');

  // A new canary version: the replies now differ, word by word.
  await setFleet(fleet('v3'), 1);
  await planAndRun('canary', Q, Q + NAME);
  await go('chat');
  await page.waitForFunction((n) => document.querySelector('#production-head')?.textContent === `Production: ${n}`, NAME, { timeout: 30000 });
  assert.strictEqual(await turns(), 1, 'the transcript was kept while away');
  const p2 = await send('USE_TOOL:memory_insert label=persona new_string=likes_tea');
  const p3 = await send('compare us');
  assert.strictEqual(await reply('canary', p3), 'Echo: compare us [v3]');
  assert.strictEqual(await reply('production', p3), 'Echo: compare us [v2]');
  const diff = `.turn-compare[data-turn="${p3}"]`;
  assert.strictEqual(await page.getAttribute(`${diff} .compare-body`, 'data-compare'), 'different');
  assert.match(await page.textContent(`${diff} .diff .ins`), /\[v3\]/);
  assert.match(await page.textContent(`${diff} .diff .del`), /\[v2\]/);
  assert.doesNotMatch(await page.textContent(`${diff} .diff .eq`), /v\d/);
  const fresh = await page.locator(`.turn-fresh`).count();
  assert.strictEqual(fresh, 1, 'the first turn after coming back says the conversations are new');

  // Turn N beside turn N: open the canary's tool result so its turn is taller; the next turn
  // still starts on the same line on both sides.
  for (const d of await page.$$(`${cell('canary', p2)} details.msg.tool summary`)) await d.click();
  const bottoms = await page.evaluate(([a, b]) => [a, b].map((s) => document.querySelector(s).getBoundingClientRect().bottom), [`${cell('canary', p2)} .reply-stats`, `${cell('production', p2)} .reply-stats`]);
  assert.ok(bottoms[0] > bottoms[1] + 20, `the canary's turn ${p2} is taller: ${bottoms}`);
  for (let n = 1; n <= p3; n += 1) {
    const [c, p] = await page.evaluate(([a, b]) => [a, b].map((s) => document.querySelector(s).getBoundingClientRect().top), [cell('canary', n), cell('production', n)]);
    assert.ok(Math.abs(c - p) < 1, `turn ${n}: canary ${c} beside production ${p}`);
  }

  // Auto-scroll: with more turns than fit, the newest is in view.
  await send('one more');
  const p5 = await send('and the last one');
  const box = await page.$eval('#chat-turns', (e) => ({ top: e.scrollTop, client: e.clientHeight, height: e.scrollHeight }));
  assert.ok(box.height > box.client + 100, `the transcript overflows: ${JSON.stringify(box)}`);
  assert.ok(box.top + box.client >= box.height - 4, `scrolled to the newest turn: ${JSON.stringify(box)}`);
  const last = await page.$eval(`.turn-compare[data-turn="${p5}"]`, (e) => e.getBoundingClientRect().bottom);
  const view = await page.$eval('#chat-turns', (e) => e.getBoundingClientRect().bottom);
  assert.ok(last <= view + 1, 'the newest turn is visible');
  await page.screenshot({ path: path.join(SHOTS, 'chat.png') });

  // Stop: a reply cut off mid-stream keeps what arrived, on both sides; the request is aborted
  // and the server run named in the stream is cancelled.
  await page.evaluate(() => { window.__pace = 400; window.__aborted = 0; });
  const n = (await turns()) + 1;
  await page.fill('#chat-text', 'please stop me before I finish');
  await page.press('#chat-text', 'Enter');
  await page.waitForFunction((k) => document.querySelector(`.transcript[data-side="canary"] .turn-side[data-turn="${k}"] .msg.assistant`)?.textContent.length > 0, n, { timeout: 30000 });
  assert.ok(await inFlight(n), 'still streaming');
  assert.strictEqual(await page.isDisabled('#stop'), false);
  await page.click('#stop');
  await page.waitForFunction((k) => [...document.querySelectorAll(`.turn-side[data-turn="${k}"]`)].every((e) => e.dataset.status === 'stopped'), n, { timeout: 5000 });
  const cut = await reply('canary', n);
  await page.waitForTimeout(3000);
  assert.strictEqual(await reply('canary', n), cut, 'nothing arrives after the stop');
  assert.notStrictEqual(cut, 'Echo: please stop me before I finish [v3]');
  assert.ok('Echo: please stop me before I finish [v3]'.startsWith(cut), `kept the part that arrived: ${cut}`);
  assert.ok(await page.evaluate(() => window.__aborted) >= 1, 'the request was aborted');
  assert.match(await page.textContent(`${cell('canary', n)} .reply-stats`), /^stopped after/);
  assert.ok(requests.some((r) => r.url.endsWith(`/agents/${canary.id}/messages/cancel`) && JSON.parse(r.body).run_ids.length === 1), 'the canary run was cancelled by id');
  assert.strictEqual(await page.isDisabled('#send'), false, 'a new message can be sent');
  assert.strictEqual(await page.isDisabled('#stop'), true);
  await page.screenshot({ path: path.join(SHOTS, 'chat-stopped.png') });
  await page.evaluate(() => { window.__pace = 0; });

  // Leaving keeps the transcript and deletes the test conversations (production's first).
  const kept = await page.$$eval('.turn-user .msg.user', (els) => els.map((e) => e.textContent));
  await go('canaries');
  for (const agent of [prod, canary]) {
    let open = [];
    for (let i = 0; i < 40; i += 1) {
      open = (await api(`/conversations/?agent_id=${agent.id}`)).filter((c) => (c.summary || '').startsWith('fleet-canary test'));
      if (!open.length) break;
      await new Promise((ok) => setTimeout(ok, 250));
    }
    assert.deepStrictEqual(open.map((c) => c.id), [], `${agent.name}: no test conversation outlives the view`);
  }
  await go('chat');
  await page.waitForFunction((k) => document.querySelectorAll('.turn-user').length === k, kept.length, { timeout: 30000 });
  assert.deepStrictEqual(await page.$$eval('.turn-user .msg.user', (els) => els.map((e) => e.textContent)), kept);
  assert.strictEqual(await reply('canary', p3), 'Echo: compare us [v3]');

  // New conversation clears it.
  await page.click('#new-conversation');
  assert.strictEqual(await turns(), 0);
  assert.deepStrictEqual(errors, [], 'no page errors');
});
