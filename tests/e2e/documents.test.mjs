// Issued documents on a phone (issue 22 points 4, 6, 7): a Menghai officer issues the document of
// an inspection record from the case workspace, opens its signing page, draws on the pad with the
// mouse (a stray tap does not enable the button), submits, and sees the outcome listed on the
// workspace; fetches the PDF and finds the SHA-256 the page shows; then, signed out, the public
// check page answers "byte-identical" for the PDF and "not identical" for a copy with one byte
// changed. Every page fits the 390 px screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, signIn, skipReason, startServer } from './harness.mjs';
import { act, clue, inspectionRecord, login, proposal } from './fixtures.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** The page is no wider than its viewport. */
async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A full-page screenshot in $ECOENFORCE_SCREENSHOTS, when it is set (what pages.test.mjs cannot reach: answers to forms). */
async function shot(page, name, fullPage = true) {
  const dir = process.env.ECOENFORCE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `documents-${name}.png`), fullPage });
}

test('an officer issues and signs a record on a phone; anyone checks the PDF', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    // A registered case with its two officers and an inspection record, through the API.
    const officerToken = await login(server.url, 'menghai.officer');
    const headToken = await login(server.url, 'ju.head');
    const c = await clue(server.url, officerToken, 'inspection', '勐遮镇某橡胶厂排污口');
    const registered = await act(server.url, officerToken, c, 'register', proposal());
    const caseApi = `/api/v1/cases/${registered.case.id}`;
    await act(server.url, headToken, caseApi, 'approve-registration', { comment: '同意立案' });
    const officers = ['menghai.officer', 'menghai.officer2'];
    await act(server.url, officerToken, caseApi, 'assign-officers', { officers, lead: 'menghai.officer' });
    await act(server.url, officerToken, caseApi, 'record-inspection', inspectionRecord(officers));

    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await signIn(page, server.url, 'menghai.officer');
    const casePath = `/cases/${registered.case.id}`;
    await page.goto(`${server.url}${casePath}`);
    await fits(page, 'the case workspace');

    // Issue the record's document from the documents card.
    const issue = page.locator('#issue-list form:has(input[name=kind][value="inspection_record"]) button');
    assert.equal(await issue.count(), 1, 'the record\'s document is offered');
    await Promise.all([page.waitForURL(/#documents$/), issue.tap()]);
    assert.match(await page.textContent('#flash'), /文书已出具/);
    assert.equal(await page.locator('#issue-list form:has(input[name=kind][value="inspection_record"])').count(), 0, 'no longer offered');
    const row = page.locator('#document-list li.document:has(a.doc-sign)');
    assert.equal(await row.count(), 1);
    assert.match(await row.locator('.doc-label').textContent(), /现场检查（勘察）笔录/);
    const shown = await row.locator('code.doc-sha').getAttribute('data-sha256');
    assert.match(shown, /^[0-9a-f]{64}$/);
    const code = (await row.locator('a.doc-verify code').textContent()).trim();
    const pdfHref = await row.locator('a.doc-pdf').getAttribute('href');
    await fits(page, 'the case workspace with its documents');

    // The signing page: the pad stays disabled for an empty pad and a stray tap.
    await Promise.all([page.waitForURL(/\/sign$/), row.locator('a.doc-sign').tap()]);
    await page.waitForSelector('#pad');
    await fits(page, 'the signing page');
    const submit = page.locator('#pad-submit');
    assert.equal(await submit.isDisabled(), true, 'an empty pad cannot be sent');
    // The mouse works in the viewport: the pad, and its buttons below it, on screen.
    await page.locator('#pad-status').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox();
    assert.ok(box.width >= 300 && box.height >= 150, `the pad is ${box.width}×${box.height}`);
    await page.mouse.click(box.x + 40, box.y + 40);
    assert.equal(await submit.isDisabled(), true, 'a stray tap is not a signature');
    // A signature: a few strokes with the mouse.
    await page.mouse.move(box.x + 30, box.y + box.height * 0.6);
    await page.mouse.down();
    for (let i = 1; i <= 24; i++) {
      await page.mouse.move(box.x + 30 + i * 11, box.y + box.height * (0.6 + 0.25 * Math.sin(i / 2)), { steps: 2 });
    }
    await page.mouse.up();
    assert.equal(await submit.isDisabled(), false, 'a drawn signature can be sent');
    // Clear empties the pad again; sign once more.
    await page.locator('#pad-clear').tap();
    assert.equal(await submit.isDisabled(), true, 'cleared');
    await page.mouse.move(box.x + 40, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 120, { steps: 12 });
    await page.mouse.move(box.x + 300, box.y + 50, { steps: 12 });
    await page.mouse.up();
    assert.equal(await submit.isDisabled(), false);
    // The viewport only: a full-page shot resizes the page, which redraws the pad.
    await shot(page, 'pad-signed-390', false);
    // Back on the workspace with the signature listed, its image linked as evidence.
    await Promise.all([
      page.waitForURL(/\/cases\/[0-9a-f-]{36}#documents$/, { timeout: 15_000 }),
      submit.tap(),
    ]);
    assert.match(await page.textContent('#flash'), /签名已记录/);
    const listed = page.locator(`#document-list li.document:has(a.doc-sign) .signature`);
    assert.match(await listed.first().textContent(), /被记录人签名/);
    assert.equal(await listed.first().locator('a[href^="/evidence/"]').count(), 1, 'the image is linked as evidence');
    await fits(page, 'the case workspace after signing');
    await shot(page, 'workspace-signed-390');
    if (process.env.ECOENFORCE_SCREENSHOTS) {
      await page.locator('#documents').screenshot({ path: join(process.env.ECOENFORCE_SCREENSHOTS, 'documents-card-390.png') });
    }

    // The PDF as the link gives it: a PDF whose SHA-256 is the one the page shows.
    const response = await page.request.get(`${server.url}${pdfHref}`);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/pdf');
    const pdf = await response.body();
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(sha256(pdf), shown);
    await context.close();

    // Signed out, on another phone: the check page, the PDF as issued, then one byte changed.
    const anonymous = await browser.newContext(PHONE);
    const check = await anonymous.newPage();
    const resp = await check.goto(`${server.url}/verify/${code}`);
    assert.equal(resp.status(), 200);
    assert.equal(await check.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal((await check.textContent('#doc-sha256')).trim(), shown);
    assert.match(await check.textContent('#doc-title'), /现场检查（勘察）笔录/);
    assert.match(await check.textContent('#checkpoint'), /\n\n— /, 'the signed checkpoint');
    assert.equal(await check.locator('#sign-out').count(), 0, 'nobody is signed in');
    await fits(check, 'the check page');
    await check.setInputFiles('#check-file', { name: 'document.pdf', mimeType: 'application/pdf', buffer: pdf });
    await Promise.all([check.waitForNavigation(), check.tap('#check-submit')]);
    assert.equal(await check.getAttribute('#check-outcome', 'data-identical'), '1');
    assert.match(await check.textContent('#check-verdict'), /与出具的文书逐字节一致/);
    assert.equal((await check.textContent('#uploaded-sha256')).trim(), shown);
    await fits(check, 'the check page with its verdict');
    await shot(check, 'verify-identical-390');
    const changed = Buffer.from(pdf);
    changed[Math.floor(changed.length / 2)] ^= 0x01;
    await check.setInputFiles('#check-file', { name: 'document.pdf', mimeType: 'application/pdf', buffer: changed });
    await Promise.all([check.waitForNavigation(), check.tap('#check-submit')]);
    assert.equal(await check.getAttribute('#check-outcome', 'data-identical'), '0');
    assert.match(await check.textContent('#check-verdict'), /不一致/);
    assert.equal((await check.textContent('#uploaded-sha256')).trim(), sha256(changed));
    await shot(check, 'verify-not-identical-390');
    // In English too.
    await check.tap('#lang-switch');
    await check.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await check.textContent('h1'), /Document check/);
    await shot(check, 'verify-en-390');
    await anonymous.close();
  } finally {
    await browser.close();
    server.stop();
  }
});
