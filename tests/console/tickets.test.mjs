// The work-order screens end to end (issue 16): a department handler of 东城区 (城管局 cgj) sees
// only her orders (a 西城区 order and another department's are neither listed nor opened: 无权访问)
// and 签收s three at once, the tab counts following; one order taken meanwhile is reported as
// failed with the server's reason. She opens an order, 办结s it with a reply, is told in words
// why a 签收 on a stale page was refused (409), 退单s an order with a reason and asks for an
// extension; the timeline shows each step. A supervisor sees every department, filters by
// district through the URL (the export link carries the same query and downloads), upholds the
// returned order and approves the extension. 工单统计: the rate cards (numerator / denominator)
// and the department table equal GET /api/v1/tickets/figures for the same period, and the export
// of that period downloads. On every screen: no CSP violation, no console
// error, no axe-core WCAG 2 A/AA violation, and a 1366×768 screenshot (harness.mjs).
// The orders are made over the REST API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, STEP_MS, checkScreen, cli, consoleUrl, launchBrowser, menuItems, openPage, server, signedIn,
  startServer, stopAll,
} from './harness.mjs';

const HANDLER = 'east.cgj';
const EAST = []; // 东城区, cgj 主办: six orders
let WEST = ''; // 西城区, cgj
let OTHER = ''; // 东城区, zjj
let PENDING = ''; // 高新区, no department yet (待人工派单)
let supToken = '';

async function login(name) {
  const r = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
  });
  assert.equal(r.status, 200, `login ${name}`);
  return (await r.json()).token;
}

