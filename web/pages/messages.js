// Messages: every planned/sent message with its delivery status, and the sandbox outbox.
import { consumerNames, get, qs } from '../api.js';
import { badge, empty, fmtTime, h } from '../dom.js';

const STATUSES = ['', 'scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'cancelled', 'rejected', 'awaiting_review'];
const filters = { status: '' };

async function load() {
  const [actions, outbox, names] = await Promise.all([
    get(`/actions${qs({ limit: 100, status: filters.status })}`),
    get('/outbox?limit=100'),
    consumerNames(),
  ]);
  return { actions: actions.items, outbox: outbox.items, names: Object.fromEntries(names) };
}

function cell(label, ...children) {
  return h('td', { dataset: { label } }, ...children);
}

function render(d) {
  const name = (id) => d.names[id] || id || '—';
  return h('div', { class: 'messages' },
    h('h3', null, 'Messages'),
    d.actions.length === 0 ? empty('No messages.') : h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['To', 'Channel', 'Status', 'Send at', 'Message'].map((t) => h('th', null, t)))),
      h('tbody', null, d.actions.map((a) => h('tr', { dataset: { id: a.id } },
        cell('To', name(a.consumer_id)), cell('Channel', a.channel),
        cell('Status', badge(a.status), a.skip_reason ? [' ', badge(a.skip_reason, 'off')] : null),
        cell('Send at', fmtTime(a.send_at)), cell('Message', h('span', { class: 'clip' }, a.message)))))),
    h('h3', null, 'Outbox (sandbox channel)'),
    d.outbox.length === 0 ? empty('The outbox is empty.') : h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['To', 'Channel', 'Accepted', 'Body'].map((t) => h('th', null, t)))),
      h('tbody', null, d.outbox.map((m) => h('tr', null,
        cell('To', `${name(m.consumer_id)} (${m.to})`), cell('Channel', m.channel), cell('Accepted', fmtTime(m.created_at)),
        cell('Body', h('span', { class: 'clip' }, m.subject ? `${m.subject} — ${m.body}` : m.body)))))));
}

function toolbar(ctx) {
  return h('div', { class: 'toolbar' }, h('select', { 'aria-label': 'Status', onchange: (e) => { filters.status = e.target.value; ctx.refresh(true); } },
    STATUSES.map((st) => h('option', { value: st, selected: st === filters.status }, st || 'All statuses'))));
}

export default { title: 'Messages', load, render, toolbar };
