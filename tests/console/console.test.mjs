// The staff console end to end: `zhixian serve` on 127.0.0.1 port 0 with a fresh data directory
// and users made with the CLI, Debian's Chromium headless driven by playwright-core, a
// 1366×768 window. On every screen: no Content-Security-Policy violation, no console error, no
// axe-core WCAG 2 A/AA violation, and a screenshot kept as a test artefact.
//
//   ZX_BINARY=build/zhixian node --test tests/console/     (from the repository root, after
//   (cd web/console && npm ci && npm run build) and (cd tests/console && npm ci))
//
// ZX_ARTEFACTS=DIR: where the screenshots go (CTest: the build tree's tests/console/artefacts;
// default build/console-artefacts). The admin actions of the admin-api routes (disable, enable,
// unlock, password, TOTP, API keys) run when the server has those routes, and say they were
// skipped when it does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  PASSWORD, STEP_MS, checkScreen, cli, confirmBox, consoleUrl, hasRoute, launchBrowser, menuItems,
  openPage, rowOf, server, signIn, signedIn, startServer, stopAll, totp,
} from './harness.mjs';

const USERS = [['admin1', 'admin'], ['agent1', 'agent'], ['auditor1', 'auditor'],
  ['otp1', 'supervisor']];

// Adds a user through the 添加用户 dialog and waits for its row; `shot` checks the filled form.
async function addUser(p, name, roleText, password, department = '', district = '', shot = '') {
  const { page } = p;
  await page.locator('[data-test="add-user"]').click();
  const dialog = page.locator('.el-dialog', { hasText: '添加用户' });
  await dialog.waitFor({ timeout: STEP_MS });
  await page.locator('#user-name').fill(name);
  await page.locator('[data-test="user-role"]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: roleText }).click();
  await page.locator('#user-password').fill(password);
  if (department) await page.locator('#user-department').fill(department);
  if (district) await page.locator('#user-district').fill(district);
  if (shot) await checkScreen(p, shot);
  await page.locator('[data-test="add-user-submit"]').click();
  await dialog.waitFor({ state: 'hidden', timeout: STEP_MS });
  await rowOf(page, name).waitFor({ timeout: STEP_MS });
}

before(async () => {
  await startServer(USERS);
  await launchBrowser();
});

after(stopAll);

test('served at /console/ under the CSP; /console redirects; assets are flat', async () => {
  const bare = await fetch(server.base + '/console', { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/console/');
  const page = await fetch(server.base + '/console/');
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /style-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await page.text();
  assert.doesNotMatch(html, /<script>|<style|style=/, 'no inline script or style');
  for (const m of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) {
    assert.doesNotMatch(m[1], /\//, 'a flat file: ' + m[1]);
    const r = await fetch(`${server.base}/console/${m[1]}`);
    assert.equal(r.status, 200, m[1]);
  }
});

test('the sign-in: wrong password refused in Chinese, then the home screen', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await page.goto(consoleUrl());
    await page.locator('#signin-name').waitFor({ timeout: STEP_MS });
    assert.match(page.url(), /#\/login/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await checkScreen(p, 'signin');

    p.allow(/status of 401/);
    await signIn(p, 'admin1', 'not-the-password');
    const error = page.locator('[data-test="signin-error"]');
    await error.waitFor({ timeout: STEP_MS });
    assert.match(await error.innerText(), /用户名、密码或动态口令不正确/);
    await checkScreen(p, 'signin-error');

    await signIn(p, 'admin1');
    await page.locator('[data-test="who"]').waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('h1').innerText(), /你好，admin1/);
    assert.equal(await page.locator('[data-test="my-role"]').innerText(), '系统管理员');
    const menu = await menuItems(page);
    assert.ok(menu.includes('用户管理') && menu.includes('API 密钥') && menu.includes('审计校验'),
      menu.join(','));
    assert.ok(!menu.includes('审计日志'), 'reading the audit log is the auditor\'s: ' + menu);
    await checkScreen(p, 'home-admin');

    // A reload keeps the session (the cookie and the tab's CSRF token).
    await page.reload();
    await page.locator('[data-test="who"]').waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'home-admin-reloaded');
  } finally {
    await context.close();
  }
});

test('keyboard: skip link, the shortcut sheet on ?, g u to the users screen', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    await page.reload(); // focus at the start of the page
    await page.locator('[data-test="who"]').waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    assert.match(page.url(), /#\/$/, 'the skip link does not change the route');

    await page.keyboard.press('?');
    const sheet = page.locator('.el-dialog', { hasText: '键盘快捷键' });
    await sheet.waitFor({ timeout: STEP_MS });
    const sheetText = await sheet.innerText();
    for (const want of ['用户管理', 'API 密钥', '审计校验']) assert.match(sheetText, new RegExp(want));
    await checkScreen(p, 'shortcut-sheet');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden', timeout: STEP_MS });

    await page.keyboard.press('g');
    await page.keyboard.press('u');
    await page.waitForURL(/#\/users$/, { timeout: STEP_MS });
    await page.locator('h1', { hasText: '用户管理' }).waitFor();
    await page.waitForFunction(() => document.activeElement.tagName === 'H1', undefined,
      { timeout: STEP_MS }); // focus moves to the new screen's heading
    await page.keyboard.press('g');
    await page.keyboard.press('k');
    await page.waitForURL(/#\/apikeys$/, { timeout: STEP_MS });
  } finally {
    await context.close();
  }
});

test('admin: add a user (editor), disable and enable it, reset, unlock, TOTP', async (t) => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    await page.locator('a[data-screen="users"]').click();
    await page.locator('[data-test="users-table"] .el-table__body tr').first().waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'users');

    // An editor (no scope: only department handlers have one), then a department handler.
    await addUser(p, 'kb.editor1', '知识库编辑', 'Editor-Passw0rd-2026!');
    const row = rowOf(page, 'kb.editor1');
    assert.match(await row.innerText(), /知识库编辑[\s\S]*全部 \/ 全部/);
    assert.equal(await page.locator('[data-test="status-kb.editor1"]').innerText(), '正常');
    await addUser(p, 'rsj.handler1', '承办部门', 'Handler-Passw0rd-2026!', 'rsj', '330102',
      'users-add-handler');
    assert.match(await rowOf(page, 'rsj.handler1').innerText(), /承办部门[\s\S]*rsj \/ 330102/);

    if (!(await hasRoute('/api/v1/users/1/disable'))) {
      t.diagnostic('skipped disable/enable/unlock/password/TOTP: no admin-api routes on this server');
      return;
    }
    await page.locator('[data-test="disable-kb.editor1"]').click();
    await confirmBox(page);
    await page.locator('[data-test="status-kb.editor1"]', { hasText: '已停用' }).waitFor({ timeout: STEP_MS });
    await page.locator('[data-test="enable-kb.editor1"]').click();
    await confirmBox(page);
    await page.locator('[data-test="status-kb.editor1"]', { hasText: '正常' }).waitFor({ timeout: STEP_MS });

    await page.locator('[data-test="unlock-kb.editor1"]').click();
    await confirmBox(page);
    await page.locator('.el-message--success', { hasText: '已解锁' }).waitFor({ timeout: STEP_MS });

    await page.locator('[data-test="password-kb.editor1"]').click();
    await page.locator('#new-password').fill('Editor-Passw0rd-2027!');
    await page.locator('[data-test="password-submit"]').click();
    await page.locator('.el-message--success', { hasText: '已重置' }).waitFor({ timeout: STEP_MS });
    const relogin = await fetch(server.base + '/api/v1/auth/login', {
      method: 'POST', body: JSON.stringify({ name: 'kb.editor1', password: 'Editor-Passw0rd-2027!' }),
    });
    assert.equal(relogin.status, 200, 'the new password works');

    await page.locator('[data-test="totp-kb.editor1"]').click();
    await confirmBox(page);
    const secret = page.locator('[data-test="secret"]');
    await secret.waitFor({ timeout: STEP_MS });
    assert.match(await secret.innerText(), /^[A-Z2-7]{16,}=*$/);
    await checkScreen(p, 'users-totp-secret');
    await page.locator('[data-test="secret-done"]').click();
    await secret.waitFor({ state: 'hidden', timeout: STEP_MS });
  } finally {
    await context.close();
  }
});

