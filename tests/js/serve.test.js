// Node tests of scripts/serve.js, the static server of `make run` and of the browser tests:
// a real server process on a free port, asked with raw HTTP requests (no URL clean-up on the
// way, so the paths arrive exactly as an attacker would send them).
const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const SERVE = path.resolve(__dirname, '../../scripts/serve.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
const dist = path.join(tmp, 'dist');
// A sibling whose name starts with the root's: "dist-other" begins with "dist".
const sibling = path.join(tmp, 'dist-other');
fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
fs.mkdirSync(sibling);
fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app</title>INDEX');
fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log("app")');
fs.writeFileSync(path.join(dist, 'app.wasm'), Buffer.from([0, 97, 115, 109]));
fs.writeFileSync(path.join(sibling, 'x'), 'SECRET OF THE SIBLING');
fs.writeFileSync(path.join(tmp, 'outside.txt'), 'SECRET OUTSIDE');

function start(env = {}) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const p = spawn('node', [SERVE, dist, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    p.stdout.once('data', () => resolve({ p, port, stderr: () => stderr }));
    p.once('exit', (c) => reject(new Error(`serve.js exited ${c}: ${stderr}`)));
  });
}

function get(port, rawPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let srv;
test.before(async () => { srv = await start(); });
test.after(() => { srv.p.kill(); fs.rmSync(tmp, { recursive: true, force: true }); });

test('serves files with their MIME type and deep links with index.html', async () => {
  const js = await get(srv.port, '/assets/app.js');
  assert.strictEqual(js.status, 200);
  assert.strictEqual(js.headers['content-type'], 'text/javascript');
  assert.strictEqual(js.body, 'console.log("app")');
  assert.strictEqual((await get(srv.port, '/app.wasm')).headers['content-type'], 'application/wasm');
  for (const p of ['/', '/plan', '/assets', '/no/such/file.js?x=1#y']) {
    const r = await get(srv.port, p);
    assert.strictEqual(r.status, 200, p);
    assert.match(r.body, /INDEX/, p);
    assert.strictEqual(r.headers['cache-control'], 'no-cache', p);
  }
});

test('a path that is not valid percent-encoding is a 400, and the server lives on', async () => {
  for (const p of ['/%', '/%E0%A4%A', '/a%zz']) {
    const r = await get(srv.port, p);
    assert.strictEqual(r.status, 400, p);
  }
  assert.strictEqual((await get(srv.port, '/assets/app.js')).status, 200, 'still serving');
  assert.strictEqual(srv.p.exitCode, null, `server died: ${srv.stderr()}`);
});

test('no path reaches a file outside the root, not even a sibling folder with the same start', async () => {
  for (const p of ['/..%2Fdist-other/x', '/..%2fdist-other%2fx', '/%2e%2e/dist-other/x', '/..%2Foutside.txt',
    '/assets/..%2F..%2Foutside.txt', '/..%5Coutside.txt', '/x%00.js']) {
    const r = await get(srv.port, p);
    assert.doesNotMatch(r.body, /SECRET/, p);
    assert.ok([400, 404].includes(r.status) || /INDEX/.test(r.body), `${p}: ${r.status}`);
  }
  assert.strictEqual((await get(srv.port, '/..%2Fdist-other/x')).status, 404);
});

test('every answer carries the security headers', async () => {
  for (const p of ['/', '/assets/app.js', '/%', '/..%2Fdist-other/x']) {
    const r = await get(srv.port, p);
    const csp = r.headers['content-security-policy'] || '';
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, p);
    assert.match(csp, /connect-src 'self' http: https:/, p);
    assert.strictEqual(r.headers['x-content-type-options'], 'nosniff', p);
    assert.strictEqual(r.headers['referrer-policy'], 'no-referrer', p);
  }
});

test('only GET and HEAD; HEAD sends no body', async () => {
  const post = await get(srv.port, '/', 'POST');
  assert.strictEqual(post.status, 405);
  assert.strictEqual(post.headers.allow, 'GET, HEAD');
  const head = await get(srv.port, '/assets/app.js', 'HEAD');
  assert.strictEqual(head.status, 200);
  assert.strictEqual(head.body, '');
});

test('FLEET_CANARY_CONNECT_SRC narrows connect-src, and a malformed value stops the server', async () => {
  const narrow = await start({ FLEET_CANARY_CONNECT_SRC: 'http://127.0.0.1:8283  https://api.letta.com' });
  try {
    const csp = (await get(narrow.port, '/')).headers['content-security-policy'];
    assert.match(csp, /connect-src 'self' http:\/\/127\.0\.0\.1:8283 https:\/\/api\.letta\.com;/);
    assert.doesNotMatch(csp, /http: https:/);
  } finally {
    narrow.p.kill();
  }
  await assert.rejects(start({ FLEET_CANARY_CONNECT_SRC: "http://a; script-src *" }), /not an origin/);
});
