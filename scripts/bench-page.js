// `make bench`, the page against a browser floor (issue 16 item 1): canary deploy, promote and
// cleanup of a 50-agent fleet through the release app in headless Chromium, each paired in the
// same round with the same bare requests issued from the same page (fetch, 6 in flight, CORS
// preflights included). Ratios are per round (ours / floor of that round), medians reported.
// Preflights happen on both sides but are not counted: Chromium sends them from its network
// service, and Playwright reports no request for them. Budget: each ≤ 1.2× the floor. Exits 1 when a budget fails. Writes target/bench-page.json.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { chromium } = require('playwright-core');
const { fillEditor } = require('../tests/e2e/support.js');

const ROOT = path.resolve(__dirname, '..');
const SERVER = process.env.LETTA_BASE_URL || 'http://127.0.0.1:8283';
// An origin the server allows (scripts/letta.sh ACCEPTABLE_ORIGINS): `make run`'s port.
const PORT = Number(process.env.BENCH_APP_PORT || 8080);
const APP = `http://127.0.0.1:${PORT}`;
const DIST = process.env.BENCH_DIST || path.join(ROOT, 'dist');
const AGENTS = Number(process.env.BENCH_PAGE_AGENTS || 50);
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS || 3);
const BUDGET = 1.2;
const MODEL = 'openai-proxy/canary-echo';
const EMBEDDING = 'openai/text-embedding-3-small';
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

function fleetYaml(u) {
  const prompt = 'You are a careful support agent. Answer briefly and precisely. '.repeat(16);
  let y = `shared_blocks:\n  - name: policies_${u}\n    description: Policies\n    limit: 2000\n    value: Be kind.\n    agent_owned: false\nagents:\n`;
  for (let i = 0; i < AGENTS; i++) {
    y += `  - name: page-${u}-${i}\n    description: Bench agent ${i}\n    system_prompt:\n      value: "${prompt}"\n    llm_config: {model: ${MODEL}, context_window: 16000}\n    embedding: ${EMBEDDING}\n    tools: []\n    shared_blocks: [policies_${u}]\n    memory_blocks:\n      - {name: persona, description: Who, limit: 500, value: I am agent ${i}., agent_owned: true}\n      - {name: notes, description: Notes, limit: 500, value: Notes of ${i}., agent_owned: false}\n    tags: [bench, group-${i % 5}]\n`;
  }
  return { yaml: y, prompt };
}

async function api(method, p, body) {
  const r = await fetch(`${SERVER}/v1${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!r.ok && r.status !== 404) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  const t = await r.text();
  return t ? JSON.parse(t) : null;
}

function serve() {
  const p = spawn('node', [path.join(ROOT, 'scripts/serve.js'), DIST, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout.once('data', () => resolve(p));
    p.once('exit', (c) => reject(new Error(`static server exited ${c}`)));
  });
}

async function go(page, view) {
  await page.evaluate((v) => { location.hash = `/${v}`; }, view);
  await page.waitForFunction((v) => document.querySelector('a.tab.active')?.getAttribute('href') === `#/${v}`, view);
}

async function planShows(page, text) {
  await page.waitForFunction((t) => !document.querySelector('#stale') && document.querySelector('#plan-summary')?.textContent.includes(t), text, { timeout: 120000 });
}

// Clicks Confirm and measures, in the page, until the run's report (or error) is drawn.
async function timedRun(page) {
  await go(page, 'run');
  await page.waitForSelector('#confirm:not([disabled])', { timeout: 60000 });
  const ms = await page.evaluate(() => new Promise((resolve) => {
    const t = performance.now();
    const done = () => document.querySelector('#result, #run-error');
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(performance.now() - t); } });
    obs.observe(document.body, { childList: true, subtree: true });
    document.querySelector('#confirm').click();
  }));
  const err = await page.$('#run-error');
  if (err) throw new Error(`run failed: ${await err.textContent()}`);
  return ms / 1000;
}

// The floor: requests issued by the page itself, 6 in flight (what the page's own pool does).
async function pageRequests(page, requests) {
  return page.evaluate(async ({ server, requests }) => {
    const out = new Array(requests.length);
    let next = 0;
    const t = performance.now();
    async function worker() {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i];
        const res = await fetch(`${server}/v1${r.path}`, { method: r.method, headers: r.body ? { 'content-type': 'application/json' } : {}, body: r.body ? JSON.stringify(r.body) : undefined });
        out[i] = res.ok ? (r.method === 'POST' ? await res.json() : null) : { error: res.status };
      }
    }
    await Promise.all(Array.from({ length: 6 }, worker));
    return { secs: (performance.now() - t) / 1000, out };
  }, { server: SERVER, requests });
}

function createBodies(u, prompt, sharedId, tag) {
  return Array.from({ length: AGENTS }, (_, i) => ({
    method: 'POST', path: '/agents/', body: {
      name: `F${tag}-page-${u}-${i}`, description: `Bench agent ${i}`, system: prompt, model: MODEL, context_window_limit: 16000, embedding: EMBEDDING,
      include_base_tools: true, reasoning: true,
      memory_blocks: [{ label: 'persona', value: `I am agent ${i}.`, limit: 500, description: 'Who' }, { label: 'notes', value: `Notes of ${i}.`, limit: 500, description: 'Notes' }],
      block_ids: [sharedId], tags: ['bench', `group-${i % 5}`],
      metadata: { 'lettactl.canary': true, 'lettactl.canary.prefix': 'F-', 'lettactl.canary.productionName': `page-${u}-${i}` },
    },
  }));
}

function ownBlocks(agent, sharedId) {
  const blocks = agent.blocks?.length ? agent.blocks : (agent.memory?.blocks || []);
  return blocks.map((b) => b.id).filter((id) => id !== sharedId);
}

