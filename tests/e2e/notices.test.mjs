// The advance notice with a hearing right (issue 23 point 7): after a review that agreed, a
// Menghai officer fills the notice form on the case workspace — a 6,000-yuan fine to a natural
// person, which gives a hearing right — and the notice is listed in the hearing form with the
// ground named; its document is offered as 行政处罚事先（听证）告知书 and issued; on a phone the
// page fits its screen; the English page says the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, signIn, skipReason, startServer } from './harness.mjs';
import { act, clue, login, proposal } from './fixtures.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESK = { viewport: { width: 1366, height: 900 } };

async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

async function shot(page, name) {
  const dir = process.env.ECOENFORCE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.locator('#notices').screenshot({ path: join(dir, `notices-${name}.png`) });
}

const BASIS = [{ law: '《中华人民共和国水污染防治法》', article: '第八十三条' }];

/** A Menghai case reviewed with agreement, its party a natural person: the case's id. */
async function reviewedCase(base) {
  const officer = await login(base, 'menghai.officer');
  const head = await login(base, 'ju.head');
  const reviewer = await login(base, 'fazhi.reviewer');
  const c = await clue(base, officer, 'inspection', '勐遮镇某养殖场排污口');
  const registered = await act(base, officer, c, 'register', proposal({
    party: { kind: 'person', name: '岩温', id_type: 'resident_id', id_number: '532822199001011234',
             address: '勐海县勐遮镇曼令村', phone: '13812345678' },
  }));
  const id = registered.case.id;
  const api = `/api/v1/cases/${id}`;
  await act(base, head, api, 'approve-registration', { comment: '同意立案' });
  await act(base, officer, api, 'assign-officers', { officers: ['menghai.officer', 'menghai.officer2'], lead: 'menghai.officer' });
  await act(base, officer, api, 'submit-investigation-report', {
    facts: '岩温将未经处理的养殖废水排入南览河。', evidence_ids: [], proposed_handling: '罚款六千元', legal_basis: BASIS,
  });
  const reviewed = await act(base, reviewer, api, 'record-case-review', { opinion: 'agree' });
  assert.equal(reviewed.case.stage, 'reviewed', JSON.stringify(reviewed));
  return id;
}

for (const [label, device] of [['1366', DESK], ['390', PHONE]]) {
  test(`an officer issues a notice with a hearing right (${label} px)`, { skip: why ?? false }, async () => {
    const server = await startServer(['--demo']);
    const browser = await launch();
    try {
      const id = await reviewedCase(server.url);
      const context = await browser.newContext(device);
      const page = await context.newPage();
      await signIn(page, server.url, 'menghai.officer');
      await page.goto(`${server.url}/cases/${id}`);
      // The step is offered and its form open, the facts and the basis filled from the report.
      assert.equal(await page.locator('#notice-form[open]').count(), 1, 'the notice form is open');
      assert.match(await page.inputValue('#notice-facts'), /养殖废水/);
      assert.equal(await page.inputValue('#notice-law-1'), '《中华人民共和国水污染防治法》');
      await fits(page, 'the workspace with the notice form');

      // A fine without an amount: refused, nothing lost, the reason named.
      await page.selectOption('#penalty-type-1', 'fine');
      await page.fill('#notice-reasons', '违反《中华人民共和国水污染防治法》第十条。');
      // The refusal comes back in place (a boosted form): wait for its words.
      await page.click('#notice-submit');
      await page.waitForFunction(() => document.body.textContent.includes('须写明金额'));
      assert.equal(await page.inputValue('#notice-reasons'), '违反《中华人民共和国水污染防治法》第十条。', 'the form comes back as sent');

      // The fine by the benchmark in force (the Guangdong model, labelled): one B-class
      // pollutant, the other factors at their lowest — 20 %, 200,000 yuan; a fine given as
      // 6,000 yuan departs from it and needs the reason.
      await page.selectOption('#penalty-type-1', 'fine');
      await page.fill('#penalty-amount-1', '6000');
      assert.match(await page.textContent('#notice-benchmark-label'), /未经本州采纳/);
      await page.check('#use-benchmark');
      await page.selectOption('#bf-pollutant_class', 'b_class');
      await page.click('#notice-submit');
      await page.waitForFunction(() => document.body.textContent.includes('请写明理由'));
      assert.equal(await page.isChecked('#use-benchmark'), true, 'the form comes back as sent');
      await page.fill('#departure-reason', '当事人系个人，违法情节轻微，已主动停止排放');
      // 6,000 yuan to a person: at or above 5,000, a hearing right.
      await Promise.all([page.waitForURL(/\/cases\/[0-9a-f-]{36}$/), page.click('#notice-submit')]);
      assert.match(await page.textContent('#flash'), /事先告知已作出/);
      const notice = page.locator('#notice-list > li').first();
      assert.match(await notice.textContent(), /行政处罚事先（听证）告知书/);
      assert.match(await notice.locator('.notice-hearing-right').textContent(), /罚款/);
      assert.match(await notice.locator('.notice-penalties').textContent(), /罚款 ¥6,000\.00/);
      assert.match(await notice.locator('.notice-served').textContent(), /尚未送达/);
      assert.match(await notice.textContent(), /偏离裁量基准|departs/);
      await fits(page, 'the workspace with the notice');
      await shot(page, `zh-${label}`);

      // Its document, in the hearing form.
      const issue = page.locator('#issue-list form:has(input[name=kind][value="advance_notice_hearing"]) button');
      assert.equal(await issue.count(), 1, 'the hearing form is offered');
      await Promise.all([page.waitForURL(/#documents$/), issue.click()]);
      const row = page.locator('#document-list li.document').last();
      assert.match(await row.textContent(), /行政处罚事先（听证）告知书/);
      assert.match(await row.textContent(), /西环罚告/);

      // The English page names the same notice.
      await page.goto(`${server.url}/cases/${id}?lang=en`);
      assert.match(await page.locator('#notice-list > li').first().textContent(), /Advance notice of penalty \(hearing\)/);
      await fits(page, 'the English workspace');
      await shot(page, `en-${label}`);
      await context.close();
    } finally {
      await browser.close();
      server.stop();
    }
  });
}
