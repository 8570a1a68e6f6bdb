// The knowledge-base screens end to end (issue 14): an editor changes an answer in the browser,
// a second editor approves it, and citizens get the new answer within 5 s while questions keep
// coming, with no failed request; a version dated tomorrow is 已计划 and not answered today;
// versions compared word by word; the hit test and the batch test (the same file twice gives
// the same numbers); a policy document imported into proposals and one accepted as a draft;
// unanswered questions grouped and dismissed. On every screen: no CSP violation, no console
// error, no axe-core WCAG 2 A/AA violation, and a 1366×768 screenshot (harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HERE, STEP_MS, checkScreen, consoleUrl, launchBrowser, menuItems, openPage, server, signedIn,
  startServer, stopAll,
} from './harness.mjs';

const ENTRY = 'yb.remote_filing';
const QUESTION = '去外地看病要先备案吗，怎么办';

before(async () => {
  // The citizens' load comes from this one address: no per-address limit (security.md).
  await startServer([['ed1', 'editor'], ['ed2', 'editor'], ['agent1', 'agent']],
    { ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE: '0' });
  await launchBrowser();
});
after(stopAll);

async function ask(question = QUESTION) {
  const r = await fetch(`${server.base}/api/v1/ask`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question }),
  });
  return { status: r.status, body: await r.json() };
}

