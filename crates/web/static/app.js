// ecoenforce: risky actions ask first. A form with data-confirm shows a Bootstrap dialog with
// the form's own text; only "yes" submits it. Without JavaScript the form submits as is (the
// server still checks everything).
(() => {
  let dialog;
  const ask = (text) => new Promise((answer) => {
    if (!window.bootstrap) { answer(window.confirm(text)); return; }
    if (!dialog) {
      const b = document.body.dataset;
      dialog = document.createElement('div');
      dialog.className = 'modal fade';
      dialog.tabIndex = -1;
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-labelledby', 'confirm-text');
      dialog.innerHTML = '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">'
        + '<div class="modal-body"><p id="confirm-text" class="mb-0"></p></div>'
        + '<div class="modal-footer"><button type="button" class="btn btn-secondary" data-answer="no"></button>'
        + '<button type="button" class="btn btn-danger" id="confirm-yes" data-answer="yes"></button></div></div></div>';
      dialog.querySelector('[data-answer=no]').textContent = b.confirmNo || 'Cancel';
      dialog.querySelector('[data-answer=yes]').textContent = b.confirmYes || 'Yes';
      document.body.appendChild(dialog);
    }
    dialog.querySelector('#confirm-text').textContent = text;
    const modal = bootstrap.Modal.getOrCreateInstance(dialog);
    let yes = false;
    dialog.querySelector('[data-answer=yes]').onclick = () => { yes = true; modal.hide(); };
    dialog.querySelector('[data-answer=no]').onclick = () => modal.hide();
    dialog.addEventListener('hidden.bs.modal', () => answer(yes), { once: true });
    modal.show();
  });
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    if (await ask(form.dataset.confirm)) {
      form.dataset.confirmed = '1';
      form.requestSubmit(ev.submitter);
    }
  }, true);
})();

// The party form shows the fields of the kind chosen (a person, an organisation, a registered
// entity; none while the party is not yet identified), and those it needs are required. Without
// JavaScript every kind's fields show, and the server reads the chosen kind's.
(() => {
  const sync = (form) => {
    const kind = form.querySelector('input[name=kind]:checked')?.value;
    for (const set of form.querySelectorAll('fieldset.party-kind')) {
      set.hidden = set.dataset.kind !== kind;
      for (const input of set.querySelectorAll('[data-required]')) input.required = !set.hidden;
    }
  };
  const all = () => document.querySelectorAll('form.party-form').forEach(sync);
  document.addEventListener('change', (ev) => {
    const form = ev.target.closest?.('form.party-form');
    if (form && ev.target.name === 'kind') sync(form);
  });
  document.addEventListener('DOMContentLoaded', all);
  document.addEventListener('htmx:afterSettle', all);
})();

// The legal basis of a proposed case: one row (law, article) or more. "Add" copies the first row
// empty, with ids of its own; each added row can be removed. Without JavaScript one row is sent.
(() => {
  let added = 0;
  const setup = () => {
    for (const set of document.querySelectorAll('fieldset.legal-basis')) {
      const add = set.querySelector('.add-basis');
      if (!add || add.dataset.ready) continue;
      add.dataset.ready = '1';
      add.hidden = false;
      add.addEventListener('click', () => {
        const rows = set.querySelector('.basis-rows');
        const row = rows.querySelector('.basis-row').cloneNode(true);
        added += 1;
        for (const input of row.querySelectorAll('input')) {
          const id = `${input.name}-added-${added}`;
          row.querySelector(`label[for="${input.id}"]`)?.setAttribute('for', id);
          input.id = id;
          input.value = '';
        }
        const remove = row.querySelector('.remove-basis');
        remove.hidden = false;
        rows.appendChild(row);
        row.querySelector('input').focus();
      });
      set.addEventListener('click', (ev) => {
        const remove = ev.target.closest('.remove-basis');
        if (!remove) return;
        const rows = set.querySelectorAll('.basis-row');
        if (rows.length > 1) remove.closest('.basis-row').remove();
        add.focus();
      });
    }
  };
  document.addEventListener('DOMContentLoaded', setup);
  document.addEventListener('htmx:afterSettle', setup);
})();

// The case team form: choosing the lead ticks him among the officers.
document.addEventListener('change', (ev) => {
  const select = ev.target;
  if (!(select instanceof HTMLSelectElement) || select.name !== 'lead') return;
  const form = select.form;
  const box = [...(form?.querySelectorAll('input[name=officers]') ?? [])].find((b) => b.value === select.value);
  if (box && !box.disabled) box.checked = true;
});

// Rows of a workspace form (questions and answers, sampling points, preserved items): "Add"
// copies the first row empty, with ids of its own; each added row can be removed. Without
// JavaScript the rows the page shows are sent.
(() => {
  let added = 0;
  const setup = () => {
    for (const set of document.querySelectorAll('fieldset.form-rows')) {
      const add = set.querySelector('.add-row');
      if (!add || add.dataset.ready) continue;
      add.dataset.ready = '1';
      add.hidden = false;
      add.addEventListener('click', () => {
        const list = set.querySelector('.rows-list');
        const row = list.querySelector('.row-item').cloneNode(true);
        added += 1;
        for (const input of row.querySelectorAll('input, textarea, select')) {
          const id = `${input.name}-row-${added}`;
          row.querySelector(`label[for="${input.id}"]`)?.setAttribute('for', id);
          input.id = id;
          input.value = '';
        }
        row.querySelector('.remove-row').hidden = false;
        list.appendChild(row);
        row.querySelector('input, textarea').focus();
      });
      set.addEventListener('click', (ev) => {
        const remove = ev.target.closest('.remove-row');
        if (!remove) return;
        if (set.querySelectorAll('.row-item').length > 1) remove.closest('.row-item').remove();
        add.focus();
      });
    }
  };
  document.addEventListener('DOMContentLoaded', setup);
  document.addEventListener('htmx:afterSettle', setup);
})();

