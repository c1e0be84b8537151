// Starts the debug binary on a fresh data dir and a free port, and launches Debian's Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.ECOENFORCE_CHROMIUM ?? '/usr/bin/chromium';
export const BIN = process.env.ECOENFORCE_BIN
  ?? resolve(process.env.CARGO_TARGET_DIR ?? join(here, '../../target'), 'debug/ecoenforce');

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
