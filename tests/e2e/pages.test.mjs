// Every key page, for every role that may open it, at 1366×768, 390×844 and 360×780, in Chinese and in
// English (issue 19, items 7 and 8). One pass over the pages collects what each check finds; each
// check is then a test that lists everything it found, with page, role, language and size:
//   - no role is answered an error page for a page it is offered (or lands on one after signing in);
//   - <html lang> is the page's language and the content is in <main>;
//   - the document is no wider than the viewport, and no element goes past its right edge;
//   - no visible text is an internal code (roles, event schemas, sign-in outcomes, capabilities,
//     reason codes, labels — read from the sources by codes.mjs) or a login name;
//   - axe-core finds no serious or critical violation;
//   - an unknown address answers an HTML page with the header and a working language switch.
// Full-page screenshots, <page>-<role>-<lang>-<width>.png, are kept in $ECOENFORCE_SCREENSHOTS
// (default tests/e2e/screenshots/) with report.txt, the findings in words. Two accounts are checked
// at once (ECOENFORCE_E2E_WORKERS).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cjkFontMissing, demoTotpSecret, launch, signIn, skipReason, startServer } from './harness.mjs';
import { demoDisplayNames, demoLoginNames, internalCodes } from './codes.mjs';
import { caseFixtures } from './fixtures.mjs';
import { TECHNICAL, codesInPage, overflowInPage, structureOfPage } from './inspect.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const why = skipReason() ?? cjkFontMissing();
if (why && process.env.ECOENFORCE_REQUIRE_BROWSER === '1') {
  throw new Error(`ECOENFORCE_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
}
if (why) console.log(`SKIPPED browser tests: ${why}`);

const SCREENSHOTS = resolve(process.env.ECOENFORCE_SCREENSHOTS ?? join(here, 'screenshots'));
// 390×844 is the phone a field officer carries; 360 px the narrowest the pages must fit (issue 19).
const SIZES = [{ width: 1366, height: 768 }, { width: 390, height: 844 }, { width: 360, height: 780 }];
const LANGS = ['zh-CN', 'en'];
/** Accounts checked at once (each in its own browser context). */
const WORKERS = Number(process.env.ECOENFORCE_E2E_WORKERS ?? 2);
/** Words of an error page or a refusal, in either language: none may be on a home page. */
const ERROR_WORDS = /无权|出错|not allowed|went wrong/i;
/** The title of an error page: on no page but the unknown address. */
const ERROR_TITLE = /出错|went wrong/i;

// The accounts and the key pages each may open (docs/permissions.md): every role has a home page
// and an account page; the officer the register, evidence, import, clues and cases; the head the
// approvals; the liaison its clues; the administrators theirs. Clue and case pages open the
// fixtures (fixtures.mjs): `clue-open` the liaison's open clue (every triage form, for who may
// triage for an officer, the head's own extension for a head), `clue-extension` the clue whose
// extension waits for a head, `case-pending` the case waiting for approval (party unidentified),
// `case-registered` the numbered case against a person, with its team and a request for recusal
// waiting (the team form for the brigade and the detachment leader, the decision for the head) and
// an inspection record's document issued; `document-sign` that document's signing page (the pad,
// the scan and the refusal for an officer, a note for a reviewer). Signed out: the sign-in page
// and the document's public check page (`verify`).
const ACCOUNTS = [
  { user: 'admin', role: 'system_admin', totp: true, pages: ['home', 'account', 'admin', 'admin-user'] },
  { user: 'secadmin', role: 'security_admin', totp: true, pages: ['home', 'account', 'admin', 'admin-user'] },
  { user: 'auditadmin', role: 'audit_admin', totp: true, pages: ['home', 'account', 'admin-audit', 'interference'] },
  { user: 'ju.head', role: 'bureau_head', pages: ['home', 'account', 'approvals', 'clue-extension', 'clue-open', 'case-pending', 'case-registered', 'cases', 'tasks', 'interference'] },
  { user: 'zhidui.lead', role: 'detachment_leader', pages: ['home', 'account', 'clues', 'case-registered', 'tasks', 'interference'] },
  { user: 'zhidui.officer', role: 'detachment_officer', pages: ['home', 'account'] },
  {
    user: 'menghai.officer', role: 'brigade_officer',
    pages: ['home', 'entities', 'entity', 'evidence-upload', 'evidence', 'certificate', 'import', 'account',
      'clues', 'clue-open', 'cases', 'case-pending', 'case-registered', 'document-sign', 'tasks'],
  },
  { user: 'menghai.aux', role: 'auxiliary_staff', pages: ['home', 'account'] },
  { user: 'fazhi.reviewer', role: 'legal_reviewer', pages: ['home', 'account', 'case-registered', 'document-sign'] },
  { user: 'mengzhe.liaison', role: 'liaison', pages: ['home', 'account', 'clues', 'clue-open'] },
  { user: 'police.partner', role: 'partner_agency', pages: ['home', 'account', 'clues'] },
];
/** The fixtures' paths, made once the server is up. */
let FIXTURES = null;
/** The account whose administration page the administrators open. */
const SUBJECT = 'menghai.officer';
// A 1×1 PNG.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000100ff89993d1d0000000049454e44ae426082', 'hex');

const CODES = internalCodes();
const LOGINS = demoLoginNames();
const DISPLAY = demoDisplayNames();

/**
 * Findings by check: { at, variant, msg } — the page and who (at), the language and size (variant,
 * null for what does not depend on them) and what is wrong. The same finding at several sizes or in
 * both languages is reported once, naming them.
 */
const found = { error: [], structure: [], overflow: [], codes: [], logins: [], axe: [], notFound: [] };
let pagesChecked = 0;

function lines(list) {
  const merged = new Map();
  for (const f of list) {
    const key = `${f.at}\u0000${f.msg}`;
    if (!merged.has(key)) merged.set(key, { ...f, variants: [] });
    if (f.variant) merged.get(key).variants.push(f.variant);
  }
  const all = LANGS.length * SIZES.length;
  // In the order of ACCOUNTS (the accounts are checked two at a time), signed out first.
  const rank = (at) => ACCOUNTS.findIndex((a) => at.includes(`(${a.user})`));
  return [...merged.values()].sort((a, b) => rank(a.at) - rank(b.at)).map((f) => {
    const v = f.variants.length === 0 ? ''
      : f.variants.length === all ? ' · every language and size'
        : ` · ${f.variants.join(', ')}`;
    return `[${f.at}${v}] ${f.msg}`;
  });
}

/** Rows and items of the same list are one place: their codes are reported together. */
function place(path) {
  return path.replace(/\b(tr|li):nth-of-type\(\d+\)/g, '$1');
}

function withLang(url, lang) {
  const u = new URL(url);
  u.searchParams.set('lang', lang);
  return u.toString();
}

function variant(lang, size) {
  return `${lang} ${size.width}×${size.height}`;
}

function oneLine(s, max = 160) {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/**
 * An error page: a 4xx/5xx answer, or `words` in <main> (or in the body without a main): an error
 * page's title anywhere, and on a home page any refusal too.
 */
async function errorOf(page, response, words = ERROR_TITLE) {
  const status = response?.status() ?? 0;
  const text = await page.evaluate(() => (document.querySelector('main') ?? document.body)?.innerText ?? '');
  if (status >= 400) return `answers HTTP ${status}: ${oneLine(text)}`;
  const m = text.match(words);
  if (m) return `shows an error ("${m[0]}"): ${oneLine(text)}`;
  return null;
}

/**
 * Every check on the page now open: the screenshot, the language and main, the width, the codes and
 * login names, axe. `expectError` for the page that is an error (the unknown address).
 */
async function inspect(page, response, { name, role, user, lang, size, loginScope = 'all', expectError = false }) {
  pagesChecked++;
  const at = `${name} · ${user ? `${role} (${user})` : role}`;
  const v = variant(lang, size);
  const add = (check, msg) => found[check].push({ at, variant: v, msg });
  const file = join(SCREENSHOTS, `${name}-${role}-${lang}-${size.width}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch((e) => add('structure', `no screenshot: ${e.message}`));

  if (!expectError) {
    const error = await errorOf(page, response, name === 'home' ? ERROR_WORDS : ERROR_TITLE);
    if (error) add('error', error);
  }
  const s = await page.evaluate(structureOfPage);
  if (!/html/.test(s.contentType)) {
    add('structure', `is not an HTML page but ${s.contentType} (no further checks)`);
    return;
  }
  if (s.lang !== lang) add('structure', `<html lang> is ${JSON.stringify(s.lang)}, not "${lang}"`);
  if (s.mains !== 1) add('structure', `has ${s.mains} <main> elements, not 1`);
  else if (s.mainText === 0) add('structure', '<main> is empty');

  const o = await page.evaluate(overflowInPage);
  if (o.scrollWidth > o.innerWidth || o.elements.length) {
    const parts = o.elements.map((e) => `${e.path} (${e.width} px wide, right edge at ${e.right} px${e.scroller ? `, scrolling sideways in ${e.scroller}` : ''}${e.inside ? `, ${e.inside} inside it too` : ''}${e.text ? `: "${e.text}"` : ''})`);
    found.overflow.push({
      at, variant: v,
      msg: `${o.scrollWidth > o.innerWidth ? `document is ${o.scrollWidth} px wide in a ${o.innerWidth} px viewport` : `document fits the ${o.innerWidth} px viewport, but content does not`}; past the right edge: ${parts.join('; ') || 'no visible element (a hidden or zero-size one widens it)'}${o.more ? `; and ${o.more} more` : ''}`,
    });
  }

  const hits = await page.evaluate(codesInPage, { technical: TECHNICAL, codes: CODES, logins: LOGINS, loginScope });
  const groups = new Map();
  for (const h of hits) {
    const key = `${h.kind}\u0000${h.codeKind}\u0000${h.tag}\u0000${place(h.where)}`;
    if (!groups.has(key)) groups.set(key, { ...h, place: place(h.where), codes: [], elements: 0 });
    const g = groups.get(key);
    if (!g.codes.includes(h.code)) g.codes.push(h.code);
    g.elements++;
  }
  for (const g of groups.values()) {
    const n = g.elements > 1 ? ' (several elements)' : '';
    const quoted = g.codes.map((c) => `"${c}"`).join(', ');
    if (g.kind === 'code') {
      const tag = g.tag ? ` inside <${g.tag}> (only a [data-technical] section may show it)` : '';
      add('codes', `${quoted} — ${g.codeKind}, ${g.source} — in ${g.place}${n}${tag}: "${g.text}"`);
    } else {
      const display = g.codes.map((c) => DISPLAY[c]).filter(Boolean).map((d) => `"${d}"`).join(', ');
      add('logins', `login name ${quoted} in ${g.place}${n}: "${g.text}"${display ? ` — show ${display}` : ''}`);
    }
  }

  await page.evaluate(AXE);
  const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const x of axe.violations.filter((y) => y.impact === 'serious' || y.impact === 'critical')) {
    const targets = x.nodes.map((n) => n.target.join(' ')).slice(0, 6);
    const more = x.nodes.length > 6 ? ` and ${x.nodes.length - 6} more` : '';
    add('axe', `${x.impact} ${x.id}: ${x.help} — ${targets.join(', ')}${more} (${x.helpUrl.replace(/\?.*$/, '')})`);
  }
}