async function call(token, method, path, body) {
  const r = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function createOrder(district, place, departments, extra = {}) {
  const r = await call(supToken, 'POST', '/tickets', {
    text: `${place}的井盖丢了，请尽快处理`, summary: `${place}井盖缺失`, topic: 'ts.road_damage',
    district, place, sla: '24h', channel: 'agent', contact: '13812345678', departments, ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

before(async () => {
  await startServer([['sup1', 'supervisor']], { ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE: '0' });
  cli(['user', 'add', HANDLER, '--role', 'department_handler', '--department', 'cgj',
    '--district', '东城区'], PASSWORD + '\n');
  await launchBrowser();
  supToken = await login('sup1');
  const cgj = [{ code: 'cgj', role: 'lead' }];
  for (let i = 1; i <= 6; i += 1) {
    // Places of their own, so that none is merged (并单) into another.
    EAST.push(await createOrder('东城区', `幸福路${i}号`, cgj, i === 5 ? { sla: '7d' } : {}));
  }
  WEST = await createOrder('西城区', '解放路1号', cgj);
  OTHER = await createOrder('东城区', '和平路1号', [{ code: 'zjj', role: 'lead' }], { topic: 'ts.construction' });
  PENDING = await createOrder('高新区', '科技园', undefined, { topic: 'ts.other' });
});
after(stopAll);

const tab = (page, code) => page.locator(`#tab-${code}`);
const waitCount = (page, code, n) => tab(page, code).filter({ hasText: `（${n}）` }).waitFor({ timeout: STEP_MS });
const rowLinks = (page) => page.locator('[data-test="ticket-table"] .el-table__body a[data-test^="ticket-open-"]');
async function listed(page) {
  return (await rowLinks(page).allInnerTexts()).map((s) => s.trim()).sort();
}
// Waits until the list shows exactly `ids` (in any order).
async function waitListed(page, ids) {
  const want = [...ids].sort();
  const deadline = Date.now() + STEP_MS;
  let got = [];
  while (Date.now() < deadline) {
    got = await listed(page);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(got, want, 'the orders listed');
}
const stepOf = (page, action) => page.locator(`[data-test="ticket-timeline"] [data-test="step-${action}"]`);

// Picks a department in one of the dialog's pickers from the keyboard, as a dispatcher may: its
// code typed, Enter takes the first match; the picker then shows the department's name.
async function pickDepartment(page, dialog, id, code) {
  const picker = dialog.locator('.el-select', { has: page.locator(`#${id}`) });
  await picker.click();
  await page.keyboard.type(code);
  await page.locator('.el-select-dropdown__item:visible', { hasText: `（${code}）` }).waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Enter');
  await picker.getByText(`（${code}）`).waitFor({ timeout: STEP_MS });
  await dialog.locator('.el-dialog__title').click(); // closes a multiple picker's list
}

async function act(page, button, fill) {
  await page.locator(`[data-test="${button}"]`).click();
  const dialog = page.locator('.el-dialog:visible');
  await dialog.waitFor({ timeout: STEP_MS });
  await fill(dialog);
  await dialog.locator('[data-test="act-submit"]').click();
  await dialog.waitFor({ state: 'hidden', timeout: STEP_MS });
}

test('a handler of 东城区 sees only her orders and 签收s three at once', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, HANDLER);
    assert.ok((await menuItems(page)).includes('工单'));
    await page.keyboard.press('g');
    await page.keyboard.press('w');
    await page.waitForURL(/#\/tickets/, { timeout: STEP_MS });
    await waitListed(page, EAST);
    await waitCount(page, 'to_accept', 6);
    await waitCount(page, 'in_progress', 0);
    assert.equal(await tab(page, 'to_dispatch').count(), 0, 'no dispatcher tabs for a handler');
    const scope = await page.locator('[data-test="ticket-scope"]').innerText();
    assert.match(scope, /示例市城市管理局（cgj）/);
    assert.match(scope, /东城区/);
    await checkScreen(p, 'tickets-handler');

    // Three at once: two ticked with the mouse, one from the keyboard.
    await page.locator(`[data-test="select-${EAST[0]}"]`).click();
    await page.locator(`[data-test="select-${EAST[1]}"]`).click();
    await page.locator(`[data-test="select-${EAST[2]}"] input`).focus();
    await page.keyboard.press('Space');
    assert.match(await page.locator('[data-test="accept-selected"]').innerText(), /（3）/);
    await page.locator('[data-test="accept-selected"]').click();
    await page.locator('[data-test="batch-result"]', { hasText: '已签收 3 单。' }).waitFor({ timeout: STEP_MS });
    await waitCount(page, 'to_accept', 3);
    await waitCount(page, 'in_progress', 3);
    await waitListed(page, EAST.slice(3));

    // One of the next two is 签收ed by someone else meanwhile: reported, with the server's reason.
    p.allow(/status of 409/);
    assert.equal((await call(supToken, 'POST', `/tickets/${EAST[3]}/accept`, {})).status, 200);
    await page.locator(`[data-test="select-${EAST[3]}"]`).click();
    await page.locator(`[data-test="select-${EAST[4]}"]`).click();
    await page.locator('[data-test="accept-selected"]').click();
    await page.locator('[data-test="batch-result"]', { hasText: '已签收 1 单，1 单未能签收。' }).waitFor({ timeout: STEP_MS });
    const failed = await page.locator('[data-test="batch-failed"]').innerText();
    assert.match(failed, new RegExp(`${EAST[3]}：.*409.*签收`));
    await waitCount(page, 'to_accept', 1);
    await waitCount(page, 'in_progress', 5);
    await checkScreen(p, 'tickets-handler-batch');

    // The tab is in the URL: a reload shows the same list.
    await tab(page, 'in_progress').click();
    await page.waitForURL(/tab=in_progress/, { timeout: STEP_MS });
    await waitListed(page, EAST.slice(0, 5));
    await page.reload();
    await waitListed(page, EAST.slice(0, 5));

    // Outside her scope: not listed above, and refused when opened by its address.
    p.allow(/status of 403/);
    for (const id of [WEST, OTHER]) {
      await page.goto(consoleUrl(`/tickets/${id}`));
      await page.locator('h1', { hasText: '无权访问' }).waitFor({ timeout: STEP_MS });
      const refused = page.locator('[data-test="refused"]', { hasText: id });
      await refused.waitFor({ timeout: STEP_MS });
      assert.match(await refused.innerText(), /HTTP 403/);
    }
    await checkScreen(p, 'ticket-forbidden');
  } finally {
    await p.context.close();
  }
});

test('she opens an order, 办结s one, 退单s another, asks for an extension; the timeline shows it', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, HANDLER);
    await page.goto(consoleUrl('/tickets?tab=in_progress'));
    await waitListed(page, EAST.slice(0, 5));
    await page.locator(`[data-test="ticket-open-${EAST[0]}"]`).click();
    await page.locator('#ticket-title', { hasText: EAST[0] }).waitFor({ timeout: STEP_MS });
    await stepOf(page, 'accept').first().waitFor({ timeout: STEP_MS });
    assert.equal(await stepOf(page, 'create').count(), 1);
    assert.ok(await stepOf(page, 'dispatch').count() >= 1);
    assert.match(await page.locator('[data-test="task-state-cgj"]').innerText(), /办理中/);
    await checkScreen(p, 'ticket-detail-handler');

    // 办结 needs the reply: refused in the dialog before anything is sent.
    await page.locator('[data-test="act-resolve-cgj"]').click();
    const dialog = page.locator('.el-dialog:visible');
    await dialog.waitFor({ timeout: STEP_MS });
    await dialog.locator('[data-test="act-submit"]').click();
    await dialog.locator('[data-test="act-error"]').waitFor({ timeout: STEP_MS });
    await page.locator('#act-reply').fill('已于当日补装井盖并设置警示标志。');
    await checkScreen(p, 'ticket-resolve-dialog');
    await dialog.locator('[data-test="act-submit"]').click();
    await dialog.waitFor({ state: 'hidden', timeout: STEP_MS });
    await stepOf(page, 'resolve').first().waitFor({ timeout: STEP_MS }); // the task's and the order's
    assert.match(await page.locator('[data-test="ticket-state"]').innerText(), /已办结/);
    assert.match(await page.locator('[data-test="task-table"]').innerText(), /已于当日补装井盖/);

    // A stale page: the order was 签收ed elsewhere; her 签收 is refused and the page says why.
    p.allow(/status of 409/);
    const id = EAST[5];
    await page.goto(consoleUrl(`/tickets/${id}`));
    await page.locator('[data-test="act-accept-cgj"]').waitFor({ timeout: STEP_MS });
    assert.equal((await call(supToken, 'POST', `/tickets/${id}/accept`, {})).status, 200);
    await page.locator('[data-test="act-accept-cgj"]').click();
    const error = page.locator('[data-test="ticket-error"]');
    await error.waitFor({ timeout: STEP_MS });
    assert.match(await error.innerText(), /409.*cannot 签收 a task that is 办理中/);
    await page.locator('[data-test="act-accept-cgj"]').waitFor({ state: 'detached', timeout: STEP_MS });

    // 退单 with its reason.
    const reason = '井盖属供水集团管线设施，不属本部门职责';
    await act(page, 'act-return-cgj', (d) => d.locator('#act-reason').fill(reason));
    await stepOf(page, 'return').filter({ hasText: reason }).waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="task-state-cgj"]').innerText(), /已退单/);
    assert.match(await page.locator('[data-test="ticket-state"]').innerText(), /待人工派单/);
    assert.match(await stepOf(page, 'return').innerText(), /办理中 → 已退单/);
    await checkScreen(p, 'ticket-detail-returned');

    // 延期 asked on another order (hours for the 24h tier).
    await page.goto(consoleUrl(`/tickets/${EAST[1]}`));
    await act(page, 'act-extension-cgj', async (d) => {
      await d.locator('#act-days').fill('6');
      await d.locator('#act-reason').fill('需协调燃气公司共同开挖');
    });
    await stepOf(page, 'extension_ask').first().waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="task-extension-cgj"]').innerText(), /延期待审：6 小时/);
  } finally {
    await p.context.close();
  }
});