// A link to a step's form opens it when it is folded away.
(() => {
  const open = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target instanceof HTMLDetailsElement) target.open = true;
  };
  window.addEventListener('hashchange', open);
  document.addEventListener('DOMContentLoaded', open);
})();

// The signature pad (签名): drawn with a finger, a pen or a mouse (pointer events), sent as a PNG
// with method=pad. The submit button stays disabled until there is enough ink on the pad (a stray
// tap is not a signature), so an empty pad can never be sent; Clear starts again. Turning the
// phone keeps the drawing, scaled evenly into the pad's new size. On success the server's redirect is
// followed by hand (fetch does not show its page); a refusal shows its reasons above the pad and
// keeps the drawing, so the person need not sign again.
(() => {
  const MIN_INK = 40; // CSS px of stroke
  let active = null;
  const setup = () => {
    const form = document.getElementById('pad-form');
    if (!form || form.dataset.ready) return;
    form.dataset.ready = '1';
    const canvas = form.querySelector('canvas.pad');
    const submit = form.querySelector('#pad-submit');
    const clear = form.querySelector('#pad-clear');
    const status = form.querySelector('#pad-status');
    const pen = canvas.getContext('2d');
    let ink = 0;
    let last = null;
    let width = 0;
    const update = () => {
      submit.disabled = ink < MIN_INK;
      status.textContent = ink < MIN_INK ? form.dataset.empty : form.dataset.readyText;
    };
    const size = () => {
      const box = canvas.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      width = box.width;
      canvas.width = Math.round(box.width * dpr);
      canvas.height = Math.round(box.height * dpr);
      pen.setTransform(dpr, 0, 0, dpr, 0, 0);
      // White, not transparent: the image is evidence and is opened by any viewer.
      pen.fillStyle = '#fff';
      pen.fillRect(0, 0, box.width, box.height);
      pen.strokeStyle = '#000';
      pen.fillStyle = '#000';
      pen.lineWidth = 2.5;
      pen.lineCap = 'round';
      pen.lineJoin = 'round';
      ink = 0;
      update();
    };
    const at = (ev) => {
      const box = canvas.getBoundingClientRect();
      return { x: ev.clientX - box.left, y: ev.clientY - box.top };
    };
    canvas.addEventListener('pointerdown', (ev) => {
      if (ev.button > 0) return;
      ev.preventDefault();
      canvas.setPointerCapture(ev.pointerId);
      last = at(ev);
      pen.beginPath();
      pen.arc(last.x, last.y, 1.25, 0, 2 * Math.PI);
      pen.fill();
    });
    canvas.addEventListener('pointermove', (ev) => {
      if (!last) return;
      ev.preventDefault();
      const moves = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [];
      for (const e of moves.length ? moves : [ev]) {
        const p = at(e);
        pen.beginPath();
        pen.moveTo(last.x, last.y);
        pen.lineTo(p.x, p.y);
        pen.stroke();
        ink += Math.hypot(p.x - last.x, p.y - last.y);
        last = p;
      }
      update();
    });
    const end = () => { last = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('lostpointercapture', end);
    clear.addEventListener('click', size);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (ink < MIN_INK) { update(); return; }
      submit.disabled = true;
      clear.disabled = true;
      status.textContent = form.dataset.sending;
      try {
        const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
        const body = new FormData();
        body.append('signer', form.querySelector('input[name=signer]:checked')?.value ?? '');
        body.append('method', 'pad');
        body.append('file', blob, 'signature.png');
        // Same origin: the browser sends Sec-Fetch-Site and Origin, which the server's
        // cross-site check reads, and the session cookie.
        const res = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' });
        if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
          location.assign(form.dataset.done);
          return;
        }
        const page = new DOMParser().parseFromString(await res.text(), 'text/html');
        const errors = page.getElementById('errors');
        const main = document.querySelector('main');
        if (!errors) {
          // Not this page again (the case or document is out of reach): show what came back.
          const other = page.querySelector('main');
          if (other) { main.replaceWith(other); return; }
          throw new Error(`HTTP ${res.status}`);
        }
        main.querySelector('#errors')?.remove();
        main.querySelector('#sign-document').before(errors);
        errors.focus();
        clear.disabled = false;
        update();
      } catch (e) {
        clear.disabled = false;
        update();
        status.textContent = `${form.dataset.failed} (${e.message})`;
      }
    });
    // A new size (the phone turned): the drawing so far, scaled evenly into it.
    const resize = () => {
      const kept = ink;
      const old = document.createElement('canvas');
      old.width = canvas.width;
      old.height = canvas.height;
      old.getContext('2d').drawImage(canvas, 0, 0);
      const before = { w: width, h: old.height / (window.devicePixelRatio || 1) };
      size();
      if (kept > 0) {
        const box = canvas.getBoundingClientRect();
        const scale = Math.min(box.width / before.w, box.height / before.h);
        pen.drawImage(old, 0, 0, before.w * scale, before.h * scale);
        ink = kept;
        update();
      }
    };
    active = { form, resize, width: () => width };
    size();
  };
  window.addEventListener('resize', () => {
    if (!active || !document.body.contains(active.form)) return;
    const box = active.form.querySelector('canvas.pad').getBoundingClientRect();
    if (Math.abs(box.width - active.width()) > 1) active.resize();
  });
  document.addEventListener('DOMContentLoaded', setup);
  document.addEventListener('htmx:afterSettle', setup);
})();