/** Opens `url` at each size in each language and inspects it. */
async function everyWay(page, url, opts) {
  for (const lang of LANGS) {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      let response;
      try {
        response = await page.goto(withLang(url, lang));
      } catch (e) {
        found.error.push({ at: `${opts.name} · ${opts.user ? `${opts.role} (${opts.user})` : opts.role}`, variant: variant(lang, size), msg: `could not be opened: ${oneLine(e.message)}` });
        continue;
      }
      // Folded sections (a clue's less common triage forms) are checked open.
      await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
      await inspect(page, response, { ...opts, lang, size });
    }
  }
}

/** The first link in <main> whose path matches `re`, as an absolute address, or null. */
async function firstLink(page, re) {
  const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.href));
  return hrefs.find((h) => re.test(new URL(h).pathname)) ?? null;
}

/** The officer's pages, which lead to one another: the register, an entity, evidence, import. */
async function officerPages(page, base, account) {
  const opts = { role: account.role, user: account.user };
  const blocked = (name, why) => found.error.push({ at: `${name} · ${account.role} (${account.user})`, variant: null, msg: `cannot be reached: ${why}` });
  await everyWay(page, `${base}/entities`, { ...opts, name: 'entities' });

  await page.setViewportSize(SIZES[0]);
  await page.goto(withLang(`${base}/entities`, 'zh-CN'));
  const entity = await firstLink(page, /^\/entities\/[0-9a-f-]{36}$/);
  if (!entity) {
    for (const name of ['entity', 'evidence-upload', 'evidence', 'certificate']) blocked(name, 'the register links to no entity');
  } else {
    await everyWay(page, entity, { ...opts, name: 'entity' });
    // The upload form: on the entity's page, or on the page its #ev-upload link opens.
    await page.goto(withLang(entity, 'zh-CN'));
    let upload = entity;
    if (!(await page.$('#ev-file'))) {
      const link = await page.$('#ev-upload');
      upload = link ? new URL(await link.getAttribute('href'), entity).toString() : null;
    }
    if (!upload) {
      for (const name of ['evidence-upload', 'evidence', 'certificate']) blocked(name, `no #ev-file form on ${entity} nor an #ev-upload link to one`);
    } else {
      await everyWay(page, upload, { ...opts, name: 'evidence-upload' });
      // Evidence to look at: a photo uploaded through the form.
      let evidence = null;
      try {
        await page.setViewportSize(SIZES[0]);
        await page.goto(withLang(upload, 'zh-CN'));
        await page.fill('#ev-title', '排污口现场照片（浏览器测试）');
        await page.setInputFiles('#ev-file', { name: 'photo.png', mimeType: 'image/png', buffer: PNG });
        await page.click('#ev-submit');
        await page.waitForURL(/\/evidence\/[0-9a-f-]{36}(\?.*)?$/, { timeout: 15_000 });
        const u = new URL(page.url());
        evidence = `${u.origin}${u.pathname}`;
      } catch (e) {
        const text = await page.evaluate(() => document.querySelector('main')?.innerText ?? '').catch(() => '');
        for (const name of ['evidence', 'certificate']) blocked(name, `uploading a photo on ${upload} failed: ${oneLine(e.message.split('\n')[0])} ${oneLine(text)}`);
      }
      if (evidence) {
        await everyWay(page, evidence, { ...opts, name: 'evidence' });
        await everyWay(page, `${evidence}/certificate`, { ...opts, name: 'certificate' });
      }
    }
  }
  await everyWay(page, `${base}/entities/import`, { ...opts, name: 'import' });
}

