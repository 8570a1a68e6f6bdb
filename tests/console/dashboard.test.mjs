// 数据看板 (issue 16's dashboard) end to end: conversations on the web and API channels (some ended
// by the assistant, one handed over and closed by an agent, one rated 满意) and work orders of
// 城管局 in 东城区 (one 签收ed) made over the REST API; a supervisor opens #/dashboard for 近 7 天 and
// every card's value, numerator and denominator equals GET /api/v1/stats/dashboard of the same
// query, as do the tables of the channels and on-time charts; the channel filter (api) goes to
// the URL and the cards follow the API again; the export link carries the screen's query and its
// workbook's 指标 sheet holds the cards' numbers; the age portrait (年龄段画像: one citizen gave an ID
// number) in the table, the API and the workbook's 年龄段 sheet, "<5" alike; a department's row
// links to its work orders. An agent gets 无权访问. On the demo data the age portrait has cells of 5
// or more and cells of "<5", the same on the screen, in the API and the workbook. On every state: no CSP violation, no console error, no axe-core WCAG 2
// A/AA violation, and a 1366×768 screenshot (harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import {
  PASSWORD, STEP_MS, checkScreen, consoleUrl, launchBrowser, menuItems, openPage, server, signedIn,
  startServer, stopAll, stopServer,
} from './harness.mjs';

const tokens = {};

async function login(name) {
  const r = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
  });
  assert.equal(r.status, 200, `login ${name}`);
  return (await r.json()).token;
}

