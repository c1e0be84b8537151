// A clue to a numbered case in a real browser: the 勐遮镇 liaison reports a clue on a phone, the
// Menghai brigade proposes a case from it (two provisions, a person as the party, investigated
// first) and names its team, the bureau head approves it from the approvals list, and the case
// page shows its number (西环立（勐海）〔YYYY〕N号).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, skipReason, startServer } from './harness.mjs';

const why = skipReason();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };

/** The page is no wider than its viewport. */
async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} is ${scroll} px wide in a ${inner} px viewport`);
}

test('a liaison\'s clue becomes a numbered case: reported on a phone, proposed, approved from the list', { skip: why ?? false }, async () => {
  const server = await startServer(['--demo']);
  const browser = await launch();
  try {
    // The liaison, on a phone: the form from the home page, the source and county chosen for it.
    const liaisonContext = await browser.newContext(PHONE);
    const liaison = await liaisonContext.newPage();
    await signIn(liaison, server.url, 'mengzhe.liaison');
    await liaison.click('#go-new-clue');
    await liaison.waitForSelector('#clue-form');
    await fits(liaison, 'the clue form');
    assert.equal(await liaison.$eval('#source', (s) => s.value), 'township_liaison');
    assert.equal(await liaison.$eval('#county_code', (s) => s.value), '532822');
    const place = `勐遮镇曼令村河段（浏览器测试 ${Date.now()}）`;
    await liaison.fill('#place', place);
    await liaison.fill('#description', '河水发黑有异味，岸边有新开挖的排水沟');
    await Promise.all([liaison.waitForURL(/\/clues\/[0-9a-f-]{36}$/), liaison.tap('#clue-submit')]);
    assert.match(await liaison.textContent('#flash'), /线索已报送/);
    assert.equal((await liaison.textContent('#clue-title')).includes(place), true);
    await fits(liaison, 'the clue page');
    const clueUrl = liaison.url();
    await liaisonContext.close();

    // The Menghai brigade officer: the clue in the inbox, a case proposed from it.
    const officerContext = await browser.newContext(DESKTOP);
    const officer = await officerContext.newPage();
    await signIn(officer, server.url, 'menghai.officer');
    await officer.click('#nav-clues');
    await officer.waitForSelector('#clues');
    await Promise.all([officer.waitForURL(clueUrl), officer.click(`#clues a:has-text("${place}")`)]);
    const receivedOn = await officer.getAttribute('#act_ended_on', 'max');
    await officer.fill('#law', '《中华人民共和国水污染防治法》');
    await officer.fill('#article', '第八十三条');
    // A second provision in a row of its own, a third added and removed again.
    await officer.click('#add-basis');
    await officer.click('#add-basis');
    assert.equal(await officer.locator('#legal-basis .basis-row').count(), 3);
    await officer.locator('#legal-basis .basis-row').nth(2).locator('.remove-basis').click();
    const second = officer.locator('#legal-basis .basis-row').nth(1);
    await second.locator('input[name=law]').fill('《中华人民共和国环境保护法》');
    await second.locator('input[name=article]').fill('第四十二条');
    await officer.fill('#act_ended_on', receivedOn);
    await officer.fill('#violation', '超标排放水污染物');
    // Not yet identified by default; a person's fields show, and are required, once chosen.
    assert.equal(await officer.isChecked('#kind-unidentified'), true);
    assert.equal(await officer.isVisible('#person-name'), false);
    await officer.check('#kind-person');
    assert.equal(await officer.$eval('#person-name', (i) => i.required), true);
    assert.equal(await officer.$eval('#org-name', (i) => i.required), false);
    await officer.fill('#person-name', '岩温');
    await officer.fill('#id-number', '532822199001011234');
    await officer.check('#urgent');
    await Promise.all([officer.waitForURL(/\/cases\/[0-9a-f-]{36}$/), officer.click('#propose')]);
    const caseUrl = officer.url();
    assert.match(await officer.textContent('#flash'), /已提请立案/);
    assert.equal((await officer.textContent('#case-stage')).trim(), '待审批立案');
    assert.equal((await officer.textContent('#case-number')).trim(), '（批准后编号）');
    assert.match(await officer.textContent('#case-party'), /岩温[\s\S]*5328\*{10}1234/);
    assert.equal(await officer.isVisible('#case-urgent'), true);
    assert.match(await officer.textContent('main'), /《中华人民共和国水污染防治法》第八十三条；《中华人民共和国环境保护法》第四十二条/);
    // Investigated first: the officer names the team at once (he leads; his colleague joins).
    assert.equal(await officer.isChecked('#assign-form input[name=officers][value="menghai.officer"]'), true);
    await officer.check('#assign-form input[name=officers][value="menghai.officer2"]');
    await Promise.all([officer.waitForNavigation(), officer.click('#assign')]);
    assert.match(await officer.textContent('#flash'), /已指派承办人员/);
    assert.match(await officer.textContent('#team-members'), /勐海大队执法人员甲（演示）[\s\S]*主办人员[\s\S]*勐海大队执法人员乙（演示）/);
    await officerContext.close();

    // The bureau head: the step on the approvals page, approved on the case page.
    const headContext = await browser.newContext(DESKTOP);
    const head = await headContext.newPage();
    await signIn(head, server.url, 'ju.head');
    await Promise.all([head.waitForURL(/\/approvals$/), head.click('#nav-approvals')]);
    const path = new URL(caseUrl).pathname;
    const step = head.locator(`#approvals a.approval-link[href="${path}"]`);
    assert.equal(await step.count(), 1, 'the proposal waits on the approvals page');
    await Promise.all([head.waitForURL(caseUrl), step.click()]);
    await head.fill('#approve-comment', '同意立案');
    // The page posts to itself: the address does not change, the message shows once it is done.
    await head.click('#approve');
    await head.waitForSelector('#flash');
    const year = receivedOn.slice(0, 4);
    assert.match((await head.textContent('#case-number')).trim(), new RegExp(`^西环立（勐海）〔${year}〕\\d+号$`));
    assert.equal((await head.textContent('#case-stage')).trim(), '已立案');
    await head.goto(`${server.url}/approvals`);
    assert.equal(await head.locator(`#approvals a[href="${path}"]`).count(), 0, 'no longer waiting');
    await headContext.close();
  } finally {
    await browser.close();
    server.stop();
  }
});