test('keyboard only: add a user, choosing the role with the arrow keys', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    await page.keyboard.press('g');
    await page.keyboard.press('u');
    await page.locator('[data-test="users-table"] .el-table__body tr').first().waitFor({ timeout: STEP_MS });
    const focused = () => page.evaluate(() => document.activeElement.id ||
      document.activeElement.getAttribute('data-test') || document.activeElement.tagName);
    for (let i = 0; i < 5 && (await focused()) !== 'add-user'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'add-user', 'the add button is reached with Tab');
    await page.keyboard.press('Enter');
    await page.locator('#user-name').waitFor({ timeout: STEP_MS });
    for (let i = 0; i < 5 && (await focused()) !== 'user-name'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type('kbd.editor1');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'user-role');
    await page.keyboard.press('Enter');
    const hovered = page.locator('.el-select-dropdown__item.is-hovering');
    for (let i = 0; i < 8 && (await hovered.innerText().catch(() => '')) !== '知识库编辑'; i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-test="user-role"]').innerText(), '知识库编辑');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'user-password');
    await page.keyboard.type('Keyboard-Passw0rd-2026!');
    for (let i = 0; i < 6 && (await focused()) !== 'add-user-submit'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'add-user-submit');
    await page.keyboard.press('Enter');
    await rowOf(page, 'kbd.editor1').waitFor({ timeout: STEP_MS });
    assert.match(await rowOf(page, 'kbd.editor1').innerText(), /知识库编辑/);
    assert.deepEqual(p.problems, []);
  } finally {
    await context.close();
  }
});

