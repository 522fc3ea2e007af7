// Agents: enable/disable, approval mode, the generic sales agent's delays, and the
// creator's quiet hours and caps (settings.policy, which every agent's sends obey).
import { get, patch, post } from '../api.js';
import { badge, empty, errorBox, h, replace } from '../dom.js';

const DELAYS = ['first_view', 'return_visit', 'service_click', 'booking_confirmation', 'payment_failed', 'reengagement'];
let dirty = 0;

async function load(ctx) {
  const id = ctx.session.creator_id;
  const [agents, creator] = await Promise.all([
    get('/agents?limit=100'), id ? get(`/creators/${encodeURIComponent(id)}`) : null]);
  return { agents: agents.items, creator };
}

function num(label, value, attrs) {
  const input = h('input', { type: 'number', min: 0, ...attrs });
  if (value !== undefined && value !== null) input.value = String(value);
  return { input, el: h('label', { class: 'field' }, h('span', null, label), input) };
}

// Per-agent delays (generic sales agent).
function delaysForm(agent, ctx, status) {
  const config = agent.config && typeof agent.config === 'object' ? agent.config : {};
  const delays = config.delays || {};
  const inputs = DELAYS.map((d) => [d, num(`${d.replaceAll('_', ' ')} (min)`, delays[`${d}_minutes`], { max: 43200 })]);
  return h('form', { class: 'agent-settings', oninput: () => { dirty += 1; }, onsubmit: async (e) => {
    e.preventDefault();
    const next = { ...delays };
    for (const [d, f] of inputs) if (f.input.value !== '') next[`${d}_minutes`] = Number(f.input.value);
    try {
      await patch(`/agents/${encodeURIComponent(agent.id)}`, { config: { ...config, delays: next } });
      dirty = 0;
      ctx.flash('Delays saved');
      ctx.refresh(true);
    } catch (err) {
      replace(status, errorBox(err));
    }
  } },
  h('fieldset', null, h('legend', null, 'Delay before each message'), inputs.map(([, f]) => f.el)),
  h('button', { type: 'submit', class: 'btn primary' }, 'Save delays'));
}

// Quiet hours and caps: the creator's "policy" settings, applied to every agent at send time.
function policyCard(creator, ctx) {
  const status = h('div', { class: 'card-status', 'aria-live': 'polite' });
  const settings = creator.settings && typeof creator.settings === 'object' ? creator.settings : {};
  const policy = settings.policy || {};
  const quiet = policy.quiet_hours || {};
  const caps = policy.caps || {};
  const quietOn = h('input', { type: 'checkbox', checked: quiet.enabled !== false, class: 'quiet-on' });
  const quietStart = h('input', { type: 'time', value: quiet.start || '21:00', class: 'quiet-start' });
  const quietEnd = h('input', { type: 'time', value: quiet.end || '09:00', class: 'quiet-end' });
  const capFields = ['whatsapp', 'email'].map((ch) => {
    const c = caps[ch] || {};
    return [ch, num(`${ch}: per day`, c.per_day, { max: 1000, placeholder: '2 (default)' }), num(`${ch}: per week`, c.per_week, { max: 7000, placeholder: '5 (default)' }),
      num(`${ch}: min gap (min)`, c.min_gap_minutes, { max: 10080, placeholder: '60 (default)' })];
  });
  const form = h('form', { class: 'policy-settings', oninput: () => { dirty += 1; }, onsubmit: async (e) => {
    e.preventDefault();
    const nextCaps = { ...caps };
    for (const [ch, day, week, gap] of capFields) {
      const c = { ...(caps[ch] || {}) };
      if (day.input.value !== '') c.per_day = Number(day.input.value);
      if (week.input.value !== '') c.per_week = Number(week.input.value);
      if (gap.input.value !== '') c.min_gap_minutes = Number(gap.input.value);
      nextCaps[ch] = c;
    }
    const next = { ...settings, policy: { ...policy, quiet_hours: { enabled: quietOn.checked, start: quietStart.value, end: quietEnd.value }, caps: nextCaps } };
    try {
      await patch(`/creators/${encodeURIComponent(creator.id)}`, { settings: next });
      dirty = 0;
      ctx.flash('Quiet hours and caps saved');
      ctx.refresh(true);
    } catch (err) {
      replace(status, errorBox(err));
    }
  } },
  h('fieldset', null, h('legend', null, 'Quiet hours (consumer\'s time zone)'),
    h('label', { class: 'field inline' }, quietOn, h('span', null, 'Hold messages during quiet hours')),
    h('label', { class: 'field' }, h('span', null, 'From'), quietStart),
    h('label', { class: 'field' }, h('span', null, 'To'), quietEnd)),
  h('fieldset', null, h('legend', null, 'Caps per consumer'), capFields.map(([, ...f]) => f.map((x) => x.el))),
  h('button', { type: 'submit', class: 'btn primary' }, 'Save quiet hours and caps'));
  return h('article', { class: 'card policy-card' }, h('header', null, h('strong', null, 'Sending rules for all agents')),
    h('details', { class: 'agent-more' }, h('summary', null, 'Quiet hours and caps'), form), status);
}

function card(agent, ctx) {
  const status = h('div', { class: 'card-status', 'aria-live': 'polite' });
  const toggle = h('button', {
    type: 'button', class: `btn toggle ${agent.enabled ? 'on' : 'off'}`, 'aria-pressed': agent.enabled ? 'true' : 'false',
    onclick: async () => {
      try {
        await post(`/agents/${encodeURIComponent(agent.id)}/${agent.enabled ? 'disable' : 'enable'}`);
        ctx.flash(agent.enabled ? 'Agent disabled' : 'Agent enabled');
        ctx.refresh(true);
      } catch (e) {
        replace(status, errorBox(e));
      }
    },
  }, agent.enabled ? 'Enabled' : 'Disabled');
  const approval = h('select', { 'aria-label': 'Approval mode', class: 'approval', onchange: async (e) => {
    try {
      await patch(`/agents/${encodeURIComponent(agent.id)}`, { approval: e.target.value });
      ctx.flash('Approval mode saved');
      ctx.refresh(true);
    } catch (err) {
      replace(status, errorBox(err));
    }
  } }, ['auto', 'review'].map((m) => h('option', { value: m, selected: agent.approval === m }, m === 'auto' ? 'Send automatically' : 'Review before sending')));
  const details = agent.kind === 'generic_sales'
    ? h('details', { class: 'agent-more' }, h('summary', null, 'Delays'), delaysForm(agent, ctx, status)) : null;
  return h('article', { class: 'card agent-card', dataset: { id: agent.id } },
    h('header', null, h('strong', { class: 'agent-name' }, agent.name), ' ', badge(agent.kind, 'kind')),
    h('div', { class: 'agent-controls' }, toggle, approval),
    h('p', { class: 'muted' }, `Triggers: ${(agent.triggers || []).map((t) => t.event_type).join(', ') || 'none'}`),
    details, status);
}

function render(d, ctx) {
  dirty = 0;
  return h('div', { class: 'cards' },
    d.creator ? policyCard(d.creator, ctx) : null,
    d.agents.length === 0 ? empty('No agents yet. Deploy one from the Profile page.') : d.agents.map((a) => card(a, ctx)));
}

// Keep an open settings panel (or typed values) from being replaced by a refresh.
function busy() {
  return dirty > 0 || document.querySelector('details.agent-more[open]') !== null;
}

export default { title: 'Agents', load, render, busy };