// A call as staff (`who`: a user's name) or as a citizen ({citizen: token}).
async function call(who, method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (typeof who === 'string') headers.Authorization = `Bearer ${tokens[who]}`;
  else if (who && who.citizen) headers['X-Conversation-Token'] = who.citizen;
  const r = await fetch(`${server.base}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function chat(channel, words) {
  const c = await call(null, 'POST', '/conversations', { channel });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const citizen = { citizen: c.body.token };
  const m = await call(citizen, 'POST', `/conversations/${c.body.id}/messages`, { text: words });
  assert.equal(m.status, 200, JSON.stringify(m.body));
  return { id: c.body.id, citizen };
}

before(async () => {
  await startServer([['sup1', 'supervisor'], ['agent1', 'agent']], { ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE: '0' });
  await launchBrowser();
  tokens.sup1 = await login('sup1');
  tokens.agent1 = await login('agent1');
  // Ended by the assistant: two on the web, one over the API channel (rated 满意).
  // One gives an ID number (born 1990-03-07: 30-44岁) and a district: the age portrait's only person.
  for (const [channel, words] of [['web', '社保卡丢了怎么补办，我是东城区的，证件号码110101199003078515'],
    ['web', '失业金怎么领'], ['api', '医保异地就医怎么备案']]) {
    const c = await chat(channel, words);
    assert.equal((await call(c.citizen, 'POST', `/conversations/${c.id}/end`)).status, 200);
    if (channel === 'api') {
      const r = await call(c.citizen, 'POST', `/conversations/${c.id}/satisfaction`, { rating: '满意' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  }
  // Handed over, taken and closed by an agent.
  const h = await chat('web', '我要转人工');
  assert.equal((await call('agent1', 'POST', `/agent/conversations/${h.id}/take`)).status, 200);
  assert.equal((await call('agent1', 'POST', `/agent/conversations/${h.id}/close`, {})).status, 200);
  // Three work orders of 城管局 in 东城区, one 签收ed at once.
  const orders = [];
  for (const text of ['东城区和平里小区门口烧烤摊半夜噪音扰民', '东城区和平里小区道路井盖缺失', '东城区安定门外大街路灯不亮']) {
    const r = await call('sup1', 'POST', '/tickets', {
      text, district: '东城区', departments: [{ code: 'cgj', role: 'lead' }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    orders.push(r.body.id);
  }
  assert.equal((await call('sup1', 'POST', `/tickets/${orders[0]}/accept`, {})).status, 200);
});
after(stopAll);

// --- the screen and the API ---------------------------------------------------------------

const cardText = (c) => {
  if (c.denominator === null) return String(Math.round(c.value));
  return c.denominator ? `${(c.value * 100).toFixed(1)}%` : '—';
};
const directionWord = (c) => {
  const d = c.denominator === null ? Math.round(c.change) : Math.round(c.change * 1000) / 10;
  return d > 0 ? '上升' : d < 0 ? '下降' : '持平';
};

// The cards as the screen shows them: {code: {label, value, num, den, change}}.
async function shownCards(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-test^="card-"]')]
    .filter((el) => el.matches('li'))
    .map((el) => {
      const t = (sel) => el.querySelector(`[data-test="${sel}"]`)?.textContent.trim() ?? null;
      return [el.dataset.test.slice(5), {
        label: el.querySelector('.figure-label').textContent.trim(), value: t('card-value'),
        num: t('card-num'), den: t('card-den'), change: t('card-change'),
      }];
    })));
}

// Waits until the screen's cards are those of `api` (the answer renders after the request),
// then checks each: value, numerator, denominator, the change in words.
async function cardsEqual(page, api) {
  const want = Object.fromEntries(api.cards.map((c) => [c.code, {
    label: c.label, value: cardText(c), num: String(c.numerator),
    den: c.denominator === null ? null : String(c.denominator),
  }]));
  const deadline = Date.now() + STEP_MS;
  let got = {};
  for (;;) {
    got = await shownCards(page);
    const plain = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, { label: v.label, value: v.value, num: v.num, den: v.den }]));
    if (JSON.stringify(plain) === JSON.stringify(want) || Date.now() > deadline) {
      assert.deepEqual(plain, want, 'the cards against the API');
      break;
    }
    await page.waitForTimeout(100);
  }
  assert.deepEqual(Object.keys(got), api.cards.map((c) => c.code), 'the cards in the server\'s order');
  for (const c of api.cards) {
    const change = got[c.code].change;
    if (c.denominator === 0 || c.previous_denominator === 0) assert.match(change, /无从比较/, c.code);
    else assert.ok(change.includes(directionWord(c)), `${c.code}: ${change}`);
  }
  assert.ok(Object.values(got).some((c) => c.label === '接通率'), '接通率 among the cards');
}

// The rows of a panel's table view (opened if it is not), each as its cells' texts.
async function tableRows(page, id) {
  const toggle = page.locator(`[data-test="toggle-${id}"]`);
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  const table = page.locator(`[data-test="table-${id}"]`);
  await table.waitFor({ timeout: STEP_MS });
  return table.evaluate((t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent.trim())));
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;

// The dashboard request the page makes next (its query is the screen's).
const nextDashboard = (page) => page.waitForResponse((r) => /\/api\/v1\/stats\/dashboard\?/.test(r.url()), { timeout: STEP_MS });

// --- a minimal .xlsx reader: the ZIP central directory, inflateRawSync, the sheet's XML --------

function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  assert.ok(eocd >= 0, 'a ZIP file');
  const files = {};
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = buf.readUInt16LE(eocd + 10); i > 0; i -= 1) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    files[name] = method === 8 ? inflateRawSync(raw) : raw;
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return files;
}

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// The rows of one sheet of a workbook, by the sheet's name: cells as strings or numbers.
function readSheet(bytes, sheetName) {
  const files = unzip(bytes);
  const text = (n) => files[n].toString('utf8');
  const shared = files['xl/sharedStrings.xml']
    ? [...text('xl/sharedStrings.xml').matchAll(/<si>([\s\S]*?)<\/si>/g)]
      .map((m) => unescape([...m[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')))
    : [];
  const sheet = [...text('xl/workbook.xml').matchAll(/<sheet\b[^>]*>/g)].map((m) => m[0])
    .find((s) => s.includes(`name="${sheetName}"`));
  assert.ok(sheet, `a sheet ${sheetName}`);
  const rid = sheet.match(/r:id="([^"]+)"/)[1];
  const rel = [...text('xl/_rels/workbook.xml.rels').matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0])
    .find((r) => r.includes(`Id="${rid}"`));
  const target = rel.match(/Target="([^"]+)"/)[1].replace(/^\/?(xl\/)?/, '');
  const rows = [];
  for (const row of text(`xl/${target}`).matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = [];
    for (const c of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const col = [...c[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const v = (c[3] || '').match(/<v>([\s\S]*?)<\/v>/);
      const inline = (c[3] || '').match(/<t[^>]*>([\s\S]*?)<\/t>/);
      let value = null;
      if (/t="s"/.test(c[2]) && v) value = shared[Number(v[1])];
      else if (/t="inlineStr"/.test(c[2]) && inline) value = unescape(inline[1]);
      else if (/t="str"/.test(c[2]) && v) value = unescape(v[1]);
      else if (v) value = Number(v[1]);
      cells[col] = value;
    }
    rows.push(cells);
  }
  return rows;
}

// The age portrait: its table on the screen, the API's chart and the workbook's 年龄段 sheet hold
// the same cells ("<5" and "≥5" as they are, never a number under 5).
async function agesEqual(page, ages, workbook) {
  for (const r of ages) {
    for (const c of [r, ...r.districts]) assert.ok(['<5', '≥5'].includes(c.count) || c.count >= 5, JSON.stringify(c));
  }
  const want = ages.map((r) => [r.band, String(r.count), ...r.districts.map((c) => String(c.count))]);
  if (ages.length) assert.deepEqual(await tableRows(page, 'ages'), want, 'the age portrait against the API');
  else await page.locator('[data-test="empty-ages"]').waitFor({ timeout: STEP_MS });
  const sheet = readSheet(workbook, '年龄段');
  assert.deepEqual(sheet[0], ['年龄段', '合计', ...(ages[0]?.districts.map((c) => c.district) || [])]);
  assert.deepEqual(sheet.slice(1).map((row) => row.map(String)), want, 'the 年龄段 sheet against the API');
}

// --- the tests ------------------------------------------------------------------------------

test('数据看板: the cards and the tables equal the API; a filter; the export holds the same numbers', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'sup1');
    assert.ok((await menuItems(page)).includes('数据看板'));
    const first = nextDashboard(page);
    await page.goto(consoleUrl('/dashboard?period=7d'));
    const request = new URL((await first).url());
    const asked = request.searchParams;
    // 近 7 天: China dates, `until` the day after the last one shown.
    const range = await page.locator('[data-test="dash-range"]').innerText();
    const [, from, last] = range.match(/^(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})（7 天）/);
    assert.equal(asked.get('from'), from);
    assert.equal(asked.get('until'), new Date(Date.parse(`${last}T00:00:00Z`) + 86400e3).toISOString().slice(0, 10));
    const api = await call('sup1', 'GET', `/stats/dashboard${request.search}`);
    assert.equal(api.status, 200);
    const byCode = Object.fromEntries(api.body.cards.map((c) => [c.code, c]));
    assert.equal(byCode.volume.numerator, 4, 'the conversations made above');
    assert.deepEqual([byCode.ai_share.numerator, byCode.ai_share.denominator], [3, 4]);
    assert.ok(byCode.response.denominator >= 3, JSON.stringify(byCode.response));
    await cardsEqual(page, api.body);
    await checkScreen(p, 'dashboard');

    // The channels' and the departments' tables: the API's numbers.
    const channels = await tableRows(page, 'channels');
    assert.deepEqual(channels, api.body.charts.channels.map((c) =>
      [`${c.name}（${c.channel}）`, String(c.started), String(c.without_person), pct(c.share)]));
    const onTime = await tableRows(page, 'on_time');
    assert.ok(api.body.charts.on_time.some((r) => r.department === 'cgj'), JSON.stringify(api.body.charts.on_time));
    assert.deepEqual(onTime, api.body.charts.on_time.map((r) => [
      r.name === r.department ? r.name : `${r.name}（${r.department}）`, r.denominator ? pct(r.value) : '—',
      `${r.numerator}/${r.denominator}`, String(r.returned), String(r.extensions), '查看工单']));
    const ratings = await tableRows(page, 'satisfaction');
    assert.deepEqual(ratings.map((r) => r.slice(0, 2)), api.body.charts.satisfaction.map((s) => [s.rating, String(s.count)]));
    const heat = await tableRows(page, 'heatmap');
    assert.deepEqual(heat.map((r) => r.slice(1, 25).map(Number)), api.body.charts.heatmap);
    // Districts: fewer than 5 people never counted out; none named here: the panel says so.
    if (api.body.charts.districts.length) {
      assert.deepEqual(await tableRows(page, 'districts'), api.body.charts.districts.map((r) => [r.district, String(r.count)]));
      for (const r of api.body.charts.districts) assert.ok(r.count === '<5' || r.count >= 5, JSON.stringify(r));
    } else {
      await page.locator('[data-test="empty-districts"]').waitFor({ timeout: STEP_MS });
    }
    await checkScreen(p, 'dashboard-tables');

    // The export: the screen's query, and its 指标 sheet holds the cards.
    const href = await page.locator('[data-test="dash-export"]').getAttribute('href');
    const exported = new URL(href, page.url());
    assert.match(exported.pathname, /\/api\/v1\/stats\/dashboard\/export$/);
    assert.deepEqual([...exported.searchParams].sort(), [...asked].sort());
    const file = await page.request.get(exported.href);
    assert.equal(file.status(), 200);
    assert.match(file.headers()['content-type'], /spreadsheetml/);
    const workbook = await file.body();
    const sheet = readSheet(workbook, '指标');
    assert.deepEqual(sheet[0].slice(0, 4), ['指标', '数值', '分子', '分母']);
    const shown = await shownCards(page);
    const rows = Object.fromEntries(sheet.slice(1).map((r) => [r[0], r]));
    for (const c of Object.values(shown)) {
      const row = rows[c.label];
      assert.ok(row, `a row for ${c.label}`);
      assert.equal(String(row[2]), c.num, `${c.label}: numerator`);
      if (c.den === null) {
        assert.equal(String(row[1]), c.value, `${c.label}: count`);
        assert.ok(row[3] === null || row[3] === undefined || row[3] === '', `${c.label}: no denominator`);
      } else {
        assert.equal(String(row[3]), c.den, `${c.label}: denominator`);
        assert.equal(Number(c.den) ? `${(row[1] * 100).toFixed(1)}%` : '—', c.value, `${c.label}: rate`);
      }
    }

    // The age portrait: one person of 30-44岁 in 东城区, shown as "<5" everywhere.
    const ages = api.body.charts.ages;
    assert.ok(ages.some((r) => r.band === '30-44岁'), JSON.stringify(ages));
    await agesEqual(page, ages, workbook);

    // A filter: channel api, through the form; the URL, the request, the cards and the export follow.
    const filtered = nextDashboard(page);
    await page.locator('#d-channel').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '（api）' }).click();
    await page.waitForURL(/channel=api/, { timeout: STEP_MS });
    const request2 = new URL((await filtered).url());
    assert.equal(request2.searchParams.get('channel'), 'api');
    assert.equal(request2.searchParams.get('from'), from);
    const api2 = await call('sup1', 'GET', `/stats/dashboard${request2.search}`);
    assert.equal(api2.status, 200);
    assert.equal(api2.body.cards.find((c) => c.code === 'volume').numerator, 1);
    await cardsEqual(page, api2.body);
    assert.deepEqual(await tableRows(page, 'channels'), api2.body.charts.channels.map((c) =>
      [`${c.name}（${c.channel}）`, String(c.started), String(c.without_person), pct(c.share)]));
    const href2 = new URL(await page.locator('[data-test="dash-export"]').getAttribute('href'), page.url());
    assert.deepEqual([...href2.searchParams].sort(), [...request2.searchParams].sort());
    await page.keyboard.press('Escape');
    await checkScreen(p, 'dashboard-channel-api');

    // A reload keeps the filter (it is the URL's); 刷新 asks again.
    const again = nextDashboard(page);
    await page.locator('[data-test="dash-refresh"]').click();
    assert.equal(new URL((await again).url()).search, request2.search);

    // A department's row leads to its work orders (the list filtered by it).
    await page.locator('[data-test="panel-on_time"] [data-test="link-on_time"]').first().click();
    await page.waitForURL(/#\/tickets\?.*department=cgj/, { timeout: STEP_MS });
    await page.locator('h1', { hasText: '工单' }).waitFor({ timeout: STEP_MS });
  } finally {
    await p.context.close();
  }
});

test('数据看板: an agent gets 无权访问', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'agent1');
    assert.ok(!(await menuItems(page)).includes('数据看板'));
    await page.goto(consoleUrl('/dashboard'));
    await page.locator('h1', { hasText: '无权访问' }).waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('#main').innerText(), /stats\.read/);
    await checkScreen(p, 'dashboard-agent');
  } finally {
    await p.context.close();
  }
});

// The bar of issue 16: on `zhixian demo seed`'s data the cards equal the API and the server's
// workbook to the unit, for 近 30 天, and the dashboard says 演示数据.
test('数据看板 on the demo data: cards, API and workbook agree to the unit', async () => {
  await stopServer();
  await startServer([['sup1', 'supervisor']], { ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE: '0' },
    { demo: 21, fresh: true });
  tokens.sup1 = await login('sup1');
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'sup1');
    const first = nextDashboard(page);
    await page.goto(consoleUrl('/dashboard?period=30d'));
    const request = new URL((await first).url());
    const api = await call('sup1', 'GET', `/stats/dashboard${request.search}`);
    assert.equal(api.status, 200);
    assert.equal(api.body.demo, true);
    const volume = api.body.cards.find((c) => c.code === 'volume');
    assert.ok(volume.numerator > 200, `weeks of activity: ${volume.numerator}`);
    assert.ok(api.body.cards.find((c) => c.code === 'response').denominator > 20);
    await cardsEqual(page, api.body);
    await page.getByText('演示数据').first().waitFor({ timeout: STEP_MS });
    const file = await page.request.get(new URL(
      await page.locator('[data-test="dash-export"]').getAttribute('href'), page.url()).href);
    assert.equal(file.status(), 200);
    const workbook = await file.body();
    const rows = Object.fromEntries(readSheet(workbook, '指标').slice(1).map((r) => [r[0], r]));
    for (const c of api.body.cards) {
      const row = rows[c.label];
      assert.ok(row, `a row for ${c.label}`);
      assert.equal(Number(row[2]), c.numerator, `${c.label}: numerator`);
      if (c.denominator !== null) assert.equal(Number(row[3]), c.denominator, `${c.label}: denominator`);
      assert.ok(Math.abs(Number(row[1]) - c.value) < 1e-9, `${c.label}: value`);
    }
    // The age portrait lives: some cells of 5 people or more, some "<5".
    const ages = api.body.charts.ages;
    const cells = ages.flatMap((r) => r.districts.map((c) => c.count));
    assert.ok(cells.some((n) => typeof n === 'number' && n >= 5), JSON.stringify(ages));
    assert.ok(cells.includes('<5'), JSON.stringify(ages));
    await agesEqual(page, ages, workbook);
    await checkScreen(p, 'dashboard-demo');

    // The seed's finished campaign: its report's figures add up, and its screen says 已完成.
    const list = await call('sup1', 'GET', '/campaigns');
    assert.equal(list.status, 200);
    const demo = list.body.campaigns.find((c) => c.name.includes('演示数据'));
    assert.ok(demo, 'a demo campaign');
    const { body } = await call('sup1', 'GET', `/campaigns/${demo.id}`);
    const f = body.figures;
    assert.equal(body.campaign.state, 'finished');
    assert.ok(f.targets > 0 && f.done === f.targets, `all ${f.targets} targets done: ${f.done}`);
    assert.ok(f.confirmed > 0 && f.confirmed <= f.reached && f.reached <= f.targets);
    assert.ok(Math.abs(f.success_rate - f.confirmed / f.targets) < 1e-9, 'success = confirmed ÷ targets');
    assert.equal(Object.values(f.outcomes).reduce((a, b) => a + b, 0), f.targets);
    await page.goto(consoleUrl(`/campaigns/${demo.id}`));
    await page.locator('[data-test="campaign-state"]', { hasText: '已完成' }).waitFor({ timeout: STEP_MS });
  } finally {
    await p.context.close();
  }
});
