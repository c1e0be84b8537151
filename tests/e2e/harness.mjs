// Starts the debug binary on a fresh data dir and a free port, and launches Debian's Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.ECOENFORCE_CHROMIUM ?? '/usr/bin/chromium';
export const BIN = process.env.ECOENFORCE_BIN
  ?? resolve(process.env.CARGO_TARGET_DIR ?? join(here, '../../target'), 'debug/ecoenforce');

/**
 * Why Chinese pages cannot be measured or shot here, or null: without a CJK font Chromium draws
 * boxes, and widths and screenshots are not the users'. (Debian: apt-get install fonts-noto-cjk.)
 */
export function cjkFontMissing() {
  try {
    const families = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
    return families.trim() ? null : 'no Chinese font (apt-get install fonts-noto-cjk)';
  } catch {
    return 'fc-list is missing, so no Chinese font can be found (apt-get install fontconfig fonts-noto-cjk)';
  }
}

/** Why the browser tests cannot run here, or null. */
export function skipReason() {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(BIN)) return `no ecoenforce binary at ${BIN} (cargo build)`;
  return null;
}

export async function startServer(args = ['--demo']) {
  const dir = mkdtempSync(join(tmpdir(), 'ecoenforce-e2e-'));
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir, ...args], {
    env: { ...process.env, ECOENFORCE__LOG__FILTER: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const output = [];
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the server did not start in 30 s')), 30_000);
    child.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
    lines.on('line', (line) => {
      output.push(line);
      const m = line.match(/^ecoenforce listening on (http:\/\/\S+)$/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  // Let the accounts lines that follow arrive.
  await new Promise((r) => setTimeout(r, 300));
  return { url, output, dir, stop: () => child.kill('SIGTERM') };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The demo accounts' password (config/demo-organisation.toml). */
export const DEMO_PASSWORD = 'Demo@2026!';

/** The current RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret, `stepOffset` steps on. */
export function totp(secret, stepOffset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + stepOffset));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

/** The TOTP secret the demo administrators sign in with, as the demo server prints it. */
export function demoTotpSecret(server) {
  const m = server.output.join('\n').match(/demo secret ([A-Z2-7]{16,})/);
  if (!m) throw new Error(`the demo server printed no TOTP secret:\n${server.output.join('\n')}`);
  return m[1];
}

/**
 * Signs in on /login and waits to leave it; with `totpSecret`, also gives the current code. A code
 * is good once per account, so when the server refuses it (the same step was used already), waits
 * for the next 30 s step and tries again once. Returns the response of the page landed on.
 */
export async function signIn(page, url, username, { password = DEMO_PASSWORD, totpSecret = null } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.goto(`${url}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    if (totpSecret) await page.fill('#totp', totp(totpSecret));
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click('main button[type=submit]'),
    ]);
    if (new URL(page.url()).pathname !== '/login') return response;
    if (!totpSecret || attempt > 0) break;
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
  }
  const text = (await page.textContent('main').catch(() => '')) ?? '';
  throw new Error(`${username} could not sign in: ${text.replace(/\s+/g, ' ').trim()}`);
}
