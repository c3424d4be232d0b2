// Trunk post-build hook: moves the inline wasm loader script of index.html into boot.js so
// that the Content-Security-Policy can forbid inline scripts.
const fs = require('fs');
const path = require('path');
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) { console.error('csp-hook: TRUNK_STAGING_DIR is not set'); process.exit(1); }
const file = path.join(dir, 'index.html');
let html = fs.readFileSync(file, 'utf8');
// Matches the inline module script whether or not the minifier kept the attribute quotes.
const re = /<script type="?module"?(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g;
let n = 0;
html = html.replace(re, (_, body) => {
  n += 1;
  const name = n === 1 ? 'boot.js' : `boot${n}.js`;
  fs.writeFileSync(path.join(dir, name), body.trim() + '\n');
  return `<script type="module" src="/${name}"></script>`;
});
fs.writeFileSync(file, html);
console.log(`csp-hook: moved ${n} inline script(s) out of index.html`);
