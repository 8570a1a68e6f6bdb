// The harness of the console's browser tests (console.test.mjs, kb.test.mjs, ...): `zhixian serve`
// on 127.0.0.1 port 0 with a fresh data directory and users made with the CLI, Debian's
// Chromium headless driven by playwright-core in a 1366×768 window, and the checks of every
// screen (no CSP violation, no console error, no axe-core WCAG 2 A/AA violation, a screenshot).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const BINARY = resolve(ROOT, process.env.ZX_BINARY || 'build/zhixian');
export const CHROMIUM = process.env.ZX_CHROMIUM || '/usr/bin/chromium';
export const ARTEFACTS = resolve(ROOT, process.env.ZX_ARTEFACTS || 'build/console-artefacts');
export const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const STEP_MS = 15000;
export const PASSWORD = 'Console-Test-Passw0rd!';
export let server; // { proc, base, data, xdg, config }
export let browser;

export function cli(args, input) {
  const config = server.config ? ['--config', server.config] : [];
  const r = spawnSync(BINARY, [...args, '--data', server.data, ...config], {
    cwd: ROOT, input, timeout: 30000,
    env: { ...process.env, XDG_CONFIG_HOME: server.xdg, ...(server.env || {}) },
  });
  if (r.status !== 0) throw new Error(`zhixian ${args.join(' ')}: ${r.stderr}`);
  return String(r.stdout) + String(r.stderr);
}

