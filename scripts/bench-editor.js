// `make bench`, the fleet editor (issue 16, editor): what a keystroke costs in a 300-agent
// fleet, and how long an edit takes to reach the diagnostics in a 2,000-agent fleet with an
// error in every agent, in the release app in headless Chromium; and, when LETTA_BASE_URL is
// set, "Review plan" to a drawn summary for 2,000 agents (judged only on an empty server).
//
// Keystroke: real key presses (Playwright), caret mid-file, under a Chromium trace. What a key
// costs is the main thread's work for it: every task from the one that dispatches its keydown
// to the end of the frame that draws it (input handling, our handler and the effects it runs,
// style, layout, paint), read from the trace. Printed beside it, the wall time from the keydown
// to the end of a task queued at keydown with a forced style + layout: it includes the time
// the main thread waits, idle, for the next frame (Chromium runs the frame before that task),
// so it follows the phase of the key against the 60 Hz frame, not the work. The floor is the
// same keys in a bare <textarea> with the same text, measured both ways. Diagnostics: a real
// keystroke that renames a field; the time from its keydown until the error list changes,
// minus the 250 ms debounce; the wasm parse + validate time the page records (data-check-ms) is
// printed beside it. Budgets: keystroke work ≤ 16 ms (median and p95; a frame's budget),
// diagnostics ≤ 300 ms (median). Exits 1 when a budget fails. Writes target/bench-editor.json.
// tests/e2e/editor.test.js prints the same figures (without budgets) through `keystrokes` and
// `diagnostics`.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { pasteIntoEditor } = require('../tests/e2e/support.js');

const DEBOUNCE_MS = 250;
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
const pct = (v, p) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * p))];

/** A fleet of `n` agents, 13 lines each; `bad` agents carry an unknown field (one error each). */
function fleetYaml(n, bad = 0) {
  let y = '# bench fleet\nshared_blocks:\n  - name: policies\n    description: Policies\n    limit: 2000\n    value: Be kind.\n    agent_owned: false\nagents:\n';
  for (let i = 0; i < n; i++) {
    y += `  - name: agent-${i}\n    description: Bench agent ${i}\n    system_prompt:\n      value: "You are support agent ${i}. Answer briefly, precisely and kindly; never guess an order number."\n    llm_config: {model: openai-proxy/canary-echo, context_window: 16000}\n    embedding: openai/text-embedding-3-small\n    tools: []\n    shared_blocks: [policies]\n    memory_blocks:\n      - {name: persona, description: Who, limit: 500, value: I am agent ${i}., agent_owned: true}\n    tags: [bench, group-${i % 5}]\n${i < bad ? '    colour: red\n' : ''}`;
  }
  return y;
}

/** Waits until the page has fetched every view's code (the app prefetches them after the first
 * paint): no new resource for a second. Measuring earlier would time the prefetch too. */
async function settled(page) {
  await page.waitForSelector('#yaml.cm-content');
  await page.waitForFunction(() => new Promise((resolve) => {
    const n = performance.getEntriesByType('resource').length;
    setTimeout(() => resolve(performance.getEntriesByType('resource').length === n), 1000);
  }), null, { timeout: 60000, polling: 100 });
}

/** Puts `yaml` in the editor and waits for the diagnostics to settle on `expect`. */
async function setText(page, yaml, expect) {
  // As a paste (select all, paste): the editor is CodeMirror, which takes a paste as one edit.
  await pasteIntoEditor(page, yaml);
  await page.waitForFunction((e) => document.querySelector('#diagnostics')?.textContent.includes(e), expect, { timeout: 60000 });
}

/** The trace's categories that hold what `keyWork` reads: the main thread's tasks
 * (`toplevel`), the events they dispatch (`devtools.timeline`) and the frames (`benchmark`). */
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'benchmark'];

/** The main thread's work (ms) for each keystroke in a Chromium trace: the top-level tasks from
 * the one that dispatches the keydown to the end of the first frame (`BeginMainFrame`) after
 * it, the frame that draws the key. The idle time in between, waiting for that frame, is not
 * work and is not counted. */
