// Entity import in a real browser: a Menghai officer downloads the Excel template, fills it (one
// bad row), sees every problem listed and nothing imported, then imports the corrected workbook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { launch, signIn, skipReason, startServer } from './harness.mjs';

const why = skipReason();
if (why) console.log(`SKIPPED browser tests: ${why}`);

/** A USCC with its GB 32100-2015 check character. */
function uscc(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0);
  return first17 + alphabet[(31 - (sum % 31)) % 31];
}

async function total(page, url) {
  await page.goto(`${url}/entities`);
  return Number((await page.textContent('#total')).match(/\d+/)[0]);
}

test('an import with one bad row imports nothing; the corrected file imports every row', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    await signIn(page, server.url, 'menghai.officer');
    const before = await total(page, server.url);

    await page.click('#import');
    await page.waitForURL(`${server.url}/entities/import`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#template-xlsx')]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(await download.path());
    const [entities, outlets] = book.worksheets;
    assert.equal(entities.getRow(1).getCell(1).value, '统一社会信用代码');
    assert.equal(outlets.getRow(1).getCell(2).value, '排放口编号');

    const a = uscc('91532822E2E000001');
    const b = uscc('91532822E2E000002');
    entities.addRow([a, '浏览器导入一厂', '勐海县', '1340', '重点监管', '勐海县勐遮镇', '岩某', '21.957300', '100.452800', 'P-E2E-1', '2024-01-01', '2028-12-31', '']);
    entities.addRow([b, '浏览器导入二厂', '532822', '1340', '一般监管', '勐海县勐混镇', '', '21.900000', '100.400000', '', '', '', '']);
    outlets.addRow([a, 'DW001', '废水', '废水总排口', '21.957000', '100.452000']);
    outlets.addRow([b, 'DA001', '废气', '锅炉烟囱', '21.900100', '100.400100']);
    // The bad row: a county outside Xishuangbanna, and an outlet of an entity not in the file.
    entities.getRow(3).getCell(3).value = '530102';
    outlets.addRow([uscc('91532822E2E000009'), 'DW001', '废水', '孤立排口', '21.9', '100.4']);
    const bad = Buffer.from(await book.xlsx.writeBuffer());

    await page.setInputFiles('#file', { name: '导入.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bad });
    await page.click('#import-preview');
    await page.waitForSelector('#problems');
    const problems = await page.$$eval('#problems tr', (rows) => rows.slice(1).map((r) => [...r.cells].map((c) => c.textContent)));
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.deepEqual(problems[0].slice(0, 3), ['监管对象', '3', 'C 县（市）']);
    assert.match(problems[0][3], /本州（532800）/);
    // The page speaks one language (issue 19); the downloaded problems list has both.
    assert.equal(problems[0].length, 4, JSON.stringify(problems[0]));
    assert.deepEqual(problems[1].slice(0, 3), ['排放口', '4', 'A 统一社会信用代码']);
    assert.equal(await page.$('#import-commit'), null, 'no commit while problems remain');
    assert.equal(await total(page, server.url), before, 'nothing imported');

    // Corrected: the county back to Menghai, the stray outlet removed.
    entities.getRow(3).getCell(3).value = '532822';
    outlets.spliceRows(4, 1);
    const good = Buffer.from(await book.xlsx.writeBuffer());
    await page.goto(`${server.url}/entities/import`);
    await page.setInputFiles('#file', { name: '导入.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: good });
    await page.click('#import-preview');
    await page.waitForSelector('#import-ready');
    assert.match(await page.textContent('#import-ready'), /监管对象 2 个，排放口 2 个，排污许可证 1 个/);
    await page.click('#import-commit');
    await page.waitForSelector('#import-done');
    assert.match(await page.textContent('#import-done'), /已导入 2 个监管对象/);
    assert.equal(await total(page, server.url), before + 2);

    await page.fill('#q', '浏览器导入一厂');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/q=/);
    await page.click('#entities tr[data-county] a');
    await page.waitForSelector('#entity-name');
    assert.equal(await page.textContent('#uscc'), a);
    assert.match(await page.content(), /废水总排口/);
  } finally {
    await browser.close();
    server.stop();
  }
});
