// The public discretion calculator (issue 24 point 5): signed out, on a phone and a desk, a
// citizen picks the tiers of the Guangdong model's Art. 99(2) table, ticks a circumstance and
// sees the fine with its factors and the shift explained; the page says on the result itself
// that the table is a model not adopted here; the English page says the same.
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
  await page.screenshot({ path: join(dir, `discretion-${name}.png`), fullPage: true });
}

test('anyone calculates a fine by the published benchmark and sees why', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    for (const [label, device] of DEVICES) {
      const context = await browser.newContext(device);
      const page = await context.newPage();
      await page.goto(`${server.url}/discretion`);
      assert.match(await page.textContent('main'), /广东省模型，未经本州采纳/);
      // Example B of rules.md §3.3: 820,000 yuan.
      await page.selectOption('#f-pollutant_count', '2');
      await page.selectOption('#f-pollutant_class', 'a_class');
      await page.selectOption('#f-location', 'ecologically_sensitive');
      await page.selectOption('#f-timing', 'heavy_pollution_alert');
      await page.selectOption('#f-exceedance', '8x_to_20x');
      await page.selectOption('#f-similar_in_2_years', '3');
      await Promise.all([page.waitForURL(/item=air_99_2/), page.click('#calculate')]);
      await page.waitForSelector('#outcome-amount');
      assert.equal((await page.textContent('#outcome-amount')).trim(), '¥820,000.00');
      assert.match(await page.textContent('#outcome-label'), /未经本州采纳/);
      assert.equal(await page.locator('#outcome-factors tbody tr').count(), 6);
      // A mitigating circumstance: the low end of the tier, the factors' amount shown beside.
      await page.click('#circumstances summary');
      await page.check('#c-corrected_on_its_own');
      await Promise.all([page.waitForURL(/c=corrected_on_its_own/), page.click('#calculate')]);
      await page.waitForSelector('#outcome-base');
      assert.equal((await page.textContent('#outcome-amount')).trim(), '¥550,000.00');
      assert.match(await page.textContent('#outcome-base'), /¥820,000\.00/);
      assert.match(await page.textContent('#outcome'), /江门/);
      // The circumstances the factors already count are not offered.
      assert.equal(await page.locator('#c-three_similar_penalties_in_2_years').count(), 0);
      await fits(page, 'the calculator');
      await shot(page, `zh-${label}`);
      await page.goto(`${page.url()}&lang=en`);
      assert.match(await page.textContent('#outcome-label'), /not adopted here/);
      assert.match(await page.textContent('#calculator-title'), /Calculator/);
      await fits(page, 'the English calculator');
      await shot(page, `en-${label}`);
      await context.close();
    }
  } finally {
    await browser.close();
    server.stop();
  }
});
