// The public power list (issue 24 point 2): signed out, on a phone and a desk, a citizen sees
// the powers with their legal basis, the demo label on what the bureau has not yet published,
// narrows them to coercive measures, and downloads the spreadsheet; the English page says the
// same. The page fits both widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, skipReason, startServer } from './harness.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const DEVICES = [
  ['390', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
  ['1366', { viewport: { width: 1366, height: 900 } }],
];

async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

async function shot(page, name) {
  const dir = process.env.ECOENFORCE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `powers-${name}.png`), fullPage: name.endsWith('390') ? false : true });
}

test('anyone reads the power list, narrows it and downloads it', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    for (const [label, device] of DEVICES) {
      const context = await browser.newContext({ ...device, acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      // Signed out, the public lists are linked from the sign-in page.
      await Promise.all([page.waitForURL(/\/powers$/), page.click('#public-powers')]);
      assert.match(await page.textContent('#demo-allocation'), /演示数据/);
      assert.match(await page.textContent('#power-penalty_water_83_2'), /《中华人民共和国水污染防治法》第八十三条第（二）项/);
      assert.match(await page.textContent('#power-penalty_water_83_2'), /适用听证/);
      assert.ok(await page.locator('#first-version').isVisible());
      await page.selectOption('#kind', 'coercion');
      await Promise.all([page.waitForURL(/kind=coercion/), page.click('#powers-filter button[type=submit]')]);
      assert.ok(await page.locator('#power-seal_seize_pollution').count() === 1);
      assert.equal(await page.locator('#power-penalty_water_83_2').count(), 0);
      await fits(page, 'the power list');
      await shot(page, `zh-${label}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
      assert.match(download.suggestedFilename(), /^powers-2026-1\.xlsx$/);
      await page.goto(`${page.url()}&lang=en`);
      assert.match(await page.textContent('#demo-allocation'), /Demo data/);
      assert.match(await page.textContent('#powers-title'), /Power and responsibility list/);
      await fits(page, 'the English power list');
      await shot(page, `en-${label}`);
      await context.close();
    }
  } finally {
    await browser.close();
    server.stop();
  }
});
