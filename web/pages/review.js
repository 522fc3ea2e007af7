// Review queue: messages agents planned under approval "review": approve, edit then
// approve, or reject with a reason.
import { consumerNames, get, post } from '../api.js';
import { badge, empty, errorBox, fmtTime, h, replace } from '../dom.js';

let openForms = 0;  // while a form is open, live refresh waits

async function load() {
  const [page, names] = await Promise.all([get('/actions?status=awaiting_review&limit=100'), consumerNames()]);
  return page.items.map((a) => ({ ...a, consumer_name: names.get(a.consumer_id) || a.consumer_id }));
}

function card(a, ctx) {
  const status = h('div', { class: 'card-status', 'aria-live': 'polite' });
  const forms = h('div', { class: 'card-forms' });
  const act = async (path, body, done) => {
    try {
      await post(`/actions/${encodeURIComponent(a.id)}/${path}`, body);
      openForms = 0;
      ctx.flash(done);
      ctx.refresh(true);
    } catch (e) {
      replace(status, errorBox(e));
    }
  };
  const openForm = (form) => {
    if (!forms.firstChild) openForms += 1;
    replace(forms, form);
    const field = form.querySelector('textarea, input');
    if (field) field.focus();
  };
  const closeForm = () => {
    if (forms.firstChild) openForms -= 1;
    replace(forms);
  };
  const editForm = () => {
    const text = h('textarea', { rows: 4, 'aria-label': 'Edited message', class: 'edit-text' });
    text.value = a.message;
    return h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); act('approve', { message: text.value }, 'Edited and approved'); } },
      text, h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'btn primary' }, 'Approve edited'),
        h('button', { type: 'button', class: 'btn', onclick: closeForm }, 'Cancel')));
  };
  const rejectForm = () => {
    const reason = h('input', { type: 'text', 'aria-label': 'Reason', placeholder: 'Why not send this?', required: true, class: 'reject-reason' });
    return h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); act('reject', { reason: reason.value.trim() || 'rejected' }, 'Rejected'); } },
      reason, h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'btn danger' }, 'Confirm reject'),
        h('button', { type: 'button', class: 'btn', onclick: closeForm }, 'Cancel')));
  };
  return h('article', { class: 'card review-card', dataset: { id: a.id } },
    h('header', null, h('strong', { class: 'review-consumer' }, a.consumer_name), ' ', badge(a.channel), ' ',
      h('span', { class: 'muted' }, `planned for ${fmtTime(a.send_at)}`)),
    h('blockquote', { class: 'review-message' }, a.message),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'btn primary approve', onclick: () => act('approve', {}, 'Approved') }, 'Approve'),
      h('button', { type: 'button', class: 'btn edit', onclick: () => openForm(editForm()) }, 'Edit'),
      h('button', { type: 'button', class: 'btn danger reject', onclick: () => openForm(rejectForm()) }, 'Reject')),
    forms, status);
}

function render(items, ctx) {
  openForms = 0;
  if (items.length === 0) return empty('Nothing is waiting for review.');
  return h('div', { class: 'cards' }, items.map((a) => card(a, ctx)));
}

export default { title: 'Review queue', load, render, busy: () => openForms > 0 };