// A database of its own for a second deployment of one test run on PostgreSQL (the _pg twins,
// tests/with_postgres.py: a schema named after the run's, dropped with it); {} on SQLite, where
// every data directory has its own.
function freshDatabase() {
  const base = process.env.ZX_IT_POSTGRES_URL;
  const run = process.env.ZX_IT_POSTGRES_SCHEMA;
  if (!base || !run) return {};
  const name = `${run}_${process.pid}_${Date.now() % 1e8}`;
  const r = spawnSync('psql', [base, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE SCHEMA ${name}`],
    { timeout: 30000 });
  if (r.status !== 0) throw new Error(`psql: CREATE SCHEMA ${name}: ${r.stderr}`);
  return { ZHIXIAN_DATABASE_URL: `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${name}` };
}

// `env`: more environment for the server (ZHIXIAN_* overrides of its configuration); `sip`:
// its --sip address ('off': no telephony; '127.0.0.1:0' for a test that places calls); `demo`:
// days of `zhixian demo seed` activity in the data directory before the start (0: none);
// `fresh`: a database of its own on PostgreSQL too (a second server of one test file); `config`:
// the text of a TOML configuration file (e.g. [[llm.engines]], which the environment cannot
// give), written to <root>/zhixian.toml and passed with --config to every zhixian run for it.
export function startServer(users, env = {}, { sip = 'off', demo = 0, fresh = false, config = '' } = {}) {
  if (process.env.ZX_TEST_BASE) { // a server already running (for working on the console)
    server = { base: process.env.ZX_TEST_BASE, data: process.env.ZX_TEST_DATA,
      xdg: process.env.XDG_CONFIG_HOME };
    return server;
  }
  // The key file lives outside the data directory (the server insists).
  const root = mkdtempSync(join(tmpdir(), 'zx-console-'));
  const data = join(root, 'data');
  mkdirSync(data);
  server = { root, data, xdg: join(root, 'xdg'), env: fresh ? freshDatabase() : {} };
  if (config) {
    server.config = join(root, 'zhixian.toml');
    writeFileSync(server.config, config);
  }
  for (const [name, role] of users) cli(['user', 'add', name, '--role', role], PASSWORD + '\n');
  if (demo > 0) cli(['demo', 'seed', '--days', String(demo)]);
  const proc = spawn(BINARY, ['serve', '--http', '127.0.0.1:0', '--sip', sip, '--data', data,
    ...(server.config ? ['--config', server.config] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ZHIXIAN_LOG_LEVEL: 'info', XDG_CONFIG_HOME: server.xdg, ...server.env, ...env },
  });
  server.proc = proc;
  let log = '';
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error('zhixian serve did not get ready in 30 s:\n' + log.slice(-4000)));
    }, 30000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      if (log.length > 1 << 20) log = log.slice(-(1 << 19));
      const m = log.match(/serve\.ready http=(http:\/\/[\d.]+:\d+)/);
      if (m && !server.base) {
        clearTimeout(timer);
        server.base = m[1];
        server.log = () => log;
        ready(server);
      }
    });
    proc.on('exit', (code, signal) => {
      if (!server.base) {
        clearTimeout(timer);
        fail(new Error(`zhixian serve exited (${code ?? signal}) before ready:\n${log.slice(-4000)}`));
      }
    });
  });
}

export async function stopServer() {
  if (!server || !server.proc) return;
  const { proc, root } = server;
  if (proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timeout = new Promise((r) => setTimeout(r, 10000, 'timeout'));
    if ((await Promise.race([exited, timeout])) === 'timeout') proc.kill('SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
}

// Whether the server has the route (405 for another method; 404 when unknown).
export async function hasRoute(path) {
  const r = await fetch(server.base + path, { method: 'PATCH' });
  return r.status !== 404;
}

// RFC 6238 (SHA-1, 6 digits, 30 s) of a base32 secret: what an authenticator app shows.
export function totp(secret, atMs = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30000)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// A 1366×768 page that records CSP violations, console errors and page errors. `allow`:
// patterns of console errors a test expects (e.g. the 401 of a wrong password).
export async function openPage() {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ` +
        `(${e.sourceFile || ''}:${e.lineNumber || ''}) ${e.sample || ''}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = `${m.type()}: ${m.text()} ${m.location().url || ''}`;
    if (m.type() === 'warning' && !/Content Security Policy|\[Vue warn\]|ElementPlus/i.test(text)) return;
    if (allowed.some((re) => re.test(text))) return;
    problems.push(text);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.base)) problems.push('request off the server: ' + r.url());
  });
  const allow = (re) => allowed.push(re);
  return { context, page, problems, allow };
}

// The checks of every screen: no CSP violation, no console error, no axe-core WCAG 2 A/AA
// violation; and its screenshot.
export async function checkScreen(p, name) {
  const { page, problems } = p;
  // The screen's requests are over, or a second has passed: a screen whose event stream stays
  // open (the desk, a campaign's live figures) never reaches "networkidle", and waiting for it
  // up to the navigation timeout cost half a minute per check.
  await page.waitForLoadState('networkidle', { timeout: 1000 }).catch(() => {});
  await page.waitForTimeout(300); // transitions (dialogs, messages) settle
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  }));
  const violations = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  const csp = await page.evaluate(() => window.__csp);
  mkdirSync(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: false });
  assert.deepEqual(csp, [], `${name}: CSP violations`);
  assert.deepEqual(violations, [], `${name}: axe-core WCAG 2 A/AA violations`);
  assert.deepEqual(problems, [], `${name}: console errors`);
}

export const consoleUrl = (hash = '') => `${server.base}/console/${hash ? '#' + hash : ''}`;

export async function signIn(p, name, password = PASSWORD, otp = '') {
  const { page } = p;
  if (!page.url().includes('/console/')) await page.goto(consoleUrl('/login'));
  await page.locator('#signin-name').fill(name);
  await page.locator('#signin-password').fill(password);
  if (otp) await page.locator('#signin-otp').fill(otp);
  await page.locator('#signin-password').press('Enter');
}

export async function signedIn(p, name) {
  await signIn(p, name);
  await p.page.locator('[data-test="who"]').waitFor({ timeout: STEP_MS });
}

export const menuItems = (page) => page.locator('nav[aria-label="主菜单"] a').allInnerTexts();
export const rowOf = (page, text) => page.locator('.el-table__body tr', { hasText: text });

// Confirms the open ElMessageBox.
export async function confirmBox(page) {
  const box = page.locator('.el-message-box');
  await box.waitFor({ timeout: STEP_MS });
  await box.locator('.el-button--primary').click();
  await box.waitFor({ state: 'hidden', timeout: STEP_MS });
}

// Starts Chromium (after startServer).
export async function launchBrowser() {
  assert.ok(existsSync(BINARY), `no binary at ${BINARY} (build first, or set ZX_BINARY)`);
  assert.ok(existsSync(join(ROOT, 'web/console/dist/index.html')),
    'no console build (cd web/console && npm ci && npm run build)');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function stopAll() {
  if (browser) await browser.close();
  await stopServer();
}