test('admin: create an API key (shown once) and revoke it', async (t) => {
  if (!(await hasRoute('/api/v1/apikeys'))) {
    t.skip('no admin-api routes (/api/v1/apikeys) on this server');
    return;
  }
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    await page.locator('a[data-screen="apikeys"]').click();
    await page.locator('h1', { hasText: 'API 密钥' }).waitFor();
    await checkScreen(p, 'apikeys');
    await page.locator('[data-test="add-key"]').click();
    await page.locator('#key-name').fill('rsj-ticket-system');
    await page.locator('#key-department').fill('rsj');
    await page.locator('[data-test="add-key-submit"]').click();
    const secret = page.locator('[data-test="secret"]');
    await secret.waitFor({ timeout: STEP_MS });
    const key = (await secret.innerText()).trim();
    assert.match(key, /^zxk_[0-9a-f]{16}_/);
    await checkScreen(p, 'apikeys-secret');
    await page.locator('[data-test="secret-done"]').click();
    await page.locator('[data-test="key-status-rsj-ticket-system"]', { hasText: '有效' }).waitFor({ timeout: STEP_MS });
    assert.doesNotMatch(await page.locator('[data-test="keys-table"]').innerText(), new RegExp(key),
      'the key is not in the list');
    await page.locator('[data-test="revoke-rsj-ticket-system"]').click();
    await confirmBox(page);
    await page.locator('[data-test="key-status-rsj-ticket-system"]', { hasText: '已吊销' }).waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'apikeys-revoked');
  } finally {
    await context.close();
  }
});

test('admin: verify the audit log without reading it', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    await page.locator('a[data-screen="audit-verify"]').click();
    await page.locator('[data-test="verify"]').click();
    const result = page.locator('[data-test="verify-result"]');
    await result.waitFor({ timeout: STEP_MS });
    assert.match(await result.innerText(), /校验通过：共 \d+ 条记录/);
    await checkScreen(p, 'audit-verify');
  } finally {
    await context.close();
  }
});

test('auditor: filter the audit log (in the URL), page it, verify', async (t) => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'auditor1');
    await page.locator('a[data-screen="audit"]').click();
    await page.locator('[data-test="audit-table"] .el-table__body tr').first().waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'audit');

    // Paging: the page is in the URL; a server that counts (total) shows other entries on it.
    const seqs = () => page.locator('[data-test="audit-table"] .el-table__body tr td:first-child').allInnerTexts();
    const firstPage = await seqs();
    if (firstPage.length < 20) {
      t.diagnostic('paging not checked: fewer than 20 audit entries (run the whole file)');
    } else {
      await page.locator('.pager .btn-next').click();
      await page.waitForURL(/#\/audit\?page=2/, { timeout: STEP_MS });
      await page.waitForFunction(() =>
        !document.querySelector('[data-test="audit-count"]').textContent.includes('加载'));
      if ((await page.locator('[data-test="audit-count"]').innerText()).startsWith('共')) {
        // Older entries: every page view is itself audited, so the newest-first pages move on
        // by the entries written since (page 2 may begin with the last rows of page 1), but
        // page 2 reaches further back than page 1 did.
        const oldest = Math.min(...firstPage.map(Number));
        await page.waitForFunction((least) => {
          const cells = [...document.querySelectorAll('[data-test="audit-table"] .el-table__body tr td:first-child')];
          return cells.length > 0 && Math.min(...cells.map((c) => Number(c.textContent.trim()))) < least;
        }, oldest, { timeout: STEP_MS });
      }
    }

    await page.locator('#f-action').fill('user.');
    await page.locator('[data-test="audit-filter"]').click();
    await page.waitForURL(/#\/audit\?action=user\./, { timeout: STEP_MS });
    await page.waitForFunction(() => !document.querySelector('[data-test="audit-count"]').textContent.includes('加载'));
    const actions = await page.locator('[data-test="audit-table"] .el-table__body tr td:nth-child(4)').allInnerTexts();
    assert.ok(actions.length > 0, 'user.* entries (the users added)');
    for (const a of actions) assert.match(a, /^user\./);
    await page.locator('.zx-chart canvas').waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('.zx-chart').getAttribute('aria-label'), /user\.add/);
    await page.locator('.zx-chart canvas').first().hover(); // a tooltip, drawn on the canvas
    await checkScreen(p, 'audit-filtered');

    // The URL is the view: opening it again shows the same filter.
    const again = await context.newPage();
    await again.goto(page.url());
    await again.locator('[data-test="audit-table"] .el-table__body tr').first().waitFor({ timeout: STEP_MS });
    assert.equal(await again.locator('#f-action').inputValue(), 'user.');
    await again.close();

    await page.locator('[data-test="verify"]').click();
    await page.locator('[data-test="verify-result"]', { hasText: '校验通过' }).waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'audit-verified');
  } finally {
    await context.close();
  }
});

