#!/usr/bin/env node
// Builds the web app into dist/ (or DIST): cargo → wasm-split → wasm-bindgen → wasm-opt.
//
// Why not Trunk: the first load must stay small (issue 16: ≤ 300 KB gzip), so every view but
// the fleet editor is a split point (web/src/lazy.rs) and lives in its own wasm chunk. Splitting
// has to happen between the cargo build and wasm-bindgen (wasm-split-cli reads the linker's
// relocations, web/build.rs keeps them), a step Trunk has no place for. The pipeline is the one
// cargo-leptos runs for `--split`, without a server half.
//
// Output: dist/index.html (Content-Security-Policy, no inline script), and one folder named
// after the content hash of everything in it (app.js, app_bg.wasm, the chunks, their loader,
// boot.js, style.css), so a deploy never mixes the chunks of two builds and everything but
// index.html can be cached forever.
//
// Skips all of it when dist/ is newer than every input (`make run` twice does not rebuild);
// FORCE=1 rebuilds. Tools: cargo, wasm-split-cli, wasm-bindgen (make setup), wasm-opt (npm).
'use strict';
const { execFileSync, execFile } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.resolve(process.env.DIST || path.join(ROOT, 'dist'));
const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
const STAMP = path.join(DIST, '.build-stamp');
const DEBUG = process.env.DEBUG === '1';
const INPUTS = ['index.html', 'Cargo.toml', 'Cargo.lock', 'web', 'core/src', 'core/Cargo.toml', 'scripts/build.js', 'package-lock.json'];

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, e) => Math.max(m, newest(path.join(p, e))), st.mtimeMs);
}

function fresh() {
  if (process.env.FORCE === '1' || !fs.existsSync(STAMP)) return false;
  const built = fs.statSync(STAMP).mtimeMs;
  return INPUTS.every((i) => newest(path.join(ROOT, i)) < built);
}

function run(cmd, args, opts = {}) {
  try {
    execFileSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  } catch (e) {
    if (e.code === 'ENOENT') fail(`${cmd} is not installed: run \`make setup\``);
    fail(`${cmd} failed (exit ${e.status})`);
  }
}

/** wasm-opt on one file; resolves when done. */
function optimize(file) {
  const args = ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--strip-debug', '--strip-producers', file, '-o', file];
  return new Promise((resolve, reject) => {
    execFile('wasm-opt', args, { cwd: ROOT }, (err, _out, stderr) => {
      // wasm-opt does not know the name subsection the linker writes for data segments; that
      // section is stripped anyway, so its "unknown name subsection" warning is noise.
      const noise = /^warning: unknown name subsection with id \d+ at \d+$/;
      const rest = String(stderr).split('\n').filter((l) => l.trim() && !noise.test(l.trim()));
      if (rest.length) process.stderr.write(rest.join('\n') + '\n');
      if (err) reject(new Error(err.code === 'ENOENT' ? 'wasm-opt is not installed: run `make setup`' : `wasm-opt failed on ${path.basename(file)}`));
      else resolve();
    });
  });
}

/** The same -Oz pipeline through binaryen's API, for many small modules in one process. */
async function optimizeInProcess(files) {
  const { default: binaryen } = await import(require('url').pathToFileURL(path.join(ROOT, 'node_modules/binaryen/index.js')).href);
  // Let wasm-opt's own child run first: this loop is synchronous CPU work.
  await new Promise((r) => setTimeout(r, 50));
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  binaryen.setDebugInfo(false);
  // The same noise as in optimize(), printed by binaryen through this process's stderr.
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk, ...rest) => (/unknown name subsection/.test(String(chunk)) ? true : write(chunk, ...rest));
  try {
    for (const file of files) optimizeOne(binaryen, file);
  } finally {
    process.stderr.write = write;
  }
}

function optimizeOne(binaryen, file) {
  const module = binaryen.readBinary(fs.readFileSync(file));
  try {
    module.setFeatures(module.getFeatures() | binaryen.Features.BulkMemory | binaryen.Features.NontrappingFPToInt);
    module.optimize();
    module.runPasses(['strip-debug', 'strip-producers']);
    fs.writeFileSync(file, module.emitBinary());
  } finally {
    module.dispose();
  }
}

function sri(buf) {
  return 'sha384-' + crypto.createHash('sha384').update(buf).digest('base64');
}

/**
 * @codemirror/commands builds an `Intl.Segmenter` for words when it loads, for one case of
 * Ctrl+Alt+arrow (moving by sub-word through CJK text). On a cold page Chromium takes 10–21 ms
 * to build one (its ICU word-break data), all of it on the main thread before the editor can
 * mount. This rewrites the module so the segmenter is built the first time that move needs it.
 * If an upgrade changes the code, the build says so and keeps the module as it is.
 */