function keyWork(trace) {
  const events = JSON.parse(trace).traceEvents.filter((e) => e.ph === 'X');
  const thread = (e) => `${e.pid}:${e.tid}`;
  const keydowns = events.filter((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'keydown');
  const main = new Set(keydowns.map(thread));
  const on = (name) => events.filter((e) => e.name === name && main.has(thread(e))).sort((a, b) => a.ts - b.ts);
  const top = [];
  for (const e of on('ThreadControllerImpl::RunTask')) {
    const last = top[top.length - 1];
    if (!last || thread(last) !== thread(e) || e.ts >= last.ts + last.dur) top.push(e);
  }
  const frames = on('ProxyMain::BeginMainFrame');
  const work = [];
  for (const k of keydowns.sort((a, b) => a.ts - b.ts)) {
    const task = top.find((x) => thread(x) === thread(k) && x.ts <= k.ts && x.ts + x.dur >= k.ts);
    const frame = frames.find((f) => thread(f) === thread(k) && f.ts > k.ts + k.dur);
    if (!task || !frame) continue;
    const end = frame.ts + frame.dur;
    work.push(top.filter((x) => thread(x) === thread(k) && x.ts >= task.ts && x.ts < end).reduce((s, x) => s + x.dur, 0) / 1000);
  }
  return work;
}

/** Types `count` keys into the editor or textarea `sel` (caret mid-file): per key, the wall time
 * to a task after its frame (`ks`, ms), the main thread's work for it (`work`, ms, traced) and
 * the Event Timing durations over 16 ms (`slow`). */
async function typeInto(page, sel, count) {
  await page.evaluate((sel) => {
    const t = document.querySelector(sel);
    t.focus();
    const text = t.fleetText ? t.fleetText() : t.value;
    const at = text.indexOf('description: Bench agent', Math.floor(text.length / 2));
    if (t.fleetSelect) {
      t.fleetSelect(at);
    } else {
      t.setSelectionRange(at, at);
      // Scrolls the caret's line into view, as typing there would.
      t.blur();
      t.focus();
    }
    window.__ks = [];
    window.__slow = [];
    window.__onKey = () => {
      const t0 = performance.now();
      setTimeout(() => {
        t.getBoundingClientRect();
        void document.body.offsetHeight;
        window.__ks.push(performance.now() - t0);
      }, 0);
    };
    document.addEventListener('keydown', window.__onKey, { capture: true });
    window.__po = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (e.name === 'keydown' || e.name === 'input') window.__slow.push(e.duration);
    });
    window.__po.observe({ type: 'event', durationThreshold: 16, buffered: false });
  }, sel);
  const browser = page.context().browser();
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  for (let i = 0; i < count; i++) {
    await page.keyboard.type(i % 8 === 7 ? ' ' : 'x');
    await page.waitForTimeout(40);
  }
  await page.waitForTimeout(300);
  const work = keyWork((await browser.stopTracing()).toString());
  const r = await page.evaluate(() => {
    document.removeEventListener('keydown', window.__onKey, { capture: true });
    window.__po.disconnect();
    return { ks: window.__ks, slow: window.__slow };
  });
  if (work.length !== count) throw new Error(`the trace holds ${work.length} of ${count} keystrokes`);
  return { ...r, work };
}

/** Per-keystroke cost (ms) of `count` typed characters in a fleet of `agents` agents, and the
 * floor: the same keys in a bare <textarea> of the same size and text in the same page. */