/**
 * The links a role is offered on its home page (header, navigation and main), each opened once:
 * none may answer an error.
 */
async function offeredLinks(page, base, account) {
  await page.setViewportSize(SIZES[0]);
  await page.goto(withLang(`${base}/`, 'zh-CN'));
  const links = await page.$$eval('header a[href], nav a[href], main a[href]', (as) => as
    .filter((a) => a.id !== 'lang-switch' && !a.hasAttribute('download'))
    .map((a) => ({ href: a.href, text: a.innerText.replace(/\s+/g, ' ').trim() })));
  const seen = new Set();
  for (const { href, text } of links) {
    const u = new URL(href);
    if (u.origin !== base || /\.(xlsx|csv|json|zip)$/.test(u.pathname) || u.pathname === '/logout') continue;
    u.searchParams.delete('lang');
    const key = u.pathname + u.search;
    if (seen.has(key) || seen.size >= 15) continue;
    seen.add(key);
    let response;
    try {
      response = await page.goto(withLang(u.toString(), 'zh-CN'));
    } catch (e) {
      found.error.push({ at: `home · ${account.role} (${account.user})`, variant: null, msg: `the link "${text}" (${key}) could not be opened: ${oneLine(e.message)}` });
      continue;
    }
    const error = await errorOf(page, response);
    if (error) found.error.push({ at: `home · ${account.role} (${account.user})`, variant: null, msg: `offers the link "${text}" to ${key}, which ${error}` });
  }
}