test('a supervisor sees every department, filters through the URL, exports the same list, decides', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'sup1');
    const listRequest = page.waitForRequest((r) => /\/api\/v1\/tickets\?/.test(r.url()), { timeout: STEP_MS });
    await page.goto(consoleUrl(`/tickets?district=${encodeURIComponent('西城区')}`));
    await waitListed(page, [WEST]);
    assert.equal(await page.locator('#t-district').inputValue(), '西城区');
    assert.equal(await tab(page, 'to_dispatch').count(), 1, 'the dispatcher\'s tabs');
    await waitCount(page, 'returned', 0); // none of 西城区
    assert.match(await page.locator('[data-test="ticket-scope"]').innerText(), /全部部门/);

    // The export is the screen's list: the same query (paging aside), and it downloads.
    const listed = new URL((await listRequest).url()).searchParams;
    const href = await page.locator('[data-test="ticket-export"]').getAttribute('href');
    const exported = new URL(href, page.url()).searchParams;
    assert.equal(exported.get('format'), 'xlsx');
    assert.equal(exported.get('district'), '西城区');
    for (const [k, v] of listed) if (k !== 'limit' && k !== 'offset') assert.equal(exported.get(k), v, k);
    for (const [k] of exported) if (k !== 'format') assert.ok(listed.has(k), k);
    const file = await page.request.get(new URL(href, page.url()).href);
    assert.equal(file.status(), 200);
    assert.match(file.headers()['content-type'], /spreadsheetml/);
    await checkScreen(p, 'tickets-supervisor-district');

    // Every department when no filter: the other department's order is there too.
    await page.locator('[data-test="ticket-filter"]').waitFor();
    await page.locator('#t-district').fill('');
    await page.locator('[data-test="ticket-filter"]').click();
    await page.waitForURL((u) => !u.hash.includes('district'), { timeout: STEP_MS });
    await waitListed(page, [WEST, OTHER]);

    // 待人工派单 holds the order no department was found for.
    await tab(page, 'to_dispatch').click();
    await page.locator(`[data-test="ticket-open-${PENDING}"]`).waitFor({ timeout: STEP_MS });

    // 退单待定: the order she returned; the dispatcher upholds it (back to her department).
    await tab(page, 'returned').click();
    await waitListed(page, [EAST[5]]);
    await checkScreen(p, 'tickets-supervisor-returned');
    await page.locator(`[data-test="ticket-open-${EAST[5]}"]`).click();
    await act(page, 'act-uphold-cgj', (d) => d.locator('#act-reason').fill('经核实属城管职责，请继续办理'));
    await stepOf(page, 'uphold').first().waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="task-state-cgj"]').innerText(), /待签收/);
    await page.locator('[data-test="back-to-list"]').click();
    await page.waitForURL(/tab=returned/, { timeout: STEP_MS });
    await page.locator('[data-test="ticket-count"]', { hasText: '共 0 单' }).waitFor({ timeout: STEP_MS });
    await waitListed(page, []);

    // The extension she asked for: approved.
    await page.goto(consoleUrl(`/tickets/${EAST[1]}`));
    await act(page, 'act-approve-cgj', (d) => d.locator('#act-reason').fill('同意'));
    await stepOf(page, 'extension_approve').first().waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="task-extension-cgj"]').innerText(), /延期已批准/);
    await checkScreen(p, 'ticket-detail-supervisor');

    // 待人工派单: dispatched by hand to a lead and an assisting department.
    await page.goto(consoleUrl(`/tickets/${PENDING}`));
    await act(page, 'act-dispatch', async (d) => {
      await pickDepartment(page, d, 'act-lead', 'zjj');
      await pickDepartment(page, d, 'act-assists', 'cgj');
    });
    await page.locator('[data-test="task-state-zjj"]').waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="ticket-state"]').innerText(), /办理中/);
    const tasks = await page.locator('[data-test="task-table"]').innerText();
    assert.match(tasks, /协办/);
    assert.match(tasks, /示例市住房和城乡建设局[\s\S]*示例市城市管理局/); // names, not codes
  } finally {
    await p.context.close();
  }
});