function todayCst(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

// Opens the entry, changes its answer with `edit`, saves the draft and submits it.
async function editAndSubmit(p, edit, note) {
  const { page } = p;
  await page.goto(consoleUrl(`/kb/entry/${ENTRY}`));
  const answer = page.locator('#e-answer');
  await answer.waitFor({ timeout: STEP_MS });
  await answer.fill(edit(await answer.inputValue()));
  await page.locator('#e-note').fill(note);
  await page.locator('[data-test="entry-save"]').click();
  await page.locator('.el-message--success', { hasText: '已保存草稿' }).waitFor({ timeout: STEP_MS });
  await page.locator('[data-test="entry-submit"]:not([disabled])').waitFor({ timeout: STEP_MS });
  await page.locator('[data-test="entry-submit"]').click();
  await page.locator('.el-message--success', { hasText: '已提交审核' }).waitFor({ timeout: STEP_MS });
}

// Approves the entry's submitted version on 审核发布 with `effective`.
async function approve(p, effective) {
  const { page } = p;
  await page.goto(consoleUrl('/kb/review'));
  const button = page.locator(`[data-test="approve-${ENTRY}"]`);
  await button.waitFor({ timeout: STEP_MS });
  await button.click();
  await page.locator('#a-effective').fill(effective);
  await page.locator('#a-note').fill('核对无误');
  await page.locator('[data-test="approve-submit"]').click();
}

test('an answer edited, approved by another editor, answered within 5 s with no failed request', async () => {
  const p1 = await openPage();
  const p2 = await openPage();
  try {
    await signedIn(p1, 'ed1');
    const menu = await menuItems(p1.page);
    for (const want of ['知识条目', '审核发布', '命中测试', '批量测试', '文档导入', '未解决问题']) {
      assert.ok(menu.includes(want), `${want} in ${menu}`);
    }
    await p1.page.goto(consoleUrl('/kb'));
    await p1.page.locator('#kb-q').fill('备案');
    await p1.page.locator('#kb-q').press('Enter');
    await p1.page.locator(`[data-test="kb-open-${ENTRY}"]`).waitFor({ timeout: STEP_MS });
    await checkScreen(p1, 'kb-entries');
    await p1.page.locator(`[data-test="kb-open-${ENTRY}"]`).click();
    await p1.page.locator('#e-answer').waitFor({ timeout: STEP_MS });
    await checkScreen(p1, 'kb-entry');
    await p1.page.locator('[data-test="entry-check"]').click();
    await p1.page.locator('[data-test="check-result"]').waitFor({ timeout: 60000 });
    await checkScreen(p1, 'kb-entry-check-phrasings');

    const before = await ask();
    assert.match(before.body.answer, /不少于6个月/);
    await editAndSubmit(p1, (a) => a.replace('不少于6个月', '不少于12个月'), '临时外出就医备案有效期调整');

    // The editor cannot approve their own version: the server refuses (403), said in the dialog.
    p1.allow(/status of 403/);
    await approve(p1, todayCst());
    await p1.page.locator('[data-test="review-error"]', { hasText: '403' }).waitFor({ timeout: STEP_MS });

    await signedIn(p2, 'ed2');
    await p2.page.goto(consoleUrl('/kb/review'));
    await p2.page.locator(`[data-test="approve-${ENTRY}"]`).waitFor({ timeout: STEP_MS });
    await checkScreen(p2, 'kb-review');

    // Citizens keep asking from four loops while the second editor approves.
    let stop = false;
    const failures = [];
    const seen = [];
    const loops = [0, 1, 2, 3].map(async () => {
      while (!stop) {
        try {
          const r = await ask();
          if (r.status !== 200 || r.body.topic !== ENTRY) failures.push(r);
          seen.push([Date.now(), r.body.answer || '']);
        } catch (e) {
          failures.push(String(e));
        }
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const approvedAt = Date.now();
    await approve(p2, todayCst());
    await p2.page.locator('.el-message--success', { hasText: '已发布' }).waitFor({ timeout: STEP_MS });
    let newAt = null;
    while (Date.now() < approvedAt + 15000 && newAt === null) {
      await new Promise((r) => setTimeout(r, 50));
      const hit = seen.find(([t, a]) => t > approvedAt && a.includes('不少于12个月'));
      if (hit) newAt = hit[0];
    }
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    assert.ok(newAt !== null, 'the new answer never reached citizens');
    const seconds = (newAt - approvedAt) / 1000;
    console.log(`new answer after ${seconds.toFixed(2)} s; ${seen.length} questions during the swap, ${failures.length} failed`);
    assert.ok(seconds <= 5, `the new answer came after ${seconds} s`);
    assert.deepEqual(failures.slice(0, 3), []);

    // Versions: the change is one changed figure.
    await p1.page.goto(consoleUrl(`/kb/entry/${ENTRY}`));
    await p1.page.locator('.el-tabs__item', { hasText: '版本' }).click();
    await p1.page.locator('[data-test="versions-table"] .el-table__body tr').nth(1).waitFor({ timeout: STEP_MS });
    await p1.page.locator('#d-from').waitFor();
    await p1.page.locator('[data-test="versions-table"] .el-table__body tr').nth(1)
      .locator('button', { hasText: '比较' }).click();
    const diff = p1.page.locator('[data-test="diff-answer"]');
    await diff.waitFor({ timeout: STEP_MS });
    assert.deepEqual(await diff.locator('del').allInnerTexts(), ['6']);
    assert.deepEqual(await diff.locator('ins').allInnerTexts(), ['12']);
    await checkScreen(p1, 'kb-entry-versions');
  } finally {
    await p1.context.close();
    await p2.context.close();
  }
});

test('a version dated tomorrow is 已计划 and citizens keep today\'s answer', async () => {
  const p1 = await openPage();
  const p2 = await openPage();
  try {
    await signedIn(p1, 'ed1');
    await editAndSubmit(p1, (a) => `${a}明天起也可以在示例市医保公众号上办。`, '新增办理渠道');
    await signedIn(p2, 'ed2');
    await approve(p2, todayCst(1));
    await p2.page.locator('.el-message--success', { hasText: '已计划' }).waitFor({ timeout: STEP_MS });
    await new Promise((r) => setTimeout(r, 2000));
    assert.doesNotMatch((await ask()).body.answer, /公众号/);
    await p1.page.goto(consoleUrl(`/kb/entry/${ENTRY}`));
    await p1.page.reload(); // the same address as after submitting: read it again
    await p1.page.locator('.el-tabs__item', { hasText: '版本' }).click();
    await p1.page.locator('[data-test="versions-table"] .el-table__body tr', { hasText: '已计划' })
      .waitFor({ timeout: STEP_MS });
  } finally {
    await p1.context.close();
    await p2.context.close();
  }
});

test('an agent: hit test and batch test, but no entries screen (无权访问)', async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'agent1');
    const menu = await menuItems(page);
    assert.ok(menu.includes('命中测试') && menu.includes('批量测试'), menu.join(','));
    assert.ok(!menu.includes('知识条目') && !menu.includes('审核发布'), menu.join(','));
    await page.goto(consoleUrl('/kb'));
    await page.locator('h1', { hasText: '无权访问' }).waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'kb-forbidden-agent');

    await page.goto(consoleUrl('/kb/hit-test'));
    await page.locator('#h-question').fill('社保卡丢了怎么補辦');
    await page.locator('[data-test="hit-run"]').click();
    await page.locator('[data-test="hit-result"]').waitFor({ timeout: STEP_MS });
    assert.match(await page.locator('[data-test="hit-decision"]').innerText(), /阈值/);
    assert.match(await page.locator('[data-test="hit-candidates"]').innerText(), /sbk\.loss/);
    await page.locator('[data-test="hit-history"] .el-table__body tr').first().waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'kb-hit-test');

    const tsv = 'question\texpected\n社保卡丢了怎么补办\tsbk.loss\n去外地看病要备案吗\tyb.remote_filing\n'
      + '失业金一个月能领多少\tsy.amount\n公积金怎么提取出来租房\tgjj.rent\n今天天气怎么样\tmeta.out_of_scope\n';
    const numbers = [];
    await page.goto(consoleUrl('/kb/batch'));
    for (let i = 0; i < 2; i++) {
      await page.locator('#batch-file').setInputFiles({ name: 'batch.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(tsv) });
      await page.locator('[data-test="batch-run"]').click();
      await page.locator('[data-test="batch-result"]').waitFor({ timeout: 60000 });
      await page.waitForFunction((n) => document.querySelectorAll('[data-test="batch-result"]').length === 1 && n >= 0, i);
      numbers.push(await page.locator('[data-test="batch-result"] .figures').innerText());
    }
    assert.equal(numbers[0], numbers[1], 'the same file twice gives the same numbers');
    await checkScreen(p, 'kb-batch');
  } finally {
    await p.context.close();
  }
});

test('a policy document imported, a proposal accepted as a draft', async () => {
  const p = await openPage();
  const { page } = p;
  const dir = mkdtempSync(join(tmpdir(), 'zx-kb-doc-'));
  try {
    const docx = join(dir, '示例市灵活就业人员参保办法.docx');
    const made = spawnSync('/usr/bin/python3', [join(HERE, 'make_policy_docx.py'), docx]);
    assert.equal(made.status, 0, String(made.stderr));
    await signedIn(p, 'ed1');
    await page.goto(consoleUrl('/kb/documents'));
    await page.locator('#doc-file').setInputFiles(docx);
    await page.locator('[data-test="doc-upload"]').click();
    await page.locator('[data-test="doc-review"] h2', { hasText: '待审阅' }).waitFor({ timeout: 60000 });
    const first = page.locator('[data-test="proposal-1"]');
    await first.waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'kb-documents');
    await first.locator('input[id="p-1-id"]').fill('sy.flexible_new');
    await first.locator('input[id="p-1-dep"]').fill('rsj');
    await first.locator('[data-test="accept-1"]').click();
    await page.locator('.el-message--success', { hasText: '已成为草稿 sy.flexible_new v1' }).waitFor({ timeout: STEP_MS });
    const r = await fetch(`${server.base}/api/v1/ask`, { method: 'POST', body: JSON.stringify({ question: '灵活就业怎么参保' }) });
    assert.equal(r.status, 200); // a draft is never answered: the assistant still works as before
  } finally {
    await p.context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unanswered questions grouped into clusters, one dismissed with a reason', async () => {
  for (const q of ['宠物医院收费太贵找谁', '宠物医院收费太贵了找谁反映', '寵物醫院收費太貴找誰']) await ask(q);
  const p = await openPage();
  const { page } = p;
  try {
    await signedIn(p, 'ed1');
    // The log writes its batch every 2 s: the screen is loaded again until the cluster is there.
    // (A reload, not a goto: a new query in the hash route keeps the screen and does not fetch.)
    const cluster = page.locator('.cluster', { hasText: '宠物医院' }).first();
    await page.goto(consoleUrl('/kb/unanswered'));
    for (let i = 0; i < 15; i++) {
      await page.locator('[data-test="un-count"]', { hasText: '待处理' }).waitFor({ timeout: STEP_MS });
      if (await cluster.isVisible()) break;
      await page.waitForTimeout(1000);
      await page.reload();
    }
    await cluster.waitFor({ timeout: STEP_MS });
    await checkScreen(p, 'kb-unanswered');
    await cluster.locator('button', { hasText: '忽略' }).click();
    const box = page.locator('.el-message-box');
    await box.locator('input').fill('市场监管事项，转 12315');
    await box.locator('.el-button--primary').click();
    await cluster.waitFor({ state: 'detached', timeout: STEP_MS });
  } finally {
    await p.context.close();
  }
});
