// The register in a real browser: a Menghai officer signs in, searches, opens an entity, exports
// the list and reads it back, switches language; and a new administrator is made to change the
// initial password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { launch, skipReason, startServer, totp } from './harness.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

test('a Menghai officer sees only Menghai, exports it, and switches language', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    await page.goto(`${server.url}/login`);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.fill('#username', 'menghai.officer');
    await page.fill('#password', 'Demo@2026!');
    await page.click('main button[type=submit]');
    await page.waitForURL(`${server.url}/`);

    await page.goto(`${server.url}/entities`);
    const counties = await page.$$eval('#entities tr[data-county]', (rows) => rows.map((r) => r.dataset.county));
    assert.equal(counties.length, 20);
    assert.ok(counties.every((c) => c === '532822'), `another county appeared: ${counties}`);

    await page.fill('#q', '糖厂');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/q=/);
    const found = await page.$$eval('#entities tr[data-county]', (rows) => rows.map((r) => [r.dataset.county, r.textContent]));
    assert.ok(found.length >= 2);
    assert.ok(found.every(([c, text]) => c === '532822' && text.includes('糖厂')), JSON.stringify(found));

    await page.click('#entities tr[data-county] a');
    await page.waitForSelector('#entity-name');
    assert.match(await page.textContent('#county'), /勐海县/);
    assert.match(await page.textContent('#uscc'), /^91532822XBDM/);

    await page.goto(`${server.url}/entities?class=key`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(await download.path());
    const sheet = book.worksheets[0];
    assert.equal(sheet.getRow(1).getCell(1).value, '统一社会信用代码');
    const rows = [];
    sheet.eachRow((row, n) => { if (n > 1) rows.push(row.values); });
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((v) => v[3] === '532822' && v[5] === '重点监管'), JSON.stringify(rows));

    await page.click('#lang-switch');
    await page.waitForURL(/lang=en/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('#total'), /in all/);
    await page.goto(`${server.url}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is remembered');
    await page.click('#lang-switch');
    await page.waitForURL(/lang=zh-CN/);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.match(await page.textContent('#counts-title'), /各县（市）监管对象/);
  } finally {
    await browser.close();
    server.stop();
  }
});

test('a new administrator must change the initial password', { skip: why ?? false }, async () => {
  const server = await startServer([]);
  const browser = await launch();
  try {
    const line = server.output.find((l) => l.includes('admin'));
    const password = line.match(/[：:]\s*(\S+)$/)[1];
    const secret = server.output.join('\n').match(/secret=([A-Z2-7]+)/)[1];
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', password);
    // The administrator signs in with a second factor: without it the page says so.
    await page.click('main button[type=submit]');
    assert.match(await page.textContent('.errors'), /6 位动态码/);
    await page.fill('#password', password);
    await page.fill('#totp', totp(secret));
    await page.click('main button[type=submit]');
    await page.waitForURL(`${server.url}/password`);
    await page.goto(`${server.url}/entities`);
    await page.waitForURL(`${server.url}/password`);
    await page.fill('#current', password);
    await page.fill('#new', 'alllowercase');
    await page.click('main button[type=submit]');
    assert.match(await page.textContent('.errors'), /密码至少 10 个字符/);
    await page.fill('#current', password);
    await page.fill('#new', 'Strong-Pass-2026');
    await page.click('main button[type=submit]');
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/entities`);
    assert.equal(new URL(page.url()).pathname, '/entities');
  } finally {
    await browser.close();
    server.stop();
  }
});
