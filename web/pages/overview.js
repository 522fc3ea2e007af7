// Overview: KPIs, the stage funnel, events/messages/conversions over time, messages by status.
import { get } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { h } from '../dom.js';

const STAGES = ['new', 'interested', 'engaged', 'converted', 'churned'];
const SENT = new Set(['sent', 'delivered', 'read']);

// GET /analytics/summary when the server has it; otherwise the same shape from the lists.
async function load() {
  try {
    return await get('/analytics/summary');
  } catch (e) {
    if (e.status !== 404 && e.status !== 405) throw e;
  }
  return fromLists();
}

async function fromLists() {
  const [consumers, events, actions] = await Promise.all([
    get('/consumers?limit=500'), get('/events?limit=500'), get('/actions?limit=500'),
  ]);
  const contexts = await Promise.all(consumers.items.map((c) =>
    get(`/consumers/${encodeURIComponent(c.id)}/context`).catch(() => null)));
  const funnel = Object.fromEntries(STAGES.map((st) => [st, 0]));
  for (const ctx of contexts) if (ctx && ctx.stage in funnel) funnel[ctx.stage] += 1;
  const byStatus = {};
  for (const a of actions.items) byStatus[a.status] = (byStatus[a.status] || 0) + 1;
  const days = new Map();
  const day = (iso) => (iso || '').slice(0, 10);
  const bump = (d, key) => {
    if (!d) return;
    if (!days.has(d)) days.set(d, { t: `${d}T00:00:00Z`, events: 0, messages: 0, conversions: 0 });
    days.get(d)[key] += 1;
  };
  let conversions = 0;
  for (const e of events.items) {
    bump(day(e.timestamp || e.created_at), 'events');
    if (e.type === 'payment_success') {
      conversions += 1;
      bump(day(e.timestamp || e.created_at), 'conversions');
    }
  }
  for (const a of actions.items) if (SENT.has(a.status)) bump(day(a.send_at), 'messages');
  return {
    funnel: STAGES.map((st) => ({ stage: st, consumers: funnel[st] })),
    events: { total: events.items.length },
    messages: { total: actions.items.length, sent: actions.items.filter((a) => SENT.has(a.status)).length,
      by_status: byStatus },
    conversions: { total: conversions, revenue: [] },
    series: { points: [...days.values()].sort((a, b) => a.t.localeCompare(b.t)) },
    consumers_total: consumers.items.length,
    approximate: true,
  };
}

function kpi(label, value) {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi-value' }, value), h('span', { class: 'kpi-label' }, label));
}

function render(d) {
  const consumers = d.consumers_total ?? d.funnel.reduce((n, f) => n + f.consumers, 0);
  const revenue = (d.conversions.revenue || []).map((m) => m.display).join(' + ') || '—';
  const byStatus = Object.entries(d.messages.by_status || {}).map(([label, value]) => ({ label, value }));
  return h('div', { class: 'overview' },
    h('div', { class: 'kpis' },
      kpi('Consumers', consumers),
      kpi('Events', d.events.total),
      kpi('Messages sent', d.messages.sent),
      kpi('Conversions', d.conversions.total),
      kpi('Revenue', revenue)),
    h('div', { class: 'charts' },
      barChart('Stage funnel', d.funnel.map((f) => ({ label: f.stage, value: f.consumers }))),
      lineChart('Events, messages and conversions over time', d.series.points || [], [
        { key: 'events', label: 'Events' },
        { key: 'messages', label: 'Messages' },
        { key: 'conversions', label: 'Conversions' },
      ]),
      barChart('Messages by status', byStatus)),
    d.approximate ? h('p', { class: 'note' }, 'Computed from the latest 500 records of each list.') : null);
}

export default { title: 'Overview', load, render };
