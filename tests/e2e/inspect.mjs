// What the page checks look at, run inside the page (page.evaluate): layout wider than the
// viewport, internal codes and login names in the visible text, the document's language and main.
// Each function is self-contained (Playwright serialises it into the page).

/** Elements that may show raw technical text: hashes in code, command lines, raw checkpoints. */
export const TECHNICAL = 'code, pre, kbd, samp, [data-technical]';

/**
 * The document's width and every visible element whose box goes past the right edge of the
 * viewport. Content that scrolls sideways inside a narrower box counts too (a table in an
 * overflow-x: auto wrapper is still wider than the phone), and says which box it scrolls in. Only
 * the outermost offenders are listed, each with how many of its descendants are past the edge too.
 */
export function overflowInPage() {
  const vw = window.innerWidth;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      let s = e.localName;
      if (e.id) { parts.unshift(`${s}#${e.id}`); break; }
      const cls = [...e.classList].slice(0, 2).map((c) => `.${c}`).join('');
      s += cls;
      const parent = e.parentElement;
      if (parent && !cls) {
        const same = [...parent.children].filter((c) => c.localName === e.localName);
        if (same.length > 1) s += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Where it would be with every scrolling box scrolled to its start.
    let shift = window.scrollX;
    let scroller = null;
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      shift += a.scrollLeft;
      if (!scroller && a.scrollWidth > a.clientWidth && /auto|scroll|hidden/.test(getComputedStyle(a).overflowX)) scroller = a;
    }
    const right = r.right + shift;
    if (right > vw + 0.5) offenders.push({ el, right: Math.round(right), scroller });
  }
  const top = offenders.filter((o) => !offenders.some((p) => p !== o && p.el.contains(o.el)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: vw,
    elements: top.slice(0, 8).map((o) => ({
      path: path(o.el),
      right: o.right,
      width: Math.round(o.el.getBoundingClientRect().width),
      text: (o.el.innerText || o.el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 60),
      inside: offenders.filter((p) => p !== o && o.el.contains(p.el)).length,
      scroller: o.scroller ? `${path(o.scroller)} (overflow-x: ${getComputedStyle(o.scroller).overflowX})` : null,
    })),
    more: Math.max(0, top.length - 8),
  };
}

/**
 * Internal codes and login names in the visible text: document.body.innerText with code, pre, kbd,
 * samp and [data-technical] elements left out. A code with a separator (brigade_officer,
 * user.created/v1, auth.forbidden, event_hash) counts anywhere in the text; a one-word code
 * (success, liaison) and a one-word login name (admin) only as the whole text of an element.
 * Any other snake_case word counts as a label. Inside code, pre, kbd and samp only the known
 * identifiers count (hashes and command lines are fine there); in [data-technical] nothing does.
 * `loginScope` 'all' looks for login names in the
 * whole body, 'outside-main' only outside <main> (pages about accounts show them in main).
 */
export function codesInPage({ technical, codes, logins, loginScope }) {
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      let s = e.localName;
      if (e.id) { parts.unshift(`${s}#${e.id}`); break; }
      const cls = [...e.classList].slice(0, 2).map((c) => `.${c}`).join('');
      s += cls;
      const parent = e.parentElement;
      if (parent && !cls) {
        const same = [...parent.children].filter((c) => c.localName === e.localName);
        if (same.length > 1) s += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  // Not part of a longer identifier, path or file name on either side.
  const bounded = (s) => new RegExp(`(?<![A-Za-z0-9_./-])${esc(s)}(?![A-Za-z0-9_/-]|\\.[A-Za-z0-9_])`);
  const multi = codes.filter((c) => /[_./-]/.test(c.code)).map((c) => ({ ...c, re: bounded(c.code) }));
  const single = new Map(codes.filter((c) => !/[_./-]/.test(c.code)).map((c) => [c.code, c]));
  const loginMulti = logins.filter((l) => /[_./-]/.test(l)).map((l) => ({ code: l, re: bounded(l) }));
  const loginSingle = new Set(logins.filter((l) => !/[_./-]/.test(l)));
  const snake = /(?<![A-Za-z0-9_./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_/-]|\.[A-Za-z0-9_])/g;
  const main = document.querySelector('main');

  const style = document.createElement('style');
  style.textContent = `${technical} { display: none !important; }`;
  document.head.append(style);
  const found = [];
  const seen = new Set();
  const note = (kind, code, detail, el, text) => {
    const key = `${kind}|${code}|${el ? path(el) : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push({ kind, code, detail, where: el ? path(el) : 'body', text: text.replace(/\s+/g, ' ').trim().slice(0, 80) });
  };
  try {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(`script, style, template, noscript, ${technical}`)) continue;
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      const text = n.data;
      const whole = text.trim();
      if (!whole) continue;
      const lookForLogins = loginScope === 'all' || !(main && main.contains(el));
      if (single.has(whole)) note('code', whole, single.get(whole), el, text);
      if (lookForLogins && loginSingle.has(whole)) note('login', whole, null, el, text);
      const known = [];
      for (const c of multi) {
        if (c.re.test(text)) { note('code', c.code, c, el, text); known.push(c.code); }
      }
      if (lookForLogins) for (const l of loginMulti) if (l.re.test(text)) note('login', l.code, null, el, text);
      for (const m of text.matchAll(snake)) {
        if (!known.some((k) => k.includes(m[0]))) note('code', m[0], { kind: 'label (a snake_case identifier)', source: 'no other source' }, el, text);
      }
    }
    // Inside code, pre, kbd and samp (not a [data-technical] section) hashes may show, the
    // platform's own identifiers may not: an event schema in <code> is still a code to the reader.
    const tagged = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = tagged.nextNode(); n; n = tagged.nextNode()) {
      const el = n.parentElement;
      const tag = el?.closest('code, pre, kbd, samp');
      if (!tag || el.closest('[data-technical]')) continue;
      const text = n.data;
      const whole = text.trim();
      if (!whole) continue;
      // Measured with the technical style removed: is the <code> itself shown?
      style.disabled = true;
      const shown = el.checkVisibility({ visibilityProperty: true });
      style.disabled = false;
      if (!shown) continue;
      const inTag = { tag: tag.localName };
      if (single.has(whole)) note('code', whole, { ...single.get(whole), ...inTag }, el, text);
      for (const c of multi) if (c.re.test(text)) note('code', c.code, { ...c, ...inTag }, el, text);
    }
    // What the text nodes alone would miss: codes split over elements, as innerText reads.
    const all = document.body.innerText;
    for (const c of multi) {
      if (c.re.test(all) && !found.some((f) => f.code === c.code)) note('code', c.code, c, null, all.match(new RegExp(`.{0,30}${esc(c.code)}.{0,30}`))?.[0] ?? c.code);
    }
  } finally {
    style.remove();
  }
  return found.map(({ detail, ...f }) => ({ ...f, codeKind: detail?.kind ?? null, source: detail?.source ?? null, tag: detail?.tag ?? null }));
}

/** The document's language, its <main> elements and how much text they hold, and the title. */
export function structureOfPage() {
  const mains = document.querySelectorAll('main');
  return {
    lang: document.documentElement.getAttribute('lang'),
    mains: mains.length,
    mainText: mains[0] ? mains[0].innerText.trim().length : 0,
    header: !!document.querySelector('header'),
    langSwitch: !!document.querySelector('#lang-switch'),
    title: document.title,
    contentType: document.contentType,
  };
}
