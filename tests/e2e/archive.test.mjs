// One case from a township liaison's clue to the sealed archive (issue 26 point 6). The steps
// the other browser tests walk on their pages (registration, team, report, review, notice,
// service, waiver, decision) are taken here through the API as the same people would; the
// steps after the decision are taken on the workspace: the officer records the payment, the
// head closes the case, the officer publishes the decision and archives the case, the volumes
// are opened, an annex added, and the archive bundle downloaded from the page and checked
// offline by `ecoenforce ledger verify-archive`; the public list shows the decision without
// sign-in, the party's name masked. At 1366 and 390 px, the English page too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, launch, signIn, skipReason, startServer } from './harness.mjs';
import { act, clue, login, proposal, todayCst } from './fixtures.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESK = { viewport: { width: 1366, height: 900 } };
const BASIS = [{ law: '《中华人民共和国水污染防治法》', article: '第八十三条' }];

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

/** A liaison's clue made a case, decided with a 6,000-yuan fine and served: the case's id. */
async function decidedCase(base) {
  const liaison = await login(base, 'mengzhe.liaison');
  const officer = await login(base, 'menghai.officer');
  const head = await login(base, 'ju.head');
  const reviewer = await login(base, 'fazhi.reviewer');
  const c = await clue(base, liaison, 'township_liaison', '勐遮镇曼燕村河段');
  const registered = await act(base, officer, c, 'register', proposal({
    party: { kind: 'person', name: '岩温', id_type: 'resident_id', id_number: '532822199001011234',
             address: '勐海县勐遮镇曼令村', phone: '13812345678' },
  }));
  const id = registered.case.id;
  const api = `/api/v1/cases/${id}`;
  await act(base, head, api, 'approve-registration', { comment: '同意立案' });
  await act(base, officer, api, 'assign-officers', { officers: ['menghai.officer', 'menghai.officer2'], lead: 'menghai.officer' });
  await act(base, officer, api, 'submit-investigation-report', {
    facts: '当事人将未经处理的养殖废水排入南览河。', evidence_ids: [], proposed_handling: '罚款六千元', legal_basis: BASIS,
  });
  await act(base, reviewer, api, 'record-case-review', { opinion: 'agree' });
  const noticed = await act(base, officer, api, 'issue-advance-notice', {
    penalties: [{ type: 'fine', amount_fen: 600000 }], facts: '当事人将未经处理的养殖废水排入南览河。',
    reasons: '违反《中华人民共和国水污染防治法》第十条。', legal_basis: BASIS,
  });
  const notice = await act(base, officer, api, 'documents', { kind: 'advance_notice', subject: noticed.case.notices[0].id });
  const proof = await evidence(base, officer, id, '送达回证（签收）');
  const today = todayCst();
  await act(base, officer, api, 'record-service', {
    document_id: notice.document.id, method: 'direct', served_on: today, recipient: '岩温', proof_evidence_id: proof,
  });
  for (const right of ['statement', 'hearing']) {
    await act(base, officer, api, 'record-waiver', { right, received_on: today, evidence_id: proof });
  }
  await act(base, head, api, 'decide', { outcome: 'penalty', penalties: [{ type: 'fine', amount_fen: 600000 }], reasons: '事实清楚，证据确凿' });
  const decision = await act(base, officer, api, 'documents', { kind: 'penalty_decision' });
  await act(base, officer, api, 'record-service', {
    document_id: decision.document.id, method: 'direct', served_on: today, recipient: '岩温', proof_evidence_id: proof,
  });
  await evidence(base, officer, id, '银行缴款回单');
  return id;
}

for (const [label, device] of [['1366', DESK], ['390', PHONE]]) {
  test(`a case paid, closed, published and archived, its bundle checked offline (${label} px)`, { skip: why ?? false }, async () => {
    const server = await startServer(['--demo']);
    const browser = await launch();
    try {
      const id = await decidedCase(server.url);
      const context = await browser.newContext(device);
      const officer = await context.newPage();
      await signIn(officer, server.url, 'menghai.officer');
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
      const headContext = await browser.newContext(device);
      const head = await headContext.newPage();
      await signIn(head, server.url, 'ju.head');
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