const lazySegmenter = {
  name: 'lazy-segmenter',
  setup(b) {
    b.onLoad({ filter: /[\\/]@codemirror[\\/]commands[\\/]dist[\\/]index\.js$/ }, (args) => {
      const src = fs.readFileSync(args.path, 'utf8');
      const eager = /const segmenter = (typeof Intl != "undefined" && Intl\.Segmenter \?\s*\/\*@__PURE__\*\/new \(Intl\.Segmenter\)\(undefined, \{ granularity: "word" \}\) : null);/;
      const uses = ['if (segmenter && ', 'segmenter.segment('];
      if (!eager.test(src) || !uses.every((u) => src.includes(u))) {
        return { contents: src, loader: 'js', warnings: [{ text: 'lazy-segmenter: @codemirror/commands changed; its word segmenter is built at load again (update scripts/build.js)' }] };
      }
      const contents = src
        .replace(eager, 'let segmenterMade;\nconst segmenter = () => segmenterMade === undefined ? (segmenterMade = $1) : segmenterMade;')
        .replace(uses[0], 'if (segmenter() && ')
        .replace(uses[1], 'segmenter().segment(');
      return { contents, loader: 'js' };
    });
  },
};

async function main() {
  if (fresh()) {
    console.log(`build: ${path.relative(ROOT, DIST) || DIST} is up to date (FORCE=1 rebuilds)`);
    return;
  }
  run('cargo', ['build', '-p', 'canary-web', '--release', '--target', 'wasm32-unknown-unknown', '--locked']);
  const input = path.join(TARGET, 'wasm32-unknown-unknown/release/canary-web.wasm');

  const stage = fs.mkdtempSync(path.join(require('os').tmpdir(), 'fleet-canary-build-'));
  try {
    // 1. Split at the #[wasm_split] points: app.wasm (the main module, still to be bound) plus
    //    chunks and __wasm_split.js, their loader, which imports initSync from ./app.js.
    run('wasm-split-cli', [input, stage, '--target', 'web', '--out-name', 'app']);
    // 2. Bind the main module; the chunks import from it through the exports it keeps.
    const bound = path.join(stage, 'bound');
    run('wasm-bindgen', ['--target', 'web', '--keep-lld-exports', '--no-demangle', '--no-typescript', ...(DEBUG ? ['--keep-debug'] : []), '--out-dir', bound, '--out-name', 'app', path.join(stage, 'app.wasm')]);
    fs.rmSync(path.join(stage, 'app.wasm'));
    for (const f of fs.readdirSync(bound)) fs.renameSync(path.join(bound, f), path.join(stage, f));
    fs.rmdirSync(bound);
    // 3. Optimise every module for size.
    const wasm = fs.readdirSync(stage).filter((f) => f.endsWith('.wasm')).map((f) => path.join(stage, f));
    // DEBUG=1 keeps names and skips wasm-opt: stack traces name Rust functions. The main
    // module goes through the wasm-opt command while the chunks are optimised here, in one
    // process: binaryen is a 10 MB JS/wasm program, and starting it once per chunk (dozens of
    // them) cost five times the CPU.
    if (!DEBUG) {
      const main = path.join(stage, 'app_bg.wasm');
      await Promise.all([optimize(main), optimizeInProcess(wasm.filter((f) => f !== main))]);
    }

    // 4. One pack per view (its chunk and every chunk it needs, in one file), so the view the
    //    page opens on arrives in one request, fetched while the main module compiles.
    writePacks(stage);
    // 5. The boot script (no inline script under the CSP) and the style sheet.
    fs.writeFileSync(path.join(stage, 'boot.js'), [
      "import { openingPack } from './packs.js';",
      "import init from './app.js';",
      '// The opening view\'s code is fetched alongside the main module, not after it started.',
      'const view = openingPack(location.hash);',
      '// The fleet editor (CodeMirror, editor.js): imported once, by the Fleet view or right here',
      '// when the page opens on it.',
      'let editor;',
      "globalThis.__fleetEditor = () => (editor ??= import('./editor.js'));",
      "if (view === 'fleet') globalThis.__fleetEditor().catch(() => {});",
      '// The first paint (at most 500 ms away): the fleet editor mounts CodeMirror after it, so',
      '// that its mount does not slow down the frame that first shows the text; once it is',
      '// past, `__painted` says so and an editor opened later mounts CodeMirror at once.',
      'globalThis.__firstPaint = new Promise((resolve) => {',
      '  setTimeout(resolve, 500);',
      '  try {',
      "    new PerformanceObserver((l, o) => { if (l.getEntriesByName('first-contentful-paint').length) { o.disconnect(); resolve(); } }).observe({ type: 'paint', buffered: true });",
      '  } catch { resolve(); }',
      '}).then(() => { globalThis.__painted = true; });',
      "await init({ module_or_path: new URL('./app_bg.wasm', import.meta.url) });",
      '',
    ].join('\n'));
    // 6. The fleet editor: CodeMirror and web/editor/editor.js in one minified ES module.
    try {
      await require('esbuild').build({
        entryPoints: [path.join(ROOT, 'web/editor/editor.js')], bundle: true, format: 'esm', minify: !DEBUG,
        target: 'es2022', outfile: path.join(stage, 'editor.js'), logLevel: 'warning', legalComments: 'none',
        plugins: [lazySegmenter],
      });
    } catch (e) {
      fail(`esbuild: ${e.message} (run \`make setup\` if esbuild is missing)`);
    }
    fs.copyFileSync(path.join(ROOT, 'web/style.css'), path.join(stage, 'style.css'));

    // 7. Name the folder after its content, then write index.html pointing into it.
    const files = fs.readdirSync(stage).sort();
    const h = crypto.createHash('sha256');
    for (const f of files) h.update(f).update(fs.readFileSync(path.join(stage, f)));
    const dir = 'app-' + h.digest('hex').slice(0, 12);
    // The previous build's folder stays: a tab opened on it still finds its chunks.
    fs.mkdirSync(DIST, { recursive: true });
    const old = fs.readdirSync(DIST).filter((f) => f !== dir && /^app-[0-9a-f]{12}$/.test(f))
      .map((f) => ({ f, t: fs.statSync(path.join(DIST, f)).mtimeMs })).sort((x, y) => y.t - x.t);
    for (const { f } of old.slice(1)) fs.rmSync(path.join(DIST, f), { recursive: true, force: true });
    for (const f of fs.readdirSync(DIST)) {
      if (!/^app-[0-9a-f]{12}$/.test(f)) fs.rmSync(path.join(DIST, f), { recursive: true, force: true });
    }
    fs.rmSync(path.join(DIST, dir), { recursive: true, force: true });
    fs.cpSync(stage, path.join(DIST, dir), { recursive: true });

    const read = (f) => fs.readFileSync(path.join(DIST, dir, f));
    const template = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
    const head = [
      `<link rel="stylesheet" href="/${dir}/style.css" integrity="${sri(read('style.css'))}">`,
      // Every module of the boot graph, so none waits for the one importing it to arrive.
      ...['app.js', 'packs.js', '__wasm_split.js'].map((f) => `<link rel="modulepreload" href="/${dir}/${f}" integrity="${sri(read(f))}">`),
      `<link rel="preload" href="/${dir}/app_bg.wasm" as="fetch" type="application/wasm" crossorigin>`,
      `<script type="module" src="/${dir}/boot.js" integrity="${sri(read('boot.js'))}"></script>`,
    ].join('\n  ');
    if (!template.includes('</head>')) fail('index.html: no </head> to put the assets before');
    const html = template.replace('</head>', `  ${head}\n</head>`);
    fs.writeFileSync(path.join(DIST, 'index.html'), html);
    fs.writeFileSync(STAMP, '');
    report(path.join(DIST, dir));
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Views' packs: each view's chunk and the chunks it depends on, concatenated into
 * `view_<name>.pack`, with `packs.js` listing where each module sits. Chromium spends several
 * milliseconds of CPU on every request (~13 ms each on loopback on a 2-core machine), and a
 * view needs ~40 modules: fetched one by one, they cost the opening view ~250-400 ms. The
 * loader (`__wasm_split.js`) asks `packs.js` for each module: compiled from the opening view's
 * pack when boot.js started one (the compiling overlaps the main module's start), else by its
 * own URL (views opened later, and a pack that failed to arrive).
 */
function writePacks(stage) {
  const loaderFile = path.join(stage, '__wasm_split.js');
  let loader = fs.readFileSync(loaderFile, 'utf8');
  const fetchOf = /fetch\(new URL\("\.\/([^"]+\.wasm)", import\.meta\.url\)\)/g;
  const chunks = new Map();
  for (const m of loader.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"/g)) chunks.set(m[1], m[2]);
  const views = [...loader.matchAll(/export const __wasm_split_load_view_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"[\s\S]*?\n, \[([^\]]*)\]\)\);/g)];
  const loads = [...loader.matchAll(fetchOf)].length;
  if (!views.length || loads !== views.length + chunks.size) {
    fail(`__wasm_split.js: found ${views.length} views and ${chunks.size} chunks for ${loads} fetches; wasm-split-cli's loader changed, scripts/build.js must learn its new shape`);
  }
  const manifest = {};
  for (const [, view, own, deps] of views) {
    const files = [own, ...deps.split(',').map((d) => d.trim()).filter(Boolean).map((d) => {
      if (!chunks.has(d)) fail(`__wasm_split.js: view ${view} needs ${d}, which has no file`);
      return chunks.get(d);
    })];
    const parts = {};
    let offset = 0;
    const bytes = files.map((f) => {
      const b = fs.readFileSync(path.join(stage, f));
      parts[f] = [offset, b.length];
      offset += b.length;
      return b;
    });
    const file = `view_${view}.pack`;
    fs.writeFileSync(path.join(stage, file), Buffer.concat(bytes));
    manifest[view] = { file, parts };
  }
  fs.writeFileSync(path.join(stage, 'packs.js'), `// Written by scripts/build.js: where each view's modules sit in its pack.
const PACKS = ${JSON.stringify(manifest)};
const opened = [];

/**
 * Starts fetching the pack of the view a location hash opens (as Route::from_hash reads it),
 * compiles its modules as soon as it lands, while the main module is still starting; returns
 * the view (null for the connection form, which is in the main module).
 */
export function openingPack(hash) {
  const slug = hash.replace(/^#/, '').replace(/^[/]/, '').split(/[?/]/)[0];
  const view = PACKS[slug] ? slug : (slug === 'connect' ? null : 'fleet');
  if (!view) return null;
  const { file, parts } = PACKS[view];
  const bytes = fetch(new URL(file, import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(\`\${file}: \${r.status}\`);
    return r.arrayBuffer();
  });
  const modules = {};
  for (const [name, [offset, length]] of Object.entries(parts)) {
    modules[name] = bytes.then((b) => WebAssembly.compile(new Uint8Array(b, offset, length)));
    modules[name].catch(() => {});
  }
  opened.push(modules);
  return view;
}

/** A module: compiled out of the opened pack that has it, else fetched by its own URL. */
export function part(file, url) {
  const pack = opened.find((m) => m[file]);
  return pack ? pack[file].catch(() => fetch(url)) : fetch(url);
}

/** Instantiates what \`part\` gave: a compiled module, or a response to compile as it streams. */
export async function instantiate(source, imports) {
  const s = await source;
  if (s instanceof WebAssembly.Module) return { module: s, instance: await WebAssembly.instantiate(s, imports) };
  return WebAssembly.instantiateStreaming(s, imports);
}
`);
  const streams = [...loader.matchAll(/WebAssembly\.instantiateStreaming\(src, imports\)/g)].length;
  if (streams !== loads) fail(`__wasm_split.js: ${streams} instantiations for ${loads} fetches; scripts/build.js must learn the loader's new shape`);
  loader = "import { part, instantiate } from './packs.js';\n" + loader
    .replace(fetchOf, (_, f) => `part("${f}", new URL("./${f}", import.meta.url))`)
    .replace(/WebAssembly\.instantiateStreaming\(src, imports\)/g, 'instantiate(src, imports)');
  fs.writeFileSync(loaderFile, loader);
}

/** Prints what the first load costs (raw, gzip, brotli), what loads later, and the packs. */
function report(dir) {
  const first = ['app_bg.wasm', 'app.js', 'boot.js', 'packs.js', '__wasm_split.js', 'style.css'];
  const size = (files) => files.reduce((s, f) => {
    const b = fs.readFileSync(path.join(dir, f));
    return { raw: s.raw + b.length, gz: s.gz + zlib.gzipSync(b, { level: 9 }).length, br: s.br + zlib.brotliCompressSync(b).length };
  }, { raw: 0, gz: 0, br: 0 });
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  const a = size(first);
  const all = fs.readdirSync(dir);
  const later = all.filter((f) => !first.includes(f) && !f.endsWith('.pack'));
  const b = size(later);
  const fleet = size(['view_fleet.pack']);
  console.log(`build: ${path.relative(ROOT, dir)}`);
  console.log(`build: first load ${kb(a.raw)} raw, ${kb(a.gz)} gzip, ${kb(a.br)} brotli (${first.join(', ')})`);
  console.log(`build: on demand  ${kb(b.raw)} raw, ${kb(b.gz)} gzip, ${kb(b.br)} brotli (${later.length} files: the views' chunks and the editor)`);
  const ed = size(['editor.js']);
  console.log(`build: the editor (editor.js, CodeMirror) ${kb(ed.raw)} raw, ${kb(ed.gz)} gzip, ${kb(ed.br)} brotli (with the Fleet view)`);
  console.log(`build: opening packs ${all.filter((f) => f.endsWith('.pack')).length} (the same chunks, one file per view; the Fleet view's: ${kb(fleet.raw)} raw, ${kb(fleet.gz)} gzip)`);
}

main().catch((e) => fail(e.message));
