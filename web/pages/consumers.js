// Consumers: stage, lead score, last seen and consent, with search and a stage filter.
import { get, qs } from '../api.js';
import { ago, badge, empty, h } from '../dom.js';

const STAGES = ['', 'new', 'interested', 'engaged', 'converted', 'churned'];
const filters = { q: '', stage: '' };

async function load() {
  const page = await get(`/consumers${qs({ limit: 100, q: filters.q, stage: filters.stage })}`);
  const contexts = await Promise.all(page.items.map((c) =>
    get(`/consumers/${encodeURIComponent(c.id)}/context`).catch(() => null)));
  return page.items.map((c, i) => ({ consumer: c, context: contexts[i] }));
}

function consent(c) {
  const parts = [];
  for (const ch of ['whatsapp', 'email']) {
    const granted = c.consent && c.consent[ch] && c.consent[ch].granted;
    parts.push(badge(`${ch} ${granted ? '✓' : '✗'}`, granted ? 'ok' : 'off'));
  }
  return parts;
}

function cell(label, ...children) {
  return h('td', { dataset: { label } }, ...children);
}

function render(rows) {
  if (rows.length === 0) return empty('No consumers match.');
  return h('table', { class: 'table consumers' },
    h('thead', null, h('tr', null, ['Name', 'Stage', 'Lead score', 'Last seen', 'Consent'].map((t) => h('th', null, t)))),
    h('tbody', null, rows.map(({ consumer: c, context: x }) => h('tr', { dataset: { id: c.id } },
      cell('Name', h('a', { href: `#/consumers/${encodeURIComponent(c.id)}`, class: 'consumer-link' },
        c.name || c.email || c.whatsapp || c.id)),
      cell('Stage', x ? badge(x.stage) : '—'),
      cell('Lead score', x ? String(x.lead_score) : '—'),
      cell('Last seen', x ? ago(x.last_seen_at) : '—'),
      cell('Consent', consent(c))))));
}

// The search bar lives outside the live-refreshed region so typing is never interrupted.
function toolbar(ctx) {
  let timer = null;
  const search = h('input', { type: 'search', placeholder: 'Search name, email, phone', 'aria-label': 'Search consumers',
    value: filters.q, class: 'search',
    oninput: (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => { filters.q = e.target.value.trim(); ctx.refresh(true); }, 250);
    } });
  const stage = h('select', { 'aria-label': 'Stage', onchange: (e) => { filters.stage = e.target.value; ctx.refresh(true); } },
    STAGES.map((st) => h('option', { value: st, selected: st === filters.stage }, st || 'All stages')));
  return h('div', { class: 'toolbar' }, search, stage);
}

export default { title: 'Consumers', load, render, toolbar };