async function keystrokes(page, { agents = 300, count = 40 } = {}) {
  const yaml = fleetYaml(agents);
  await setText(page, yaml, `Valid: ${agents} agents.`);
  await page.evaluate((y) => {
    const r = document.querySelector('.editor').getBoundingClientRect();
    const f = document.createElement('textarea');
    f.id = 'floor-textarea';
    f.wrap = 'off';
    f.value = y;
    document.body.append(f);
    Object.assign(f.style, { position: 'fixed', left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px`, font: '13px/20px monospace', whiteSpace: 'pre', zIndex: 50 });
  }, yaml);
  const floor = await typeInto(page, '#floor-textarea', count);
  await page.evaluate(() => document.querySelector('#floor-textarea').remove());
  const r = await typeInto(page, '#yaml', count);
  const info = await page.evaluate(() => ({ lines: document.querySelector('#yaml.cm-content').fleetText().split('\n').length, rows: document.querySelectorAll('#yaml .cm-line').length }));
  const stats = (v) => ({ median: median(v), p95: pct(v, 0.95), max: Math.max(...v) });
  return {
    agents, lines: info.lines, count: r.ks.length, ...stats(r.work), wall: stats(r.ks),
    over16: r.slow.length, slowest: r.slow.length ? Math.max(...r.slow) : 0, rows: info.rows,
    floor: { ...stats(floor.work), wall: stats(floor.ks), over16: floor.slow.length },
  };
}

/** Keystroke → diagnostics (ms, debounce excluded) in a fleet of `agents` agents, each with an
 * error: each key renames agent 0's unknown field, so the first row of the list changes. */
async function diagnostics(page, { agents = 2000, rounds = 6 } = {}) {
  const yaml = fleetYaml(agents, agents);
  await setText(page, yaml, `${agents} errors: fix them`);
  await page.evaluate(() => {
    const t = document.querySelector('#yaml.cm-content');
    const d = document.querySelector('#diagnostics');
    t.focus();
    t.fleetSelect(t.fleetText().indexOf('colour') + 'colour'.length);
    window.__diag = [];
    window.__t0 = null;
    window.__mo = new MutationObserver(() => {
      if (window.__t0 === null) return;
      window.__diag.push({ ms: performance.now() - window.__t0, check: Number(d.dataset.checkMs), rows: d.querySelectorAll('.diag-list li').length });
      window.__t0 = null;
    });
    window.__mo.observe(d, { childList: true, subtree: true, characterData: true });
    window.__dk = () => { window.__t0 = performance.now(); };
    document.addEventListener('keydown', window.__dk, { capture: true });
  });
  for (let r = 0; r < rounds; r++) {
    await page.keyboard.press(r % 2 ? 'Backspace' : 's');
    await page.waitForFunction(() => window.__t0 === null, null, { timeout: 60000 });
    await page.waitForTimeout(200);
  }
  const m = await page.evaluate(() => {
    window.__mo.disconnect();
    document.removeEventListener('keydown', window.__dk, { capture: true });
    return window.__diag;
  });
  const total = m.map((x) => x.ms - DEBOUNCE_MS);
  return { agents, bytes: yaml.length, rounds, median: median(total), max: Math.max(...total), check: median(m.map((x) => x.check)), rows: m[m.length - 1].rows };
}

/** "Review plan" → the plan's summary drawn, for a valid fleet of `agents` agents planned as
 * canaries against `server` (every agent new: a run-unique name prefix). Each round edits one
 * description (a new fleet, so a new plan), waits for "Valid", then clicks Review plan; timed
 * in the page from the click to the summary showing this fleet's creates. */
async function reviewPlan(page, server, { agents = 2000, rounds = 5 } = {}) {
  const u = `rp${Date.now().toString(36)}`;
  const yaml = fleetYaml(agents).replace(/name: agent-/g, `name: ${u}-agent-`).replace('name: policies', `name: ${u}-policies`).replace(/shared_blocks: \[policies\]/g, `shared_blocks: [${u}-policies]`);
  await page.goto(`${page.url().split('#')[0].split('?')[0]}?server=${encodeURIComponent(server)}#/fleet`);
  await settled(page);
  const count = await fetch(`${server}/v1/agents/count`).then((r) => r.json()).catch(() => null);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    await page.evaluate(() => { location.hash = '#/fleet'; });
    await page.waitForSelector('#diagnostics');
    // "Valid: 2,000" is already there from the previous round: wait for the editor's validation
    // of this round's text (it stamps data-check-ms), so the click is timed as it is after a
    // pause in typing. A click inside the 250 ms debounce validates first (parse + validate,
    // the diagnostics figure above).
    await page.evaluate(() => {
      window.__checked = false;
      window.__vo?.disconnect();
      window.__vo = new MutationObserver(() => { window.__checked = true; });
      window.__vo.observe(document.querySelector('#diagnostics'), { attributes: true, attributeFilter: ['data-check-ms'] });
    });
    await setText(page, yaml.replace('description: Bench agent 0', `description: Bench agent 0 round ${r}`), `Valid: ${agents} agents.`);
    await page.waitForFunction(() => window.__checked, null, { timeout: 60000 });
    await page.waitForFunction(() => !document.querySelector('#to-plan')?.disabled);
    const want = `${agents} to create`;
    times.push(await page.evaluate((want) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      const poll = () => {
        const s = document.querySelector('#plan-summary');
        if (s && s.textContent.includes(want)) return resolve(performance.now() - t0);
        const err = document.querySelector('main p.bad[role=alert]');
        if (err) return reject(new Error(`plan failed: ${err.textContent}`));
        if (performance.now() - t0 > 60000) return reject(new Error('no summary within 60 s'));
        requestAnimationFrame(poll);
      };
      document.querySelector('#to-plan').click();
      requestAnimationFrame(poll);
    }), want));
  }
  return { agents, rounds, serverAgents: count, median: median(times), max: Math.max(...times) };
}

function describe(k, d) {
  return [
    `keystroke, ${k.agents} agents (${k.lines} lines), ${k.count} keys: main-thread work median ${k.median.toFixed(1)} ms, p95 ${k.p95.toFixed(1)} ms, max ${k.max.toFixed(1)} ms ` +
      `(floor, a bare textarea with the same text: median ${k.floor.median.toFixed(1)} ms, p95 ${k.floor.p95.toFixed(1)} ms); ` +
      `keydown to a task after its frame, wall time: median ${k.wall.median.toFixed(1)} ms, p95 ${k.wall.p95.toFixed(1)} ms (floor ${k.floor.wall.median.toFixed(1)} / ${k.floor.wall.p95.toFixed(1)} ms); ` +
      `input-to-paint over 16 ms: ${k.over16}${k.over16 ? ` (slowest ${k.slowest} ms)` : ''} (floor ${k.floor.over16}); lines in the DOM: ${k.rows}`,
    `diagnostics, ${d.agents} agents (${(d.bytes / 1024).toFixed(0)} KB, an error in each), ${d.rounds} keystrokes: median ${d.median.toFixed(0)} ms, max ${d.max.toFixed(0)} ms after the debounce ` +
      `(parse + validate in wasm ${d.check.toFixed(0)} ms; ${d.rows} rows rendered)`,
  ];
}

async function main() {
  const { chromium } = require('playwright-core');
  const ROOT = path.resolve(__dirname, '..');
  // 8080: an origin the local server allows (the Review plan part talks to it), as bench-page.js.
  const PORT = Number(process.env.BENCH_APP_PORT || 8080);
  const DIST = process.env.BENCH_DIST || path.join(ROOT, 'dist');
  const app = spawn('node', [path.join(ROOT, 'scripts/serve.js'), DIST, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    app.stdout.once('data', resolve);
    app.once('exit', (c) => reject(new Error(`static server exited ${c}`)));
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${PORT}/#/fleet`);
    await settled(page);
    console.log('The fleet editor: per keystroke at 300 agents, edit to diagnostics at 2,000 agents');
    const k = await keystrokes(page);
    // The same keys at 2,000 agents (no budget: it shows the editor does not grow with the
    // fleet, where a <textarea> does).
    const k2 = await keystrokes(page, { agents: 2000 });
    const d = await diagnostics(page);
    for (const l of describe(k, d)) console.log(`  ${l}`);
    console.log(`  ${describe(k2, d)[0]}`);
    const budgets = [
      ['keystroke work median ≤ 16 ms (300 agents)', k.median <= 16],
      ['keystroke work p95 ≤ 16 ms (300 agents)', k.p95 <= 16],
      ['edit to diagnostics ≤ 300 ms (2,000 agents, debounce excluded)', d.median <= 300],
    ];
    // "Review plan" → summary at 2,000 agents: judged on an empty server (the budget's terms:
    // at most 20 agents, read whole); on a busier one the figure is printed, not judged.
    const server = process.env.LETTA_BASE_URL;
    let p = null;
    if (server) {
      p = await reviewPlan(page, server);
      console.log(`  Review plan → summary drawn, ${p.agents} agents as canaries, ${p.rounds} rounds: median ${p.median.toFixed(0)} ms, max ${p.max.toFixed(0)} ms (the server had ${p.serverAgents ?? '?'} agents)`);
      if (p.serverAgents !== null && p.serverAgents <= 20) budgets.push(['Review plan → summary ≤ 300 ms (2,000 agents, empty server)', p.median <= 300]);
      else console.log(`  budget: Review plan → summary ≤ 300 ms (2,000 agents, empty server): not judged (the server is not empty)`);
    }
    for (const [name, ok] of budgets) console.log(`  budget: ${name}: ${ok ? 'PASS' : 'FAIL'}`);
    fs.mkdirSync(path.join(ROOT, 'target'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'target/bench-editor.json'), JSON.stringify({ keystroke: k, keystroke_2000: k2, diagnostics: d, review_plan: p }, null, 2));
    if (budgets.some(([, ok]) => !ok)) process.exitCode = 1;
  } finally {
    await browser.close();
    app.kill();
  }
}

module.exports = { fleetYaml, settled, keystrokes, diagnostics, reviewPlan, describe, keyWork };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
