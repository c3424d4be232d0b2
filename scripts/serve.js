#!/usr/bin/env node
// Serves the built app (dist/) on 127.0.0.1 with correct MIME types; any unknown path gets
// index.html so that deep links (/plan, /chat…) load the app. No dependencies.
//
// Every answer carries the security headers a <meta> policy cannot give (frame-ancestors).
// FLEET_CANARY_CONNECT_SRC (space-separated origins, e.g. "http://127.0.0.1:8283
// https://api.letta.com") narrows which servers the page may talk to; by default any http(s)
// server, because the user chooses the Letta server in the page (see README, "Security").
const http = require('http');
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.argv[2] || 'dist');
const port = Number(process.argv[3] || 8080);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.yaml': 'text/yaml', '.ico': 'image/x-icon' };

const ORIGIN = /^(https?:\/\/[A-Za-z0-9.\-\[\]:*]+|'self')$/;
const narrowed = (process.env.FLEET_CANARY_CONNECT_SRC || '').split(/\s+/).filter(Boolean);
for (const o of narrowed) {
  if (!ORIGIN.test(o)) {
    console.error(`serve: FLEET_CANARY_CONNECT_SRC: "${o}" is not an origin like http://127.0.0.1:8283`);
    process.exit(1);
  }
}
const connectSrc = narrowed.length ? `'self' ${narrowed.join(' ')}` : "'self' http: https:";
const HEADERS = {
  'Content-Security-Policy': `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src ${connectSrc}; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

if (!fs.existsSync(path.join(root, 'index.html'))) {
  console.error(`serve: ${root}/index.html not found; build the app first (make build)`);
  process.exit(1);
}

function fail(res, status, text) {
  res.writeHead(status, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

// The file a URL path names: a file under root, index.html for anything else under root, or
// an error status for a path that cannot be decoded or leaves root.
function lookup(rawUrl) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, 'http://x').pathname);
  } catch {
    return { status: 400, text: 'Bad request: the path is not valid percent-encoding' };
  }
  if (pathname.includes('\0')) return { status: 400, text: 'Bad request: NUL in the path' };
  const file = path.join(root, pathname);
  // With the separator: "/srv/dist-other" starts with "/srv/dist" but is not inside it.
  if (file !== root && !file.startsWith(root + path.sep)) return { status: 404, text: 'Not found' };
  try {
    if (fs.statSync(file).isFile()) return { file };
  } catch { /* not there: the app's deep link */ }
  return { file: path.join(root, 'index.html') };
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return fail(res, 405, 'Method not allowed');
  }
  const found = lookup(req.url);
  if (!found.file) return fail(res, found.status, found.text);
  const { file } = found;
  const type = types[path.extname(file)] || 'application/octet-stream';
  const stream = fs.createReadStream(file);
  stream.once('error', () => fail(res, 500, 'Cannot read the file'));
  stream.once('open', () => {
    res.writeHead(200, { ...HEADERS, 'Content-Type': type, 'Cache-Control': file.endsWith('index.html') ? 'no-cache' : 'max-age=3600' });
    if (req.method === 'HEAD') { stream.destroy(); res.end(); } else stream.pipe(res);
  });
});
server.on('error', (e) => {
  console.error(`serve: cannot listen on 127.0.0.1:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`serving ${root} on http://127.0.0.1:${port}`));
