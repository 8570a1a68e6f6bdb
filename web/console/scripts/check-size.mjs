// The console's size budget (issue 14): the shell, what index.html loads before the first
// screen (its scripts, module preloads and stylesheets, and the modules they import
// statically), at most 250 KB gzip; every other file at most 300 KB gzip.
//
//   node scripts/check-size.mjs [DIST]      exit 0 within budget, 1 over it, 2 no build
//
// Prints one line per file and the shell's total (KB = 1000 bytes, gzip level 9).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const SHELL_LIMIT = 250_000;
const CHUNK_LIMIT = 300_000;
const dist = resolve(process.argv[2] || 'dist');
if (!existsSync(join(dist, 'index.html'))) {
  console.error(`check-size: no build at ${dist} (npm run build)`);
  process.exit(2);
}
const gz = (name) => gzipSync(readFileSync(join(dist, name)), { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

// What index.html loads, then the static imports of those scripts, transitively.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const shell = new Set();
for (const m of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) shell.add(m[1]);
const queue = [...shell].filter((n) => n.endsWith('.js'));
while (queue.length) {
  const js = readFileSync(join(dist, queue.pop()), 'utf8');
  // Static imports only (`import {a} from "./x.js"`, `import "./x.js"`), not import("./x.js").
  for (const m of js.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},*\s]+from\s*)?["']\.\/([^"']+)["']/g)) {
    if (!shell.has(m[1])) {
      shell.add(m[1]);
      if (m[1].endsWith('.js')) queue.push(m[1]);
    }
  }
}

let failed = false;
let shellTotal = 0;
for (const name of readdirSync(dist).sort()) {
  const size = gz(name);
  const inShell = shell.has(name);
  if (inShell) shellTotal += size;
  const over = size > CHUNK_LIMIT;
  failed ||= over;
  console.log(`${over ? 'OVER ' : ''}${name}: ${kb(size)} gzip${inShell ? ' (shell)' : ''}`);
}
const shellOver = shellTotal > SHELL_LIMIT;
failed ||= shellOver;
console.log(`${shellOver ? 'OVER ' : ''}shell: ${kb(shellTotal)} gzip of ${kb(SHELL_LIMIT)}; ` +
  `largest file limit ${kb(CHUNK_LIMIT)}`);
process.exit(failed ? 1 : 0);
