// Evidence in a real browser: a Menghai officer uploads a photo on an entity's page (resumable
// upload with progress), lands on the evidence page with its hashes and custody timeline, and
// sees it listed on the entity with its SHA-256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, launch, skipReason, startServer } from './harness.mjs';

const why = skipReason();
if (why) console.log(`SKIPPED browser tests: ${why}`);

// A 1×1 PNG.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000100ff89993d1d0000000049454e44ae426082', 'hex');

test('an officer uploads a photo, sees it listed with its hash, and checks its certificate offline', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'menghai.officer');
    await page.fill('#password', 'Demo@2026!');
    await page.click('main button[type=submit]');
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/entities`);
    await page.click('#entities tr[data-county] a');
    await page.waitForSelector('#entity-name');
    const entityUrl = page.url();
    assert.ok(await page.$('#no-evidence'), 'no evidence yet');

    await page.selectOption('#ev-type', 'audio_visual');
    await page.fill('#ev-title', '排污口现场照片');
    await page.check('#ev-on-site');
    await page.check('input[name=collected_by][value="menghai.officer2"]');
    assert.ok(await page.isChecked('input[name=collected_by][value="menghai.officer"]'), 'the officer is preselected');
    await page.setInputFiles('#ev-file', { name: '现场照片.png', mimeType: 'image/png', buffer: PNG });
    await page.click('#ev-submit');
    await page.waitForURL(/\/evidence\/[0-9a-f-]{36}$/);
    const sha = createHash('sha256').update(PNG).digest('hex');
    assert.equal((await page.textContent('#sha256')).trim(), sha);
    assert.equal((await page.textContent('#sm3')).trim().length, 64);
    const custody = await page.$$eval('#custody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(custody, ['上传', '查看']);

    // The certificate page, its QR code, and the bundle, checked offline by the CLI.
    const evidenceUrl = page.url();
    await page.click('#certificate');
    await page.waitForSelector('#certificate-title');
    assert.ok(await page.$('#qr svg'), 'a QR code');
    assert.equal((await page.textContent('#cert-sha256')).trim(), sha);
    assert.match(await page.textContent('#qr-text'), /^ecoenforce-cert:v1:ecoenforce\.local\/532800:\d+:[0-9a-f]{64}:\d+:/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#bundle')]);
    const bundle = await download.path();
    const dir = mkdtempSync(join(tmpdir(), 'ecoenforce-cert-'));
    const photo = join(dir, 'photo.png');
    writeFileSync(photo, PNG);
    const ok = execFileSync(BIN, ['ledger', 'verify-certificate', bundle, '--file', photo], { encoding: 'utf8' });
    assert.match(ok, /VALID: the certificate holds and the file is the evidence it names/);
    writeFileSync(photo, Buffer.concat([PNG, Buffer.from('x')]));
    assert.throws(() => execFileSync(BIN, ['ledger', 'verify-certificate', bundle, '--file', photo], { stdio: 'pipe' }), (e) => e.status === 1);
    await page.goto(evidenceUrl);
    const kinds = await page.$$eval('#custody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
    assert.ok(kinds.includes('导出'), `the certificate is an export: ${kinds}`);

    await page.goto(entityUrl);
    const listed = await page.$$eval('#evidence tr[data-sha256]', (rows) => rows.map((r) => [r.dataset.sha256, r.textContent]));
    assert.equal(listed.length, 1);
    assert.equal(listed[0][0], sha);
    assert.ok(listed[0][1].includes('排污口现场照片') && listed[0][1].includes(sha));
  } finally {
    await browser.close();
    server.stop();
  }
});
