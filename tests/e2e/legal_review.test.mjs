// Legal review on the workspace (issue 25 point 1): the officer sends a reviewed case with the
// report's proposed fine; the legal reviewer answers the six points on a phone and a desk, one
// point failing, so the review fails and the case goes back; the officer sends it again and the
// reviewer passes it. The English page says the same.
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
const POINTS = ['authority', 'facts', 'evidence', 'legal_basis', 'procedure', 'discretion'];

async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

async function shot(page, name) {
  const dir = process.env.ECOENFORCE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.locator('#legal-review').screenshot({ path: join(dir, `legal-review-${name}.png`) });
}

/** A Menghai case reviewed with agreement, a fine proposed in the report: the case's id. */
async function reviewedCase(base) {
  const officer = await login(base, 'menghai.officer');
  const head = await login(base, 'ju.head');
  const c = await clue(base, officer, 'inspection', '勐海县某糖厂排污口');
  const registered = await act(base, officer, c, 'register', proposal());
  const id = registered.case.id;
  const api = `/api/v1/cases/${id}`;
  await act(base, head, api, 'approve-registration', { comment: '同意立案' });
  await act(base, officer, api, 'assign-officers', { officers: ['menghai.officer', 'menghai.officer2'], lead: 'menghai.officer' });
  await act(base, officer, api, 'submit-investigation-report', {
    facts: '该厂废水超标排放。', evidence_ids: [], proposed_handling: '罚款十五万元', proposed_fine_fen: 15000000,
    legal_basis: [{ law: '《中华人民共和国水污染防治法》', article: '第八十三条' }],
  });
  const reviewer = await login(base, 'fazhi.reviewer');
  const reviewed = await act(base, reviewer, api, 'record-case-review', { opinion: 'agree', flags: ['complex'] });
  assert.equal(reviewed.case.stage, 'reviewed', JSON.stringify(reviewed));
  return id;
}

async function answer(page, failing) {
  for (const p of POINTS) {
    await page.check(`#${p === failing ? 'fail' : 'pass'}-${p}`);
    await page.fill(`#opinion-${p}`, p === failing ? '罚款数额理由不足' : '符合规定');
  }
  await page.click('#legal-review-record-submit');
}

for (const [label, device] of [['1366', DESK], ['390', PHONE]]) {
  test(`a legal review with one failed point goes back, then passes (${label} px)`, { skip: why ?? false }, async () => {
    const server = await startServer(['--demo']);
    const browser = await launch();
    try {
      const id = await reviewedCase(server.url);
      const context = await browser.newContext(device);
      const officer = await context.newPage();
      await signIn(officer, server.url, 'menghai.officer');
      await officer.goto(`${server.url}/cases/${id}`);
      assert.match(await officer.textContent('#legal-review-submit'), /150,000\.00/);
      await officer.click('#legal-review-send');
      await officer.waitForSelector('#legal-review-1');
      assert.match(await officer.textContent('#legal-review-1'), /疑难复杂/);
      await fits(officer, 'the workspace with the legal review');

      const reviewerContext = await browser.newContext(device);
      const reviewer = await reviewerContext.newPage();
      await signIn(reviewer, server.url, 'fazhi.reviewer');
      await reviewer.goto(`${server.url}/cases/${id}`);
      await reviewer.waitForSelector('#legal-review-record');
      await fits(reviewer, 'the six points');
      await answer(reviewer, 'discretion');
      await reviewer.waitForSelector('#legal-review-1 .verdict');
      assert.match(await reviewer.textContent('#legal-review-1 .verdict'), /未通过/);
      assert.match(await reviewer.textContent('#legal-review-1 .point-discretion'), /不通过/);
      await shot(reviewer, `failed-zh-${label}`);

      // Back to the officer: sent again, then passed.
      await officer.goto(`${server.url}/cases/${id}`);
      await officer.click('#legal-review-send');
      await officer.waitForSelector('#legal-review-2');
      await reviewer.goto(`${server.url}/cases/${id}`);
      await answer(reviewer, null);
      await reviewer.waitForSelector('#legal-review-2 .verdict');
      assert.match(await reviewer.textContent('#legal-review-2 .verdict'), /审核通过/);
      await reviewer.goto(`${server.url}/cases/${id}?lang=en`);
      assert.match(await reviewer.textContent('#legal-review-1 .verdict'), /failed/);
      assert.match(await reviewer.textContent('#legal-review-2 .verdict'), /passed/);
      await fits(reviewer, 'the English legal review');
      await shot(reviewer, `en-${label}`);
      await context.close();
      await reviewerContext.close();
    } finally {
      await browser.close();
      server.stop();
    }
  });
}
