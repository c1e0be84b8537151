// One case from a township liaison's clue to the sealed archive (issue 26 point 6), every step
// taken on the workspace's pages by the person whose step it is, at 1366 and at 390 px: the 勐遮镇
// liaison reports the clue from the home page; the Menghai brigade officer opens it from the clue
// inbox and proposes a case against a person; the bureau head approves it from the approvals
// page; the officer names the team and submits the investigation report; the case reviewer
// records the review (agree); the officer issues the advance notice (a 6,000-yuan fine to a
// person, so a hearing right) and its document, and records its service and the party's waivers
// of statement and hearing; the head decides the fine; the officer issues the penalty decision
// and records its service, then records the payment; the head closes the case; the officer
// publishes the decision and archives the case, the volumes are opened, an annex added, and the
// archive bundle downloaded from the page and checked offline by `ecoenforce ledger
// verify-archive`; the English page names the archive; the public list shows the decision without
// sign-in, the party's name masked. Only the files (the signed proof of service, the bank
// receipt) are uploaded through the evidence API; every step of the case is a form sent on a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, launch, signIn, skipReason, startServer } from './harness.mjs';
import { login } from './fixtures.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESK = { viewport: { width: 1366, height: 900 } };
const LAW = '《中华人民共和国水污染防治法》';
const FACTS = '当事人将未经处理的养殖废水排入南览河。';
const PROOF = '送达回证（签收）';

async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

async function shot(page, selector, name) {
  const dir = process.env.ECOENFORCE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.locator(selector).screenshot({ path: join(dir, `archive-${name}.png`) });
}

/** Opens an item of the menu, through the menu button where the bar is folded (a phone). */
async function nav(page, id) {
  const toggler = page.locator('.navbar-toggler');
  if (await toggler.isVisible()) await toggler.click();
  await page.click(`#${id}`);
}

/** Follows a step of the next-steps panel to its form, which opens. */
async function step(page, anchor, form) {
  await page.click(`#next-steps a[href="#${anchor}"]`);
  await page.waitForSelector(form, { state: 'visible' });
}

/**
 * Sends a form with its button and waits for the page the server answers with (a boosted form
 * swaps it in place, a plain one loads anew: either way the page sent from is gone), then checks
 * its message; a refusal fails with the reasons the page gives.
 */
async function send(page, button, message) {
  await page.locator('main').evaluate((m) => { m.dataset.sent = '1'; });
  await page.click(button);
  await page.waitForSelector('main:not([data-sent])');
  const refused = page.locator('#errors');
  if (await refused.count()) assert.fail(`${button} was refused: ${(await refused.textContent()).trim()}`);
  assert.match(await page.textContent('#flash'), message);
}

/** The text of a select's chosen option. */
const chosen = (page, select) => page.$eval(select, (s) => s.selectedOptions[0]?.text ?? '');

