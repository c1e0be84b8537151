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
// entity). Without JavaScript every kind's fields show, and the server reads the chosen kind's.
(() => {
  const sync = (form) => {
    const kind = form.querySelector('input[name=kind]:checked')?.value;
    for (const set of form.querySelectorAll('fieldset.party-kind')) set.hidden = set.dataset.kind !== kind;
  };
  const all = () => document.querySelectorAll('form.party-form').forEach(sync);
  document.addEventListener('change', (ev) => {
    const form = ev.target.closest?.('form.party-form');
    if (form && ev.target.name === 'kind') sync(form);
  });
  document.addEventListener('DOMContentLoaded', all);
  document.addEventListener('htmx:afterSettle', all);
})();
