// Hand-written SVG charts (no dependency). Labels are text nodes, so data stays data.
import { h, s } from './dom.js';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];

function frame(title, svgEl, legend) {
  return h('figure', { class: 'chart' }, h('figcaption', null, title), svgEl, legend || null);
}

// Horizontal bars: [{label, value}] (the stage funnel, messages by status).
export function barChart(title, items) {
  const rowH = 28;
  const labelW = 110;
  const width = 420;
  const max = Math.max(1, ...items.map((i) => i.value));
  const svgEl = s('svg', {
    viewBox: `0 0 ${width} ${Math.max(1, items.length) * rowH + 4}`,
    role: 'img',
    'aria-label': title,
    class: 'bar-chart',
  });
  items.forEach((item, i) => {
    const y = i * rowH + 2;
    const w = Math.round(((width - labelW - 50) * item.value) / max);
    svgEl.append(
      s('text', { x: labelW - 6, y: y + 17, 'text-anchor': 'end', class: 'axis-label' }, item.label),
      s('rect', { x: labelW, y: y + 4, width: Math.max(w, 1), height: rowH - 10, rx: 3,
        fill: COLORS[i % COLORS.length], class: 'bar' }),
      s('text', { x: labelW + Math.max(w, 1) + 6, y: y + 17, class: 'value-label' }, item.value),
    );
  });
  if (items.length === 0) svgEl.append(s('text', { x: 10, y: 18 }, 'no data'));
  return frame(title, svgEl);
}

// Lines over time: points [{t, <key>: n}], series [{key, label}].
export function lineChart(title, points, series) {
  const width = 560;
  const height = 200;
  const pad = { l: 36, r: 10, t: 10, b: 28 };
  const max = Math.max(1, ...points.flatMap((p) => series.map((sr) => p[sr.key] || 0)));
  const x = (i) => pad.l + (points.length <= 1 ? 0 : (i * (width - pad.l - pad.r)) / (points.length - 1));
  const y = (v) => height - pad.b - (v * (height - pad.t - pad.b)) / max;
  const svgEl = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title,
    class: 'line-chart' });
  for (const frac of [0, 0.5, 1]) {
    const v = Math.round(max * frac);
    svgEl.append(
      s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: pad.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis-label' }, v),
    );
  }
  if (points.length > 0) {
    const fmt = (t) => new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    svgEl.append(
      s('text', { x: pad.l, y: height - 8, class: 'axis-label' }, fmt(points[0].t)),
      s('text', { x: width - pad.r, y: height - 8, 'text-anchor': 'end', class: 'axis-label' },
        fmt(points[points.length - 1].t)),
    );
  }
  series.forEach((sr, si) => {
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p[sr.key] || 0).toFixed(1)}`).join(' ');
    if (d) svgEl.append(s('path', { d, fill: 'none', stroke: COLORS[si], 'stroke-width': 2, class: 'series' }));
  });
  const legend = h('ul', { class: 'legend' },
    series.map((sr, si) => h('li', null, h('span', { class: `swatch swatch-${si}` }), sr.label)));
  return frame(title, svgEl, legend);
}
