// One consumer: contact, context and a timeline of events, agent decisions and messages.
import { get } from '../api.js';
import { ago, badge, empty, fmtTime, h } from '../dom.js';

async function load(ctx) {
  const id = encodeURIComponent(ctx.params.id);
  const [consumer, context, events, invocations, actions] = await Promise.all([
    get(`/consumers/${id}`),
    get(`/consumers/${id}/context`).catch(() => null),
    get(`/events/consumer/${id}/timeline?limit=200`),
    get(`/invocations?consumer_id=${id}&limit=200`),
    get(`/actions?consumer_id=${id}&limit=200`),
  ]);
  const items = [
    ...events.items.map((e) => ({ kind: 'event', at: e.timestamp, e })),
    ...invocations.items.map((v) => ({ kind: 'decision', at: v.created_at, v })),
    ...actions.items.map((a) => ({ kind: 'message', at: a.created_at, a })),
  ].sort((x, y) => String(y.at).localeCompare(String(x.at)));
  return { consumer, context, items };
}

function payloadText(p) {
  if (!p || typeof p !== 'object') return '';
  return Object.entries(p).slice(0, 6).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

function entry(item) {
  if (item.kind === 'event') {
    return h('li', { class: 'tl tl-event' }, h('span', { class: 'tl-kind' }, 'event'),
      h('strong', null, item.e.type), h('span', { class: 'tl-detail' }, payloadText(item.e.payload)),
      h('time', null, fmtTime(item.at)));
  }
  if (item.kind === 'decision') {
    const v = item.v;
    return h('li', { class: 'tl tl-decision' }, h('span', { class: 'tl-kind' }, 'agent decision'),
      badge(v.status), h('span', { class: 'tl-detail' }, v.reason || v.error || ''),
      h('time', null, fmtTime(item.at)));
  }
  const a = item.a;
  return h('li', { class: 'tl tl-message' }, h('span', { class: 'tl-kind' }, `${a.channel} message`),
    badge(a.status), a.skip_reason ? badge(a.skip_reason, 'off') : null,
    h('blockquote', { class: 'tl-message-text' }, a.message), h('time', null, fmtTime(item.at)));
}

function render(d) {
  const c = d.consumer;
  const x = d.context;
  const metrics = x && x.metrics
    ? Object.entries(x.metrics).filter(([, v]) => typeof v === 'number' && v > 0).map(([k, v]) => h('li', null, `${k.replaceAll('_', ' ')}: ${v}`))
    : [];
  return h('div', { class: 'consumer-detail' },
    h('p', null, h('a', { href: '#/consumers' }, '← All consumers')),
    h('h2', { class: 'consumer-name' }, c.name || c.email || c.id),
    h('dl', { class: 'facts' },
      h('dt', null, 'Email'), h('dd', null, c.email || '—'),
      h('dt', null, 'WhatsApp'), h('dd', null, c.whatsapp || '—'),
      h('dt', null, 'Stage'), h('dd', null, x ? badge(x.stage) : '—'),
      h('dt', null, 'Lead score'), h('dd', null, x ? String(x.lead_score) : '—'),
      h('dt', null, 'Last seen'), h('dd', null, x ? ago(x.last_seen_at) : '—')),
    metrics.length ? h('ul', { class: 'metrics' }, metrics) : null,
    h('h3', null, 'Timeline'),
    d.items.length ? h('ol', { class: 'timeline' }, d.items.map(entry)) : empty('Nothing has happened yet.'));
}

export default { title: 'Consumer', load, render };
