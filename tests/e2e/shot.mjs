// Screenshots of the main pages at desktop and phone width, for a person to look at:
//   node shot.mjs OUT_DIR
import { launch, startServer } from './harness.mjs';
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
    await page.close();
  }
} finally {
  await browser.close();
  server.stop();
}