async function crawl() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  console.log(`screenshots: ${SCREENSHOTS}`);
  const server = await startServer(['--demo']);
  const browser = await launch();
  const secret = demoTotpSecret(server);
  const base = server.url;
  try {
    FIXTURES = await caseFixtures(base);
    // Signed out: the sign-in page, and an unknown address.
    {
      const context = await browser.newContext();
      const page = await context.newPage();
      await everyWay(page, `${base}/login`, { name: 'login', role: 'anonymous' });
      // The public check page of an issued document, reached from its QR code.
      await everyWay(page, `${base}${FIXTURES.verify}`, { name: 'verify', role: 'anonymous' });
      await notFound(page, base, { role: 'anonymous' });
      await context.close();
    }
    // Two accounts at a time, each in its own browser context; the officer, with most pages, first.
    const queue = [...ACCOUNTS].sort((a, b) => b.pages.length - a.pages.length);
    const worker = async () => {
      for (let account = queue.shift(); account; account = queue.shift()) await visitAccount(browser, base, secret, account);
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
  } finally {
    await browser.close();
    server.stop();
  }
}

/** Signs in as the account and checks its pages and the links its home page offers. */
async function visitAccount(browser, base, secret, account) {
  const context = await browser.newContext({ viewport: SIZES[0], acceptDownloads: true });
  try {
    const page = await context.newPage();
    const who = `${account.role} (${account.user})`;
    let response;
    try {
      response = await signIn(page, base, account.user, { totpSecret: account.totp ? secret : null });
    } catch (e) {
      found.error.push({ at: `sign-in · ${who}`, variant: null, msg: oneLine(e.message) });
      return;
    }
    const landed = new URL(page.url()).pathname;
    const error = await errorOf(page, response, ERROR_WORDS);
    if (error) found.error.push({ at: `after sign-in · ${who}`, variant: null, msg: `lands on ${landed}, which ${error}` });
    const opts = { role: account.role, user: account.user };
    // Pages about accounts show login names in <main>; only the header must not.
    const accountPage = { ...opts, loginScope: 'outside-main' };
    for (const name of account.pages) {
      if (name === 'home') await everyWay(page, `${base}/`, { ...opts, name });
      else if (name === 'account') await everyWay(page, `${base}/account`, { ...accountPage, name });
      else if (name === 'admin') await everyWay(page, `${base}/admin`, { ...accountPage, name });
      else if (name === 'admin-audit') await everyWay(page, `${base}/admin/audit`, { ...accountPage, name });
      else if (name === 'admin-user') await everyWay(page, `${base}/admin/users/${SUBJECT}`, { ...accountPage, name });
      else if (name === 'entities') await officerPages(page, base, account);
      else if (name === 'approvals') await everyWay(page, `${base}/approvals`, { ...opts, name });
      else if (name === 'clues') await everyWay(page, `${base}/clues?status=all`, { ...opts, name });
      else if (name === 'cases') await everyWay(page, `${base}/cases`, { ...opts, name });
      else if (name === 'tasks') await everyWay(page, `${base}/tasks?within=90`, { ...opts, name });
      else if (name === 'interference') await everyWay(page, `${base}/interference`, { ...opts, name });
      else if (name === 'clue-open') await everyWay(page, `${base}${FIXTURES.liaisonClue}`, { ...opts, name });
      else if (name === 'clue-extension') await everyWay(page, `${base}${FIXTURES.extensionClue}`, { ...opts, name });
      else if (name === 'case-pending') await everyWay(page, `${base}${FIXTURES.pendingCase}`, { ...opts, name });
      else if (name === 'case-registered') await everyWay(page, `${base}${FIXTURES.registeredCase}`, { ...opts, name });
      else if (name === 'document-sign') await everyWay(page, `${base}${FIXTURES.documentSign}`, { ...opts, name });
      else if (!['entity', 'evidence-upload', 'evidence', 'certificate', 'import'].includes(name)) {
        throw new Error(`no such key page: ${name}`);
      }
    }
    await offeredLinks(page, base, account);
    if (account.user === 'menghai.officer') await notFound(page, base, opts);
  } finally {
    await context.close();
  }
}