test('agent: no users screen in the menu, and its URL says 无权访问', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'agent1');
    const menu = await menuItems(page);
    assert.ok(!menu.includes('用户管理'), menu.join(','));
    assert.equal(await page.locator('[data-test="my-role"]').innerText(), '坐席');
    await checkScreen(p, 'home-agent');
    await page.goto(consoleUrl('/users'));
    await page.locator('h1', { hasText: '无权访问' }).waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('#main').innerText(), /user\.manage/);
    await checkScreen(p, 'users-forbidden-agent');
  } finally {
    await context.close();
  }
});

test('a screen the server refuses (403) says 无权访问 and what was refused', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    p.allow(/status of 403/);
    await page.route('**/api/v1/users', (route) => route.fulfill({
      status: 403, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'permission_denied', message: 'outside your department or district' } }),
    }));
    await page.locator('a[data-screen="users"]').click();
    await page.locator('h1', { hasText: '无权访问' }).waitFor({ timeout: STEP_MS });
    const refused = await page.locator('[data-test="refused"]').innerText();
    assert.match(refused, /GET \/api\/v1\/users/);
    assert.match(refused, /403/);
    assert.match(refused, /outside your department/);
    await checkScreen(p, 'users-refused-403');
  } finally {
    await context.close();
  }
});

test('session expiry and sign-out go back to the sign-in', async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await signedIn(p, 'admin1');
    // The session ends on the server (as when it expires): the next call answers 401.
    const cookie = (await context.cookies()).find((c) => c.name === 'zx_session');
    assert.ok(cookie && cookie.httpOnly, 'an HttpOnly session cookie');
    const out = await fetch(server.base + '/api/v1/auth/logout', {
      method: 'POST', headers: { authorization: 'Bearer ' + cookie.value },
    });
    assert.equal(out.status, 200);
    p.allow(/status of 401/);
    await page.locator('a[data-screen="users"]').click();
    await page.locator('#signin-name').waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('.signin').innerText(), /会话已过期/);
    assert.match(decodeURIComponent(page.url()), /next=\/users/);

    await signIn(p, 'admin1');
    await page.waitForURL(/#\/users$/, { timeout: STEP_MS }); // back where it was
    await page.locator('[data-test="sign-out"]').click();
    await page.locator('#signin-name').waitFor({ timeout: STEP_MS });
    await page.goto(consoleUrl('/users'));
    await page.locator('#signin-name').waitFor({ timeout: STEP_MS });
  } finally {
    await context.close();
  }
});

test('an account with a one-time code signs in with it', async () => {
  const out = cli(['user', 'otp', 'enable', 'otp1']);
  const secret = (out.match(/secret=([A-Z2-7]+)/) || [])[1];
  assert.ok(secret, out);
  const p = await openPage();
  const { page, context } = p;
  try {
    await page.goto(consoleUrl('/login'));
    p.allow(/status of 401/);
    await signIn(p, 'otp1');
    await page.locator('[data-test="signin-error"]').waitFor({ timeout: STEP_MS });
    await signIn(p, 'otp1', PASSWORD, totp(secret));
    await page.locator('[data-test="who"]').waitFor({ timeout: STEP_MS });
    assert.equal(await page.locator('[data-test="my-role"]').innerText(), '值班长');
  } finally {
    await context.close();
  }
});