async function main() {
  const app = await serve();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${APP}/?server=${encodeURIComponent(SERVER)}#/connect`);
  await page.waitForFunction(() => document.querySelector('#health')?.textContent.includes('healthy'), null, { timeout: 30000 });
  const rounds = [];
  console.log(`The page against the browser floor: ${AGENTS}-agent fleet, ${ROUNDS} rounds, ours and the floor interleaved in each`);
  for (let r = 0; r < ROUNDS; r++) {
    const u = `${Date.now() % 1e8}${r}`;
    const prefix = `P${u}-`;
    const { yaml, prompt } = fleetYaml(u);
    await go(page, 'fleet');
    await fillEditor(page, yaml);
    await page.waitForFunction((k) => document.querySelector('#diagnostics')?.textContent.includes(`Valid: ${k} agent${k === 1 ? '' : 's'}.`), AGENTS, { timeout: 60000 });
    const shared = await api('POST', '/blocks/', { label: `floor_${u}`, value: 'Be kind.', limit: 2000 });
    const round = {};

    // Canary deploy through the page, then the bare creates from the page.
    await go(page, 'plan');
    await page.selectOption('#mode', 'canary');
    await page.fill('#prefix', prefix);
    await page.dispatchEvent('#prefix', 'change');
    await planShows(page, `${AGENTS} to create`);
    await page.click('#to-execute');
    round.deploy = await timedRun(page);
    const created = await pageRequests(page, createBodies(u, prompt, shared.id, `c${r}`));
    round.floor_create = created.secs;

    // Promote (gate overridden: no suite in a benchmark), paired with a second floor create.
    await go(page, 'plan');
    await page.selectOption('#mode', 'promote');
    await planShows(page, `${AGENTS} to create`);
    await page.check('#gate-override');
    await page.fill('#gate-reason', 'benchmark, no suite');
    await page.waitForFunction(() => document.querySelector('#gate-decision')?.dataset.decision === 'overridden', null, { timeout: 30000 });
    await page.click('#to-execute');
    round.promote = await timedRun(page);
    const created2 = await pageRequests(page, createBodies(u, prompt, shared.id, `p${r}`));
    round.floor_create2 = created2.secs;

    // Cleanup of the canaries through the page, then the bare deletes of the floor's agents
    // (each agent and its two own blocks, every URL distinct, so each has its own preflight).
    await go(page, 'plan');
    await page.selectOption('#mode', 'cleanup');
    await page.fill('#prefix', prefix);
    await page.dispatchEvent('#prefix', 'change');
    await planShows(page, 'to delete');
    await page.click('#to-execute');
    round.cleanup = await timedRun(page);
    const deletes = created.out.filter((a) => a && a.id).flatMap((a) => [
      ...ownBlocks(a, shared.id).map((b) => ({ method: 'DELETE', path: `/blocks/${b}` })),
      { method: 'DELETE', path: `/agents/${a.id}` },
    ]);
    round.floor_delete = (await pageRequests(page, deletes)).secs;
    round.floor_delete_requests = deletes.length;

    // Tidy (not timed): the second floor batch, the promoted production agents, their blocks.
    const tidy = created2.out.filter((a) => a && a.id).flatMap((a) => [...ownBlocks(a, shared.id).map((b) => `/blocks/${b}`), `/agents/${a.id}`]);
    for (let i = 0; i < AGENTS; i++) {
      for (const a of await api('GET', `/agents/?name=page-${u}-${i}&include=agent.blocks`)) {
        tidy.push(...(a.blocks || []).map((b) => `/blocks/${b.id}`), `/agents/${a.id}`);
      }
    }
    for (const p of tidy) await api('DELETE', p);
    await api('DELETE', `/blocks/${shared.id}`);

    round.ratio_deploy = round.deploy / round.floor_create;
    round.ratio_promote = round.promote / round.floor_create2;
    round.ratio_cleanup = round.cleanup / round.floor_delete;
    rounds.push(round);
    console.log(`round ${r + 1}: deploy ${round.deploy.toFixed(2)} s vs floor ${round.floor_create.toFixed(2)} s (${round.ratio_deploy.toFixed(2)}x) | promote ${round.promote.toFixed(2)} s vs ${round.floor_create2.toFixed(2)} s (${round.ratio_promote.toFixed(2)}x) | cleanup ${round.cleanup.toFixed(2)} s vs floor ${round.floor_delete.toFixed(2)} s, ${round.floor_delete_requests} deletes (${round.ratio_cleanup.toFixed(2)}x)`);
  }
  await browser.close();
  app.kill();
  const med = (k) => median(rounds.map((x) => x[k]));
  const out = { agents: AGENTS, rounds, medians: { deploy: med('deploy'), promote: med('promote'), cleanup: med('cleanup'), floor_create: med('floor_create'), floor_delete: med('floor_delete'), ratio_deploy: med('ratio_deploy'), ratio_promote: med('ratio_promote'), ratio_cleanup: med('ratio_cleanup') } };
  fs.writeFileSync(path.join(ROOT, 'target/bench-page.json'), JSON.stringify(out, null, 2));
  console.log('\nBudgets (the page, paired ratios per round, medians):');
  let ok = true;
  for (const [k, label] of [['ratio_deploy', 'canary deploy'], ['ratio_promote', 'promote'], ['ratio_cleanup', 'cleanup']]) {
    const v = out.medians[k];
    const pass = v <= BUDGET;
    ok = ok && pass;
    console.log(`  ${`${label} in the page / the page's bare requests (<= ${BUDGET}x)`.padEnd(58)} ${`${v.toFixed(2)}x`.padStart(10)}  ${pass ? 'PASS' : 'FAIL'}`);
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