test('工单统计: the cards and the department table equal the statistics API; the export downloads', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'sup1');
    await page.goto(consoleUrl('/tickets-figures?period=7d'));
    const cards = page.locator('[data-test="rate-cards"]');
    await cards.waitFor({ timeout: STEP_MS });
    const range = await page.locator('[data-test="figures-range"]').innerText();
    const [, from, last] = range.match(/^(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})（7 天）/);
    const until = new Date(Date.parse(`${last}T00:00:00Z`) + 86400e3).toISOString().slice(0, 10);
    const api = await call(supToken, 'GET', `/tickets/figures?from=${from}&until=${until}`);
    assert.equal(api.status, 200);
    const { total, departments } = api.body;
    assert.ok(total.created >= 9, JSON.stringify(total)); // the orders made above
    for (const key of ['response', 'on_time', 'solved', 'satisfied']) {
      const r = total[key];
      const text = await page.locator(`[data-test="rate-${key}"]`).innerText();
      assert.ok(text.includes(`${r.numerator} / ${r.denominator}`), `${key}: ${text} vs ${JSON.stringify(r)}`);
      if (r.denominator) assert.ok(text.includes(`${(r.value * 100).toFixed(1)}%`), `${key}: ${text}`);
    }
    assert.ok(total.response.denominator > 0 && total.response.numerator >= 3, JSON.stringify(total.response));
    assert.match(await page.locator('[data-test="count-created"]').innerText(), new RegExp(`登记工单\\s+${total.created}\\b`));
    assert.match(await page.locator('[data-test="count-returned"]').innerText(),
      new RegExp(`${total.returned} / ${total.extensions} / ${total.unanswered}`));
    // One row per department, each rate as the API gives it.
    const rows = await page.locator('[data-test="department-table"] .el-table__body tr').allInnerTexts();
    assert.equal(rows.length, departments.length);
    const rateText = (r) => (r.denominator ? `${(r.value * 100).toFixed(1)}%（${r.numerator}/${r.denominator}）` : '—');
    for (const d of departments) {
      const row = rows.find((t) => t.split('\t')[0].trim().endsWith(`（${d.department}）`));
      assert.ok(row, d.department);
      const cells = row.split('\t').map((c) => c.trim());
      assert.match(cells[0], /^示例市.+（/, 'the department by its name'); // kb/departments.tsv
      assert.deepEqual(cells.slice(1), [...['response', 'on_time', 'solved', 'satisfied'].map((k) => rateText(d[k])),
        String(d.returned), String(d.extensions)]);
    }
    const href = await page.locator('[data-test="figures-export"]').getAttribute('href');
    const exported = new URL(href, page.url()).searchParams;
    assert.equal(exported.get('from'), from);
    assert.equal(exported.get('until'), until);
    const file = await page.request.get(new URL(href, page.url()).href);
    assert.equal(file.status(), 200);
    assert.match(file.headers()['content-type'], /spreadsheetml/);
    await checkScreen(p, 'ticket-figures');

    // A custom period that ends before it starts is refused in words, nothing fetched.
    await page.goto(consoleUrl(`/tickets-figures?period=custom&first=${last}&last=${from}`));
    await page.locator('[data-test="figures-error"]', { hasText: '结束不早于开始' }).waitFor({ timeout: STEP_MS });
  } finally {
    await p.context.close();
  }
  // A department handler: her department's figures (the server cuts them), no table of all.
  const h = await openPage();
  try {
    await signedIn(h, HANDLER);
    await h.page.goto(consoleUrl('/tickets-figures?period=7d'));
    await h.page.locator('[data-test="figures-scope"]', { hasText: 'cgj' }).waitFor({ timeout: STEP_MS });
    const range = await h.page.locator('[data-test="figures-range"]').innerText();
    const [, from, last] = range.match(/^(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})/);
    const until = new Date(Date.parse(`${last}T00:00:00Z`) + 86400e3).toISOString().slice(0, 10);
    const own = await call(await login(HANDLER), 'GET', `/tickets/figures?from=${from}&until=${until}`);
    assert.equal(own.status, 200);
    const r = own.body.total.response;
    assert.ok(r.denominator > 0, JSON.stringify(own.body.total));
    assert.ok((await h.page.locator('[data-test="rate-response"]').innerText()).includes(`${r.numerator} / ${r.denominator}`));
    assert.equal(await h.page.locator('[data-test="department-table"]').count(), 0);
    await checkScreen(h, 'ticket-figures-handler');
  } finally {
    await h.context.close();
  }
});