/** Evidence of the case (a receipt, a proof of service): its id. */
async function evidence(base, token, caseId, title) {
  const form = new FormData();
  const fields = {
    subject_type: 'case', subject_id: caseId, type: 'documentary', title,
    collected_at: new Date(Date.now() - 60_000).toISOString(), collected_by: 'menghai.officer', on_site: 'false',
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('collected_by', 'menghai.officer2');
  form.append('file', new Blob([`${title} ${Date.now()}`], { type: 'text/plain' }), 'receipt.txt');
  const r = await fetch(`${base}/api/v1/evidence`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text).id;
}

/**
 * The case walked on the pages from the liaison's clue to the served penalty decision, the bank's
 * receipt uploaded: the case's id, the officer's browser context, and the officer's and the
 * head's pages, each signed in in a browser context of its own.
 */
async function decidedCase(browser, base, device) {
  // The liaison reports the clue from the home page; the source and county are hers.
  const liaisonContext = await browser.newContext(device);
  const liaison = await liaisonContext.newPage();
  await signIn(liaison, base, 'mengzhe.liaison');
  await liaison.click('#go-new-clue');
  await liaison.waitForSelector('#clue-form');
  assert.equal(await liaison.$eval('#source', (s) => s.value), 'township_liaison');
  await liaison.fill('#place', '勐遮镇曼燕村河段');
  await liaison.fill('#description', '巡查发现排污口有黑水直排入南览河，岸边有异味');
  await fits(liaison, 'the clue form');
  await Promise.all([liaison.waitForURL(/\/clues\/[0-9a-f-]{36}$/), liaison.click('#clue-submit')]);
  assert.match(await liaison.textContent('#flash'), /线索已报送/);
  const clueUrl = liaison.url();
  await liaisonContext.close();

  // The Menghai officer: the clue in the inbox, a case proposed against a person.
  const context = await browser.newContext(device);
  const officer = await context.newPage();
  await signIn(officer, base, 'menghai.officer');
  await nav(officer, 'nav-clues');
  await officer.waitForSelector('#clues');
  await Promise.all([officer.waitForURL(clueUrl), officer.click('#clues a:has-text("勐遮镇曼燕村河段")')]);
  await officer.fill('#law', LAW);
  await officer.fill('#article', '第八十三条');
  await officer.fill('#act_ended_on', await officer.getAttribute('#act_ended_on', 'max'));
  await officer.fill('#violation', '超过水污染物排放标准排放水污染物');
  await officer.check('#kind-person');
  await officer.fill('#person-name', '岩温');
  await officer.fill('#id-number', '532822199001011234');
  await officer.fill('#address', '勐海县勐遮镇曼令村');
  await officer.fill('#phone', '13812345678');
  await fits(officer, 'the register form');
  await Promise.all([officer.waitForURL(/\/cases\/[0-9a-f-]{36}$/), officer.click('#propose')]);
  assert.match(await officer.textContent('#flash'), /已提请立案/);
  const caseUrl = officer.url();
  const path = new URL(caseUrl).pathname;

  // The head approves it from the approvals page.
  const headContext = await browser.newContext(device);
  const head = await headContext.newPage();
  await signIn(head, base, 'ju.head');
  await Promise.all([head.waitForURL(/\/approvals$/), nav(head, 'nav-approvals')]);
  await Promise.all([head.waitForURL(caseUrl), head.click(`#approvals a.approval-link[href="${path}"]`)]);
  await head.fill('#approve-comment', '同意立案');
  await send(head, '#approve', /已保存/);
  assert.match((await head.textContent('#case-number')).trim(), /^西环立（勐海）〔\d{4}〕\d+号$/);

  // The officer names the team (he leads, his colleague joins) and reports.
  await officer.goto(caseUrl);
  assert.equal(await officer.isChecked('#assign-form input[name=officers][value="menghai.officer"]'), true);
  await officer.check('#assign-form input[name=officers][value="menghai.officer2"]');
  await send(officer, '#assign', /已指派承办人员/);
  await step(officer, 'report-form', '#report-form-form');
  assert.equal(await officer.inputValue('#report-law-1'), LAW, 'the case\'s basis, to confirm');
  await officer.fill('#report-facts', FACTS);
  await officer.fill('#report-handling', '罚款六千元');
  await fits(officer, 'the report form');
  await send(officer, '#report-submit', /调查终结报告已提交/);

  // The case reviewer agrees.
  const reviewerContext = await browser.newContext(device);
  const reviewer = await reviewerContext.newPage();
  await signIn(reviewer, base, 'fazhi.reviewer');
  await reviewer.goto(caseUrl);
  await reviewer.check('#opinion-agree');
  await fits(reviewer, 'the review form');
  await send(reviewer, '#review-submit', /审查意见已记录/);
  await reviewerContext.close();

  // The officer: the notice (its form open, the facts and basis from the report) and its document.
  await officer.goto(caseUrl);
  assert.equal(await officer.locator('#notice-form[open]').count(), 1, 'the notice form is open');
  assert.equal(await officer.inputValue('#notice-facts'), FACTS);
  await officer.selectOption('#penalty-type-1', 'fine');
  await officer.fill('#penalty-amount-1', '6000');
  await officer.fill('#notice-reasons', '违反《中华人民共和国水污染防治法》第十条。');
  await fits(officer, 'the notice form');
  await send(officer, '#notice-submit', /事先告知已作出/);
  assert.match(await officer.locator('#notice-list > li').first().textContent(), /行政处罚事先（听证）告知书/);
  await send(officer, '#issue-list form:has(input[name=kind][value="advance_notice_hearing"]) button', /文书已出具/);

  // The party signs for it and waives both rights: the signed proof scanned as evidence, the
  // service and each waiver recorded on the page.
  const id = path.split('/').pop();
  const token = await login(base, 'menghai.officer');
  await evidence(base, token, id, PROOF);
  await officer.goto(caseUrl);
  await step(officer, 'service-form', '#service-form-form');
  assert.match(await chosen(officer, '#service-document'), /行政处罚事先（听证）告知书/);
  assert.equal(await officer.inputValue('#service-recipient'), '岩温');
  await officer.selectOption('#service-proof', { label: PROOF });
  await fits(officer, 'the service form');
  await send(officer, '#service-submit', /送达已记录/);
  for (const right of ['statement', 'hearing']) {
    await step(officer, 'waiver-form', '#waiver-form-form');
    await officer.check(`#waiver-${right}`);
    await officer.selectOption('#waiver-evidence', { label: PROOF });
    await send(officer, '#waiver-submit', /放弃权利已记录/);
  }
  // Both waivers are on the workspace, each with the signed waiver.
  assert.equal(await officer.locator('#waivers tbody tr').count(), 2);
  assert.match(await officer.textContent('#waivers'), /陈述申辩[\s\S]*听证/);
  await fits(officer, 'the notices section');
  await shot(officer, '#notices', `notices-${device.viewport.width}`);

  // The head decides the notice's fine, nothing blocking it.
  await head.goto(caseUrl);
  await head.waitForSelector('#decide-form');
  assert.equal(await head.locator('#decide-blocked').count(), 0, 'nothing blocks the decision');
  // The notice's ceiling is shown as money, as everywhere else on the page.
  assert.match(await head.textContent('#decide-form'), /告知：¥6,000\.00/);
  assert.equal(await head.isChecked('#outcome-penalty'), true);
  assert.equal(await head.isChecked('#keep-0'), true);
  assert.equal(await head.inputValue('#value-0'), '6000');
  await head.fill('#decide-reasons', '事实清楚，证据确凿');
  await fits(head, 'the decision form');
  await send(head, '#decide-submit', /决定已作出/);
  assert.match(await head.textContent('#decision-made'), /6,000\.00/);
  await shot(head, '#decision', `decided-${device.viewport.width}`);

  // The officer issues the decision and records its service; the bank's receipt is scanned.
  await officer.goto(caseUrl);
  await send(officer, '#issue-list form:has(input[name=kind][value="penalty_decision"]) button', /文书已出具/);
  await step(officer, 'service-form', '#service-form-form');
  assert.match(await chosen(officer, '#service-document'), /行政处罚决定书/);
  await officer.selectOption('#service-proof', { label: PROOF });
  await send(officer, '#service-submit', /送达已记录/);
  await evidence(base, token, id, '银行缴款回单');
  return { id, context, officer, head };
}

for (const [label, device] of [['1366', DESK], ['390', PHONE]]) {
  test(`a liaison's clue walked on the pages to a paid, closed, published and archived case, its bundle checked offline (${label} px)`, { skip: why ?? false }, async () => {
    const server = await startServer(['--demo']);
    const browser = await launch();
    try {
      const { id, context, officer, head } = await decidedCase(browser, server.url, device);
      await officer.goto(`${server.url}/cases/${id}`);

      // The payment, with its receipt.
      await officer.fill('#performance-amount', '6000');
      await officer.selectOption('#performance-evidence', { label: '银行缴款回单' });
      await officer.fill('#performance-note', '银行缴款回单');
      await officer.click('#performance-submit');
      await officer.waitForSelector('#performances');
      assert.match(await officer.textContent('#performance-outstanding'), /0\.00/);
      await fits(officer, 'the performance section');

      // The head closes the case.
      await head.goto(`${server.url}/cases/${id}`);
      await head.check('#ground-performed');
      await head.click('#close-submit');
      await head.waitForSelector('#closed');

      // The officer publishes the decision (a natural person's: optional here) and archives.
      await officer.goto(`${server.url}/cases/${id}`);
      assert.equal(await officer.locator('#publication-optional').count(), 1);
      await officer.fill('#publish-summary', '岩温将未经处理的养殖废水排入南览河');
      await officer.click('#publish-submit');
      await officer.waitForFunction(() => document.body.textContent.includes('不得含有个人信息'));
      await officer.fill('#publish-summary', '当事人将未经处理的养殖废水排入南览河，违反《中华人民共和国水污染防治法》第十条。');
      await officer.click('#publish-submit');
      await officer.waitForSelector('#publicity .publication');
      assert.match(await officer.textContent('#publicity'), /岩\*/);
      await shot(officer, '#publicity', `publicity-${label}`);
      await officer.click('#archive-submit');
      await officer.waitForSelector('#archived');
      assert.equal(await officer.locator('#volumes a').count(), 2);
      await fits(officer, 'the archive section');
      await shot(officer, '#archive', `archived-${label}`);

      // The volumes open as PDFs; the bundle downloads from the page.
      const main = await context.request.get(`${server.url}/cases/${id}/archive/main.pdf`);
      assert.equal(main.status(), 200);
      assert.equal(main.headers()['content-type'], 'application/pdf');
      if (process.env.ECOENFORCE_SCREENSHOTS) {
        writeFileSync(join(process.env.ECOENFORCE_SCREENSHOTS, `archive-main-${label}.pdf`), await main.body());
      }
      const bundle = await context.request.get(`${server.url}/cases/${id}/archive-bundle.json`);
      assert.equal(bundle.status(), 200);
      const dir = mkdtempSync(join(tmpdir(), 'archive-e2e-'));
      const file = join(dir, 'bundle.json');
      writeFileSync(file, await bundle.body());
      const key = (await (await fetch(`${server.url}/ledger/verifier-key`)).text()).trim();
      const out = execFileSync(BIN, ['ledger', 'verify-archive', file, '--key', key], { encoding: 'utf8' });
      assert.match(out, /与归档一致/);
      assert.match(out, /AS ARCHIVED/);

      // An annex after the archive; the volumes stay as they were.
      await officer.click('#annex summary');
      await officer.check('#annex-court');
      await officer.fill('#annex-note', '当事人未在法定期限内起诉');
      await officer.click('#annex-submit');
      await officer.waitForSelector('#annexes');
      const again = await context.request.get(`${server.url}/cases/${id}/archive/main.pdf`);
      assert.deepEqual(Buffer.from(await again.body()), Buffer.from(await main.body()));

      // English.
      await officer.goto(`${server.url}/cases/${id}?lang=en`);
      assert.match(await officer.textContent('#archive-title'), /Archive/);
      await officer.goto(`${server.url}/cases/${id}?lang=zh-CN`);

      // The public list, without sign-in: the number, the masked name, never the name.
      const visitor = await (await browser.newContext(device)).newPage();
      await visitor.goto(`${server.url}/decisions`);
      const text = await visitor.textContent('#decisions');
      assert.match(text, /西环罚/);
      assert.match(text, /岩\*/);
      assert.ok(!text.includes('岩温'), 'the name is masked');
      await fits(visitor, 'the public list');
      await shot(visitor, 'main', `decisions-${label}`);
    } finally {
      await browser.close();
      server.stop();
    }
  });
}
