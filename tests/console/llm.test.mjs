// The console's screens where the city's language model shows up, against a fake engine
// (tests/llm/fake_llm_engine.py: a test server speaking the OpenAI chat-completions API, every
// answer scripted; no model, no network), configured by a TOML file ([[llm.engines]] "fake" for
// push_cards and drafts; answers to citizens stay off). 坐席工作台: a citizen's chat handed over and
// taken, the citizen asks about renting and the housing fund; the gjj.rent card pushed for it has
// 要点; the engine's brief, its figure checked and its [1] marker gone, is shown with the engine's
// name; a brief with a figure the entry does not hold (2000 元) is refused by the server and the
// card says 这次没有要点. 文档导入: a policy DOCX uploaded by an editor; the section the engine
// rewrote faithfully is marked as written by "fake" and its answer is the written text, the two
// sections the engine only echoed (no source cited, refused) keep the section's own text. In the
// end, the fake's log holds neither the phone number nor the ID number the citizen typed. On every
// screen state: no CSP violation, no console error, no axe-core WCAG 2 A/AA violation, a 1366×768
// screenshot (harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HERE, PASSWORD, ROOT, STEP_MS, checkScreen, consoleUrl, launchBrowser, openPage, server, signedIn,
  startServer, stopAll,
} from './harness.mjs';

const AGENT = 'agent1';
const EDITOR = 'ed1';
const PHONE = '13812345678';
const ID_NUMBER = '11010519491231002X';
const RENT = '租房可以提取公积金吗，一个月最多能取多少';
const RENT_AGAIN = '公积金租房提取的话每个月能取多少钱';
const BRIEF = '租房住的每月最多提取1500元。';

const dir = mkdtempSync(join(tmpdir(), 'zx-console-llm-'));
const fakeLog = join(dir, 'fake-llm.jsonl');
let fake = null; // { proc, base }
let agentToken = '';

// The fake engine on a free loopback port: resolves once it printed "listening <port>".
function startFake() {
  const proc = spawn('/usr/bin/python3', [join(ROOT, 'tests/llm/fake_llm_engine.py'), '--port', '0',
    '--lifetime', '600', '--quiet', '--log', fakeLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`the fake engine did not start in 10 s: ${out} ${err}`));
    }, 10000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (c) => { err += c; });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening (\d+)/);
      if (m && !fake) {
        clearTimeout(timer);
        fake = { proc, base: `http://127.0.0.1:${m[1]}` };
        ready(fake);
      }
    });
    proc.on('exit', (code, signal) => {
      if (!fake) {
        clearTimeout(timer);
        fail(new Error(`the fake engine exited (${code ?? signal}): ${err}`));
      }
    });
  });
}

async function stopFake() {
  if (!fake || fake.proc.exitCode !== null) return;
  const exited = new Promise((r) => fake.proc.once('exit', r));
  fake.proc.kill('SIGTERM');
  if ((await Promise.race([exited, new Promise((r) => setTimeout(r, 5000, 'timeout'))])) === 'timeout') {
    fake.proc.kill('SIGKILL');
  }
}

async function script(...steps) {
  const r = await fetch(`${fake.base}/_script`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ steps }),
  });
  assert.equal(r.status, 200, await r.text());
}

const fakeGet = async (path) => (await fetch(fake.base + path, { signal: AbortSignal.timeout(5000) })).json();

// The chat requests the fake got whose body holds `text` (the prompt of one use).
async function requestsWith(text) {
  return (await fakeGet('/_log')).filter((e) => JSON.stringify(e.body).includes(text));
}

