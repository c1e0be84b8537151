// Screenshots of the main pages at desktop and phone width, for a person to look at:
//   node shot.mjs OUT_DIR
// then the case pages (fixtures.mjs) at 1366 and 390 px in Chinese and English: the register form
// of a clue (an officer's, with the person's fields open; a head's own extension), and a case with
// its team and requests for recusal (the officer's team and recusal forms, the head's decision).
import { launch, signIn, startServer } from './harness.mjs';
import { act, caseFixtures, login } from './fixtures.mjs';
const out = process.argv[2] ?? '.';
const server = await startServer(['--demo']);
const browser = await launch();
try {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await browser.newPage({ viewport });
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'menghai.officer');
    await page.fill('#password', 'Demo@2026!');
    await page.click('main button[type=submit]');
    await page.waitForURL(`${server.url}/`);
    await page.screenshot({ path: `${out}/home-${name}.png`, fullPage: true });
    await page.goto(`${server.url}/entities`);
    await page.screenshot({ path: `${out}/entities-${name}.png` });
    await page.click('#entities tr[data-county] a');
    await page.waitForSelector('#entity-name');
    await page.screenshot({ path: `${out}/entity-${name}.png`, fullPage: true });
    // Evidence: upload a 1×1 PNG, then the evidence page and its certificate.
    await page.fill('#ev-title', '排污口现场照片（演示）');
    await page.setInputFiles('#ev-file', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000100ff89993d1d0000000049454e44ae426082', 'hex') });
    await page.click('#ev-submit');
    await page.waitForURL(/\/evidence\//);
    await page.screenshot({ path: `${out}/evidence-${name}.png`, fullPage: true });
    await page.click('#certificate');
    await page.waitForSelector('#certificate-title');
    await page.screenshot({ path: `${out}/certificate-${name}.png`, fullPage: true });
    await page.close();
  }
  const f = await caseFixtures(server.url);
  // The registered case investigated: an inspection record and an emergency preservation, so the
  // workspace shows its lists as well as its forms.
  const officerToken = await login(server.url, 'menghai.officer');
  const caseApi = `/api/v1${f.registeredCase}`;
  const end = new Date(Date.now() - 10 * 60_000);
  await act(server.url, officerToken, caseApi, 'record-inspection', {
    started_at: new Date(end - 40 * 60_000).toISOString(), ended_at: end.toISOString(),
    officers: ['menghai.officer', 'menghai.officer2'], signature: { signed: false, refusal: '当事人拒绝签名' },
    place: '勐海县勐遮镇曼令村养殖场排污口', present: ['岩温（场主）'], observed: '养殖废水经暗管排入南览河，现场拍照三张。',
  });
  await act(server.url, officerToken, caseApi, 'preserve-evidence', {
    items: [{ description: '排污暗管阀门', quantity: '1 个', kept_at: '勐海大队证物室' }],
    officers: ['menghai.officer', 'menghai.officer2'], emergency: true,
  });
  const shots = [
    ['menghai.officer', 'register', f.liaisonClue, async (page) => {
      await page.check('#kind-person');
      await page.click('#add-basis');
      await page.check('#urgent');
    }],
    ['menghai.officer', 'case-team', f.registeredCase, async (page) => {
      await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
    }],
    ['ju.head', 'case-recusal', f.registeredCase, null],
    ['ju.head', 'clue-head-extension', f.liaisonClue, null],
  ];
  for (const [user, name, path, prepare] of shots) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.url, user);
    for (const lang of ['zh-CN', 'en']) {
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: width > 500 ? 768 : 844 });
        await page.goto(`${server.url}${path}?lang=${lang}`);
        if (prepare) await prepare(page);
        await page.screenshot({ path: `${out}/${name}-${lang}-${width}.png`, fullPage: true });
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
}