/**
 * The unknown address /no-such-page: an HTML page (not JSON) with the header, the message in
 * <main> and a language switch that works; and the page checks at each size and language.
 */
async function notFound(page, base, { role, user }) {
  const who = user ? `${role} (${user})` : role;
  await page.setViewportSize(SIZES[0]);
  const response = await page.goto(`${base}/no-such-page`);
  const type = response?.headers()['content-type'] ?? '';
  const at = `not-found · ${who} · /no-such-page`;
  const add = (msg) => found.notFound.push({ at, variant: null, msg });
  if (!/^text\/html/.test(type)) {
    const body = await page.evaluate(() => document.body?.innerText ?? '');
    add(`answers ${response?.status()} ${type || 'without a content type'}, not an HTML page: ${oneLine(body)}`);
  } else {
    const s = await page.evaluate(structureOfPage);
    if (!s.header) add('has no <header>');
    if (s.mains !== 1 || s.mainText === 0) add('has no message in <main>');
    if (!s.langSwitch) add('has no #lang-switch');
    else {
      const before = s.lang;
      await Promise.all([page.waitForNavigation(), page.click('#lang-switch')]).catch(() => {});
      const after = await page.evaluate(structureOfPage);
      if (after.lang === before || !/html/.test(after.contentType) || after.mains !== 1) {
        add(`#lang-switch leads to ${page.url()}, lang ${JSON.stringify(after.lang)} (was ${JSON.stringify(before)}), ${after.contentType}, ${after.mains} <main>`);
      }
    }
  }
  await everyWay(page, `${base}/no-such-page`, { name: 'not-found', role, user, expectError: true });
}