async function call(method, path, { token, citizen, body } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (citizen) headers['X-Conversation-Token'] = citizen;
  const r = await fetch(`${server.base}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function say(c, text) {
  const r = await call('POST', `/conversations/${c.id}/messages`, { citizen: c.token, body: { text } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  await startFake();
  const config = `[llm]
answers = ""
push_cards = "fake"
drafts = "fake"
[[llm.engines]]
name = "fake"
base_url = "${fake.base}/v1"
model = "fake-model"
flavour = "openai"
first_token_timeout_ms = 3000
`;
  await startServer([[AGENT, 'agent'], [EDITOR, 'editor']], { ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE: '0' },
    { config });
  await launchBrowser();
  const r = await call('POST', '/auth/login', { body: { name: AGENT, password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  agentToken = r.body.token;
});
after(async () => {
  await stopAll();
  await stopFake();
  rmSync(dir, { recursive: true, force: true });
});

test('坐席工作台: the engine\'s checked 要点 of a pushed card, named; a brief with a wrong figure never shown', async () => {
  const desk = await call('GET', '/agent/desk', { token: agentToken });
  assert.equal(desk.status, 200, JSON.stringify(desk.body));
  assert.equal(desk.body.briefs, true, 'the server has an engine for push_cards');

  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, AGENT);
    await page.goto(consoleUrl('/desk'));
    await page.locator('[data-test="desk-live"]', { hasText: '实时更新中' }).waitFor({ timeout: STEP_MS });
    await page.locator('[data-test="presence-online"]').click();
    await page.locator('[data-test="presence-text"]', { hasText: '在线' }).waitFor({ timeout: STEP_MS });

    // The citizen leaves a phone and an ID number, then asks for a person; the agent takes it.
    const started = await call('POST', '/conversations', { body: { channel: 'web' } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const chat = { id: started.body.id, token: started.body.token };
    await say(chat, `公积金的事情想问一下，我电话${PHONE}，身份证号${ID_NUMBER}`);
    assert.equal((await say(chat, '我要转人工')).state, 'queued');
    await page.locator(`[data-test="queue-item"][data-id="${chat.id}"]`).waitFor({ timeout: STEP_MS });
    await page.locator('#desk-title').focus();
    await page.keyboard.press('t');
    await page.locator('[data-test="conv-state"]', { hasText: '坐席处理中' }).waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Escape');

    // Renting and the housing fund (the phone said again): the gjj.rent card, with 要点.
    let groups = await page.locator('[data-test="push-group"]').count();
    await say(chat, `${RENT}？我电话${PHONE}`);
    await page.locator('[data-test="push-group"]').nth(groups).waitFor({ timeout: STEP_MS });
    let card = page.locator('[data-test="push-group"]').first().locator('[data-test="push-item"][data-topic="gjj.rent"]');
    await card.waitFor({ timeout: STEP_MS });
    assert.ok(!(await page.locator('[data-test="desk-transcript"]').innerText()).includes(PHONE), 'masked for the agent');
    const ask = card.locator('[data-test="push-brief-ask"]');
    await ask.waitFor({ timeout: STEP_MS });
    assert.equal(await card.locator('[data-test="push-brief"]').count(), 0, 'no brief before 要点');

    await script({ kind: 'stream', match: '坐席正在接听', content: '租房住的每月最多提取1500元[1]。' });
    await ask.click();
    const brief = card.locator('[data-test="push-brief"]');
    await brief.waitFor({ timeout: STEP_MS });
    const briefText = await brief.innerText();
    assert.ok(briefText.includes(BRIEF), briefText);
    assert.ok(!briefText.includes('[1]'), `the source marker is taken out: ${briefText}`);
    assert.match(await brief.locator('.desk-label').innerText(), /语言模型 fake 撰写/);
    assert.equal(await card.locator('[data-test="push-brief-ask"]').count(), 0, '要点 gone once shown');
    assert.equal((await requestsWith('坐席正在接听')).length, 1, 'one request to the engine');
    await checkScreen(p, 'llm-desk-brief');

    // Asked again: the engine's brief has a figure the entry does not hold (2000): refused (503),
    // the card says so and shows no brief.
    groups = await page.locator('[data-test="push-group"]').count();
    await say(chat, RENT_AGAIN);
    await page.locator('[data-test="push-group"]').nth(groups).waitFor({ timeout: STEP_MS });
    card = page.locator('[data-test="push-group"]').first().locator('[data-test="push-item"][data-topic="gjj.rent"]');
    await card.waitFor({ timeout: STEP_MS });
    await script({ kind: 'stream', match: '坐席正在接听', content: '每月最多提取2000元[1]。' });
    p.allow(/status of 503/);
    await card.locator('[data-test="push-brief-ask"]').click();
    const none = card.locator('[data-test="push-brief-none"]');
    await none.waitFor({ timeout: STEP_MS });
    assert.match(await none.innerText(), /这次没有要点/);
    assert.equal(await card.locator('[data-test="push-brief"]').count(), 0, 'no brief with the wrong figure');
    assert.ok(!(await card.innerText()).includes('2000'), 'the wrong figure is not on the card');
    assert.equal((await fakeGet('/_stats')).queued, 0, 'the scripted step was taken');
    assert.equal((await requestsWith('坐席正在接听')).length, 2);
    await checkScreen(p, 'llm-desk-brief-none');
  } finally {
    await p.context.close();
  }
});

test('文档导入: the section the engine wrote is marked with its name, the refused ones keep their text', async () => {
  const docx = join(dir, '示例市灵活就业人员参保办法.docx');
  const made = spawnSync('/usr/bin/python3', [join(HERE, 'make_policy_docx.py'), docx], { timeout: 30000 });
  assert.equal(made.status, 0, String(made.stderr));
  await script({ kind: 'stream', match: '第二条灵活就业人员', content: '灵活就业人员按月缴费，缴费基数可以在60%到300%之间自己选[1]。' });

  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, EDITOR);
    await page.goto(consoleUrl('/kb/documents'));
    await page.locator('#doc-file').setInputFiles(docx);
    await page.locator('[data-test="doc-upload"]').click();
    await page.locator('[data-test="doc-review"] h2', { hasText: '待审阅' }).waitFor({ timeout: 60000 });
    for (const n of [1, 2, 3]) await page.locator(`[data-test="proposal-${n}"]`).waitFor({ timeout: STEP_MS });

    const written = page.locator('[data-test="proposal-2-written"]');
    await written.waitFor({ timeout: STEP_MS });
    assert.match(await written.innerText(), /语言模型 fake 依据本条原文改写/);
    assert.equal(await page.locator('#p-2-a').inputValue(), '灵活就业人员按月缴费，缴费基数可以在60%到300%之间自己选。');
    assert.equal(await page.locator('#p-2-a').getAttribute('aria-describedby'), 'p-2-w');

    for (const [n, own] of [[1, '个体经营、非全日制工作等灵活就业的人员'], [3, '掌上12333或各区社保经办窗口']]) {
      assert.equal(await page.locator(`[data-test="proposal-${n}-written"]`).count(), 0, `proposal ${n} not marked`);
      const answer = await page.locator(`#p-${n}-a`).inputValue();
      assert.ok(answer.includes(own), `proposal ${n} keeps the section's text: ${answer}`);
      assert.ok(!answer.includes('unscripted echo'), answer);
    }
    // The engine was asked for every section; only the second was scripted.
    assert.ok((await requestsWith('第一条')).length >= 1 && (await requestsWith('第三条')).length >= 1,
      'every section went to the engine');
    assert.equal((await fakeGet('/_stats')).queued, 0, 'the scripted step was taken');
    await page.locator('[data-test="proposal-2"]').scrollIntoViewIfNeeded(); // the hint in the screenshot
    await checkScreen(p, 'llm-kb-documents');
  } finally {
    await p.context.close();
  }
});

test('the engine never got the phone or the ID number the citizen typed', async () => {
  const log = await fakeGet('/_log');
  assert.ok(log.length >= 4, `the engine was asked (${log.length} requests)`);
  const asked = JSON.stringify(log);
  const file = readFileSync(fakeLog, 'utf8');
  for (const secret of [PHONE, ID_NUMBER, ID_NUMBER.slice(0, 17)]) {
    assert.ok(!asked.includes(secret), `${secret} reached the engine (GET /_log)`);
    assert.ok(!file.includes(secret), `${secret} reached the engine (its log file)`);
  }
});
