// A two-officer on-site inspection record with a photo, on a phone: a Menghai officer opens an
// assigned case, follows the next step to the inspection form, names himself and his colleague,
// attaches the photo taken on the spot and saves; the record shows with its photo linked, and
// every page fits the 390 px screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, skipReason, startServer } from './harness.mjs';
import { act, clue, login, proposal } from './fixtures.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
// A 1×1 PNG.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000100ff89993d1d0000000049454e44ae426082', 'hex');

/** The page is no wider than its viewport. */
async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

test('two officers record an on-site inspection with a photo, on a phone', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    // The case, registered and assigned to the two Menghai officers, through the API.
    const officerToken = await login(server.url, 'menghai.officer');
    const headToken = await login(server.url, 'ju.head');
    const c = await clue(server.url, officerToken, 'inspection', '勐遮镇某橡胶厂排污口');
    const registered = await act(server.url, officerToken, c, 'register', proposal());
    const caseApi = `/api/v1/cases/${registered.case.id}`;
    await act(server.url, headToken, caseApi, 'approve-registration', { comment: '同意立案' });
    await act(server.url, officerToken, caseApi, 'assign-officers', {
      officers: ['menghai.officer', 'menghai.officer2'], lead: 'menghai.officer',
    });

    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await signIn(page, server.url, 'menghai.officer');
    await page.goto(`${server.url}/cases/${registered.case.id}`);
    await fits(page, 'the case workspace');
    // The next step leads to the form, which opens.
    await page.tap('#next-steps a[href="#record-inspection"]');
    await page.waitForSelector('#record-inspection-form', { state: 'visible' });
    const form = page.locator('#record-inspection-form');
    assert.equal(await form.locator('input[name=officers][value="menghai.officer"]').isChecked(), true, 'the signed-in officer is named');
    await form.locator('input[name=officers][value="menghai.officer2"]').check();
    const place = `勐遮镇某橡胶厂排污口（浏览器测试 ${Date.now()}）`;
    await page.fill('#inspection-place', place);
    await page.fill('#inspection-present', '岩温（厂长）');
    await page.fill('#inspection-observed', '排污口有黑色废水流入南览河，厂区废水处理设施未运行。');
    await page.check('#inspection-signed');
    await page.fill('#inspection-photo-title', '排污口现场照片');
    await page.setInputFiles('#inspection-photo', { name: 'photo.png', mimeType: 'image/png', buffer: PNG });
    await fits(page, 'the inspection form');
    // Big enough to tap: the submit button takes the width and at least 44 px.
    const box = await page.locator('#record-inspection-submit').boundingBox();
    assert.ok(box.height >= 44 && box.width >= 300, `the submit button is ${box.width}×${box.height}`);
    await Promise.all([page.waitForNavigation(), page.tap('#record-inspection-submit')]);
    assert.match(await page.textContent('#flash'), /笔录已保存/);
    const record = page.locator('#record-list li.record').first();
    assert.match(await record.textContent(), new RegExp(place.replace(/[()（）]/g, '.')));
    assert.match(await record.textContent(), /勐海大队执法人员甲（演示）[\s\S]*勐海大队执法人员乙（演示）/);
    const photo = record.locator('a[href^="/evidence/"]');
    assert.equal(await photo.count(), 1, 'the photo is linked from the record');
    assert.equal((await photo.textContent()).trim(), '排污口现场照片');
    await fits(page, 'the case workspace with its record');
    await Promise.all([page.waitForURL(/\/evidence\/[0-9a-f-]{36}$/), photo.tap()]);
    assert.match(await page.textContent('main'), /排污口现场照片/);
    await fits(page, 'the photo\'s evidence page');
    await context.close();
  } finally {
    await browser.close();
    server.stop();
  }
});
