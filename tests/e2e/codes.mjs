// The platform's internal identifiers, read from the Rust sources and the locale files each run, so
// that the browser tests know what no page may show as visible text: roles, event schemas, sign-in
// outcomes, capabilities, reason codes, the other enumerations' stored values, message ids, and the
// demo accounts' login names.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');

function read(path) {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The string literals after `=>` in every `fn as_str` body of a Rust file (an enum's codes). */
function asStrCodes(path) {
  const text = read(path);
  const codes = [];
  for (const m of text.matchAll(/fn as_str\([^)]*\)[^{]*\{([\s\S]*?)\n    \}/g)) {
    for (const c of m[1].matchAll(/=>\s*"([^"]+)"/g)) codes.push(c[1]);
  }
  if (codes.length === 0) throw new Error(`no codes found in ${path}: has fn as_str moved?`);
  return codes;
}

/** Every .rs file under crates/<name>/src (not tests, benches or fuzz targets). */
function rustSources() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.rs')) out.push(p);
    }
  };
  for (const crate of readdirSync(join(ROOT, 'crates'))) {
    const src = join(ROOT, 'crates', crate, 'src');
    if (existsSync(src)) walk(src);
  }
  return out;
}

function uniq(list) {
  return [...new Set(list)];
}

/**
 * [{ code, kind, source }]: every identifier with where it comes from. `kind` says what it is in
 * words, for failure messages.
 */
export function internalCodes() {
  const list = [];
  const add = (codes, kind, source) => {
    for (const code of uniq(codes)) list.push({ code, kind, source });
  };
  add(asStrCodes('crates/domain/src/actor.rs'), 'role identifier', 'crates/domain/src/actor.rs');
  const events = read('crates/domain/src/event.rs').match(/events!\s*\{([\s\S]*?)\n\}/);
  if (!events) throw new Error('no events! table in crates/domain/src/event.rs');
  add([...events[1].matchAll(/=\s*"([^"]+)"/g)].map((m) => m[1]), 'event schema', 'crates/domain/src/event.rs');
  const store = read('crates/store/src/lib.rs');
  const outcome = store.match(/impl SigninOutcome \{[\s\S]*?fn as_str[\s\S]*?\n    \}/);
  if (!outcome) throw new Error('no SigninOutcome::as_str in crates/store/src/lib.rs');
  add([...outcome[0].matchAll(/=>\s*"([^"]+)"/g)].map((m) => m[1]), 'sign-in outcome', 'crates/store/src/lib.rs');
  add(asStrCodes('crates/domain/src/permission.rs'), 'capability name', 'crates/domain/src/permission.rs');
  for (const [path, kind] of [
    ['crates/domain/src/unit.rs', 'unit kind'],
    ['crates/domain/src/entity.rs', 'supervision class code'],
    ['crates/domain/src/entity_import.rs', 'import sheet code'],
    ['crates/domain/src/evidence.rs', 'evidence code'],
    ['crates/domain/src/admin.rs', 'credential kind'],
  ]) {
    add(asStrCodes(path), kind, path);
  }
  // Reason codes: what Reason::new and AppError variants are given in the sources.
  const reasons = [];
  for (const file of rustSources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:Reason::new|AppError::\w+)\(\s*"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"/g)) reasons.push(m[1]);
  }
  add(reasons, 'reason code', 'Reason::new / AppError in crates/*/src');
  // Message ids of the locale files (a missing translation would show its id).
  const ids = [];
  for (const lang of readdirSync(join(ROOT, 'locales'))) {
    const text = read(`locales/${lang}/main.ftl`);
    for (const m of text.matchAll(/^([a-z][a-z0-9_-]*-[a-z0-9_-]+)\s*=/gm)) ids.push(m[1]);
  }
  add(ids, 'message id', 'locales/*/main.ftl');
  // The first source wins for a code named twice (liaison: a role before a unit kind).
  const seen = new Set();
  return list.filter(({ code }) => !seen.has(code) && seen.add(code));
}

/** The demo accounts' login names (config/demo-organisation.toml). */
export function demoLoginNames() {
  const text = read('config/demo-organisation.toml');
  return [...text.matchAll(/^username\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
}

/** The display name of each demo account, by login name. */
export function demoDisplayNames() {
  const text = read('config/demo-organisation.toml');
  const out = {};
  for (const block of text.split('[[users]]').slice(1)) {
    const u = block.match(/^username\s*=\s*"([^"]+)"/m);
    const d = block.match(/^display_name\s*=\s*"([^"]+)"/m);
    if (u && d) out[u[1]] = d[1];
  }
  return out;
}

export function describeSource(path) {
  return relative(ROOT, path);
}
