// Shared helpers of the JS package's tests (not a test file itself).
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const PKG = path.join(ROOT, 'core', 'pkg');
const BASE_URL = process.env.LETTA_BASE_URL || 'http://127.0.0.1:8283';
const MODEL = 'openai-proxy/canary-echo';
const EMBEDDING = 'openai/text-embedding-3-small';

/** A name no other test run (here or in a parallel session) uses. */
function unique(label) {
  return `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** Every object key in a value that is not camelCase; `metadata` objects hold user data. */
function snakeKeys(value, at = '$', out = []) {
  if (Array.isArray(value)) value.forEach((v, i) => snakeKeys(v, `${at}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/[_\s-]/.test(k) || /^[A-Z]/.test(k)) out.push(`${at}.${k}`);
      // Maps keyed by user data: metadata, file names, env/header/secret/variable names.
      const userKeyed = ['metadata', 'files', 'fileIds', 'env', 'customHeaders', 'set', 'vars'].includes(k) && v && !Array.isArray(v);
      if (!userKeyed) snakeKeys(v, `${at}.${k}`, out);
    }
  }
  return out;
}

function assertCamel(value, what) {
  assert.deepStrictEqual(snakeKeys(value), [], `${what}: every field that crosses to JS is camelCase`);
}

/** Direct REST calls, to read results back independently of the package. */
async function api(method, p, body) {
  const r = await fetch(`${BASE_URL}/v1${p}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function serverUp() {
  try {
    const r = await fetch(`${BASE_URL}/v1/health/`);
    return r.ok;
  } catch {
    return false;
  }
}

/** Fails with what to do when the shared dev server is not there (never skips). */
async function requireServer() {
  assert.ok(await serverUp(), `no Letta server answers at ${BASE_URL}; start one with \`make letta-up\` or set LETTA_BASE_URL`);
}

/**
 * Type-checks TypeScript sources with the pinned `tsc` (strict). `sources` maps file name →
 * text; files are written to a scratch folder. Returns tsc's output (empty when clean).
 */
function typecheck(sources) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-tsc-'));
  for (const [name, text] of Object.entries(sources)) fs.writeFileSync(path.join(dir, name), text);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(fs.existsSync(tsc), 'typescript is not installed: run `make setup` (npm ci)');
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node10',
    '--lib', 'es2022,dom', ...Object.keys(sources).map((n) => path.join(dir, n))];
  try {
    execFileSync(process.execPath, args, { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `const name: T.Type = <value>;` lines for `typecheck`, importing the package's types. */
function typedAnswers(answers) {
  const lines = [`import type * as T from ${JSON.stringify(path.join(PKG, 'canary_core'))};`];
  answers.forEach(([type, value], i) => lines.push(`export const a${i}: T.${type} = ${JSON.stringify(value, null, 1)};`));
  return lines.join('\n') + '\n';
}

module.exports = { ROOT, PKG, BASE_URL, MODEL, EMBEDDING, unique, snakeKeys, assertCamel, api, requireServer, typecheck, typedAnswers };