describe('key pages, every role, 1366×768, 390×844 and 360×780, zh-CN and en', { skip: why ?? false }, () => {
  const started = Date.now();
  before(crawl, { timeout: 600_000 });
  after(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const out = [`${pagesChecked} page views checked in ${seconds} s; screenshots in ${SCREENSHOTS}`, ''];
    for (const [check, list] of Object.entries(found)) {
      const l = lines(list);
      out.push(`## ${check}: ${l.length}`, ...l, '');
    }
    writeFileSync(join(SCREENSHOTS, 'report.txt'), `${out.join('\n')}\n`);
    console.log(`${pagesChecked} page views checked in ${seconds} s`);
    console.log(`screenshots and report.txt: ${SCREENSHOTS}`);
  });
  const check = (list, what) => {
    const l = lines(list);
    assert.ok(l.length === 0, `${l.length} ${what}:\n${l.join('\n')}`);
  };

  test('no role is answered an error page for a page it is offered, nor lands on one after signing in', () => {
    check(found.error, 'pages answered an error');
  });
  test('every page has lang on <html> and its content in <main>', () => {
    check(found.structure, 'pages without the right language or a <main>');
  });
  test('no page is wider than the viewport, and no element goes past its right edge', () => {
    check(found.overflow, 'pages wider than the viewport');
  });
  test('no visible text is an internal code (role, schema, outcome, capability, reason, label)', () => {
    check(found.codes, 'internal codes in visible text');
  });
  test('people appear by display name, not by login name', () => {
    check(found.logins, 'login names in visible text');
  });
  test('axe-core finds no serious or critical accessibility violation', () => {
    check(found.axe, 'serious or critical axe violations');
  });
  test('an unknown address answers an HTML page with the header and a working language switch', () => {
    check(found.notFound, 'problems with the unknown address');
  });
});
