// The citizen chat page end to end: `zhixian serve` on 127.0.0.1 port 0 with a fresh data
// directory, Debian's Chromium headless driven by playwright-core, a phone-sized page.
//
//   ZX_BINARY=build/zhixian node --test tests/web/     (from the repository root)
//
// ZX_SCREENSHOTS=DIR also saves screenshots of the page (phone, 长辈模式) there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARY = resolve(ROOT, process.env.ZX_BINARY || 'build/zhixian');
const CHROMIUM = process.env.ZX_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.ZX_SCREENSHOTS || '';
const STEP_MS = 15000; // one page step (a reply, a push) must arrive within this

let server;   // { proc, base, data }
let browser;

function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'zx-web-'));
  const proc = spawn(BINARY, ['serve', '--http', '127.0.0.1:0', '--sip', 'off', '--data', data], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    // The return visits' look every second (the visit test below).
    env: { ...process.env, ZHIXIAN_LOG_LEVEL: 'info', ZHIXIAN_VISITS_CHECK_EVERY_S: '1' },
  });
  let log = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('zhixian serve did not get ready in 30 s:\n' + log.slice(-4000)));
    }, 30000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      if (log.length > 1 << 20) log = log.slice(-(1 << 19));
      const m = log.match(/serve\.ready http=(http:\/\/[\d.]+:\d+)/);
      if (m && !server) {
        clearTimeout(timer);
        server = { proc, base: m[1], data, log: () => log };
        resolvePromise(server);
      }
    });
    proc.on('exit', (code, signal) => {
      if (!server) {
        clearTimeout(timer);
        reject(new Error(`zhixian serve exited (${code ?? signal}) before ready:\n${log.slice(-4000)}`));
      }
    });
  });
}

async function stopServer() {
  if (!server) return;
  const { proc, data } = server;
  if (proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timeout = new Promise((r) => setTimeout(r, 10000, 'timeout'));
    if ((await Promise.race([exited, timeout])) === 'timeout') proc.kill('SIGKILL');
  }
  rmSync(data, { recursive: true, force: true });
}

// A phone: 390×844 CSS pixels, touch, Chinese.
async function phonePage() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.base) && !r.url().startsWith(server.base.replace('http', 'ws')))
      problems.push('request off the server: ' + r.url());
  });
  await page.goto(server.base + '/chat', { waitUntil: 'domcontentloaded' });
  return { context, page, problems };
}

const replies = (page) => page.locator('#log .msg.assistant:not(.typing)');

// Types `text` like a person (Enter sends) and waits for the next assistant reply.
async function say(page, text) {
  const before = await replies(page).count();
  await page.locator('#input').fill(text);
  await page.locator('#input').press('Enter');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#log .msg.assistant:not(.typing)').length > n,
    before, { timeout: STEP_MS });
  return replies(page).nth(before);
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: false });
}

async function api(method, path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(server.base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

before(async () => {
  assert.ok(existsSync(BINARY), `no binary at ${BINARY} (build first, or set ZX_BINARY)`);
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (scripts/install-deps.sh --test)`);
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer();
});

test('the page and its assets are served with types and caching, nothing outside', async () => {
  const page = await fetch(server.base + '/chat');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const js = await fetch(server.base + '/chat/chat.js');
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const etag = js.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(server.base + '/chat/chat.js', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  for (const p of ['/chat/..%2F..%2FCMakeLists.txt', '/chat/%2e%2e', '/chat/.gitignore',
    '/chat/..%5C..%5CREADME.md']) {
    const r = await fetch(server.base + p);
    assert.equal(r.status, 404, p);
  }
});

test('calculator with a correction: details asked, 14600 with steps, recomputed', async () => {
  const { context, page, problems } = await phonePage();
  try {
    await replies(page).first().waitFor({ timeout: STEP_MS }); // the greeting
    await shot(page, 'phone-greeting');

    const ask = await say(page, '住院花了两万能报多少');
    const askText = await ask.innerText();
    assert.match(askText, /[？?]|请问|请告诉/, 'the assistant asks for the details: ' + askText);
    assert.equal(await ask.locator('.steps li').count(), 0);

    const answer = await say(page, '三级医院，甲类一万五，乙类四千，丙类一千');
    const answerText = await answer.innerText();
    assert.match(answerText.replace(/[,，]/g, ''), /14600/, answerText);
    const steps = answer.locator('.steps li');
    assert.ok((await steps.count()) >= 2, 'the calculator steps are listed: ' + answerText);
    assert.match(await answer.locator('.steps').innerText(), /计算过程/);
    assert.match(await answer.locator('.cite').innerText(), /^依据：.*《.+》/);
    await shot(page, 'phone-calculator');

    const fixed = await say(page, '不对，是二级医院');
    const fixedText = (await fixed.innerText()).replace(/[,，]/g, '');
    // 二级: (15000−800)×88% + 4000×90%×78% = 12496 + 2808 = 15304 (DOMAIN.md rules).
    assert.match(fixedText, /15304/, fixedText);
    assert.ok((await fixed.locator('.steps li').count()) >= 2);

    // 长辈模式: remembered, larger text, one sentence a line.
    const normalSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    await page.locator('#elder').click();
    assert.equal(await page.locator('#elder').getAttribute('aria-pressed'), 'true');
    const elderSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(elderSize >= normalSize * 1.2, `larger text: ${normalSize} -> ${elderSize}`);
    await shot(page, 'phone-elder');

    // A reload resumes the same conversation (sessionStorage) and keeps 长辈模式 (localStorage).
    const count = await replies(page).count();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForFunction((n) =>
      document.querySelectorAll('#log .msg.assistant:not(.typing)').length === n, count,
    { timeout: STEP_MS });
    assert.ok(await page.locator('html.elder').count());
    assert.match((await replies(page).last().innerText()).replace(/[,，]/g, ''), /15304/);
    assert.ok((await replies(page).last().locator('.steps li').count()) >= 2);
    await page.locator('#elder').click(); // back to normal for the next test's context
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('handover: the queue notice, then an agent\'s reply appears live', async () => {
  const { context, page, problems } = await phonePage();
  try {
    await replies(page).first().waitFor({ timeout: STEP_MS });
    await page.locator('#input').fill('我要转人工');
    await page.locator('#input').press('Enter');
    const notice = page.getByText(/已为您转接人工，当前排队第\d+位/).first();
    await notice.waitFor({ timeout: STEP_MS });
    await shot(page, 'phone-queued');
    const id = await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation'));
    assert.ok(id, 'the conversation id is kept for a reload');

    // An agent, made with the CLI (password on stdin), logs in and answers over REST.
    const add = spawnSync(BINARY, ['user', 'add', 'web-e2e-agent', '--role', 'agent',
      '--data', server.data], { cwd: ROOT, input: 'Agent-Passw0rd-2024!\n', timeout: 30000 });
    if (add.status !== 0) {
      assert.fail('zhixian user add failed: ' + String(add.stderr));
    }
    const login = await api('POST', '/api/v1/auth/login',
      { name: 'web-e2e-agent', password: 'Agent-Passw0rd-2024!' });
    assert.equal(login.status, 200, login.text);
    const token = login.json.token;
    const queue = await api('GET', '/api/v1/agent/queue', undefined, token);
    assert.equal(queue.status, 200, queue.text);
    assert.ok(JSON.stringify(queue.json).includes(id), 'the conversation is in the queue');
    const take = await api('POST', `/api/v1/agent/conversations/${id}/take`, {}, token);
    assert.equal(take.status, 200, take.text);
    const said = await api('POST', `/api/v1/agent/conversations/${id}/messages`,
      { text: '您好，我是人工客服小王，请问有什么可以帮您？' }, token);
    assert.ok(said.status === 200 || said.status === 204, said.text);

    const agentMsg = page.locator('#log .msg.agent', { hasText: '我是人工客服小王' });
    await agentMsg.waitFor({ timeout: STEP_MS });
    assert.match(await agentMsg.innerText(), /人工客服/);
    assert.match(await page.locator('#banner').innerText(), /已接入/);
    await shot(page, 'phone-agent');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('keyboard only: the skip link, the toggle and sending work without a pointer', async () => {
  const { context, page, problems } = await phonePage();
  try {
    await replies(page).first().waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'elder');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#elder').getAttribute('aria-pressed'), 'true');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#elder').getAttribute('aria-pressed'), 'false');
    await page.locator('#input').focus();
    await page.keyboard.type('社保卡丢了怎么办');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      document.querySelectorAll('#log .msg.assistant:not(.typing)').length >= 2,
    undefined, { timeout: STEP_MS });
    assert.equal(await page.locator('#log').getAttribute('role'), 'log');
    assert.equal(await page.locator('label[for=input]').count(), 1);

    // 结束咨询 ends it (the summary is made on the server); 开始新的咨询 starts afresh.
    const firstId = await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation'));
    await page.locator('#end').focus();
    await page.keyboard.press('Enter');
    await page.getByText('本次咨询已结束').first().waitFor({ timeout: STEP_MS });
    await page.locator('#restart').waitFor({ state: 'visible', timeout: STEP_MS });
    await page.locator('#restart').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((old) => {
      const id = sessionStorage.getItem('zx.chat.conversation');
      return id && id !== old &&
        document.querySelectorAll('#log .msg.assistant:not(.typing)').length === 1;
    }, firstId, { timeout: STEP_MS });
    assert.ok(await page.locator('#end').isVisible());
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the end: one notice with the 受理编号, rating buttons, a message after it starts anew', async () => {
  const { context, page, problems } = await phonePage();
  try {
    await replies(page).first().waitFor({ timeout: STEP_MS });
    const firstId = await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation'));
    await say(page, '好的谢谢，再见');
    const card = page.locator('#log .end-card');
    await card.waitFor({ timeout: STEP_MS });
    // Told once: one end card, and the banner does not repeat it.
    await page.waitForTimeout(500);
    assert.equal(await card.count(), 1);
    assert.equal(await page.getByText('本次咨询已结束').count(), 1);
    assert.ok(await page.locator('#banner').isHidden());
    assert.match(await card.locator('.reference').innerText(), /受理编号：\d{12,}/);
    const buttons = card.locator('button.rate');
    assert.deepEqual(await buttons.allInnerTexts(), ['满意', '基本满意', '不满意']);
    await shot(page, 'phone-end');
    await buttons.nth(1).click();
    await card.getByText('感谢您的评价（基本满意）').waitFor({ timeout: STEP_MS });
    // The rating is kept on the server.
    const token = await page.evaluate(() => sessionStorage.getItem('zx.chat.token'));
    const view = await fetch(`${server.base}/api/v1/conversations/${firstId}`,
      { headers: { 'X-Conversation-Token': token } }).then((r) => r.json());
    assert.equal(view.satisfaction, '基本满意');

    // Writing after the end carries on in a new conversation: the page switches to it.
    await page.locator('#input').fill('社保卡丢了怎么办');
    await page.locator('#input').press('Enter');
    await page.waitForFunction((old) => {
      const id = sessionStorage.getItem('zx.chat.conversation');
      return id && id !== old &&
        document.querySelectorAll('#log .msg.assistant:not(.typing)').length >= 2;
    }, firstId, { timeout: STEP_MS });
    assert.equal(await page.locator('#log .msg.citizen', { hasText: '社保卡丢了怎么办' }).count(), 1);
    assert.equal(await page.locator('#log .end-card').count(), 0);
    assert.ok(await page.locator('#end').isVisible());
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// 回访 by message (issue 12): a complaint in the chat makes an order; after the end, a handler
// 签收s and 办结s it; the question appears in the open page without a reload, stays after a
// reload (the conversation is not started anew), and the citizen's 3 reopens the order.
test('the return visit: the question arrives in the page, a reload keeps it, 3 reopens', async () => {
  const { context, page, problems } = await phonePage();
  try {
    await replies(page).first().waitFor({ timeout: STEP_MS });
    const id = await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation'));
    await say(page, '我家小区楼下的垃圾好几天没人清运了，臭得很');
    // The order's number as the page shows it.
    const told = (await page.locator('#log').innerText()).match(/工单编号：\s*([A-Za-z0-9-]+)/);
    assert.ok(told, 'the complaint made an order, and the page says its number');
    const order = told[1];
    await say(page, '好的谢谢，再见');
    await page.locator('#log .end-card').waitFor({ timeout: STEP_MS });

    for (const [name, role, dept] of [['web-sup', 'supervisor', ''], ['web-cgj', 'department_handler', 'cgj']]) {
      const add = spawnSync(BINARY, ['user', 'add', name, '--role', role, '--data', server.data,
        ...(dept ? ['--department', dept] : [])], { cwd: ROOT, input: 'Visit-Passw0rd-2024!\n', timeout: 30000 });
      assert.equal(add.status, 0, String(add.stderr));
    }
    const login = async (name) => (await api('POST', '/api/v1/auth/login',
      { name, password: 'Visit-Passw0rd-2024!' })).json.token;
    const handler = await login('web-cgj');
    for (const [action, body] of [['accept', {}], ['resolve', { reply: '已安排清运并加密清运频次' }]]) {
      const r = await api('POST', `/api/v1/tickets/${order}/${action}`, body, handler);
      assert.equal(r.status, 200, `${action}: ${r.text}`);
    }

    const question = page.locator('#log .msg.assistant', { hasText: `工单号 ${order}` });
    await question.waitFor({ timeout: STEP_MS });
    assert.match(await question.innerText(), /已安排清运[\s\S]*满意/);
    await shot(page, 'phone-visit-question');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#log .msg.assistant', { hasText: `工单号 ${order}` }).waitFor({ timeout: STEP_MS });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation')), id,
      'the reload keeps the conversation that waits for the verdict');
    await say(page, '3');
    const sup = await login('web-sup');
    const got = await api('GET', `/api/v1/tickets/${order}`, undefined, sup);
    assert.equal(got.status, 200, got.text);
    const o = got.json.order || got.json;
    assert.equal(o.reopened, 1, JSON.stringify(o));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('zx.chat.conversation')), id);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
