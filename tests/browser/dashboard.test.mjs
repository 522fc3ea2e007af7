// Browser tests for the dashboard in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). Starts the real `creator-agents serve` on a temp SQLite file
// and an ephemeral port, seeds data through the JSON API, drives the UI, and saves
// screenshots under build/screenshots/.
//
//   node tests/browser/dashboard.test.mjs [path/to/creator-agents]
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const binary = path.resolve(process.argv[2] || process.env.CA_BINARY || path.join(repo, 'build/bin/creator-agents'));
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const shots = path.join(repo, 'build/screenshots');
const ADMIN_KEY = 'browser-test-admin-key-0123456789abcdef';
const XSS_NAME = '<img src=x onerror=window.__xss=1>';

const failures = [];
let passed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`not ok - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
  }
}

// ---- the server -----------------------------------------------------------------------
function startServer(tmp) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite://${path.join(tmp, 'dash.db')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      WEB_DIR: path.join(repo, 'web'),
      CHANNEL_MODE: 'sandbox',
      WORKER_THREADS: '2',
      LOG_LEVEL: 'info',
    };
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    const proc = spawn(binary, ['serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, base: m[1], log: () => log });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
}

function client(base, key) {
  return async (method, p, body) => {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${text}`);
    return data;
  };
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---- seed data --------------------------------------------------------------------------
async function seed(base) {
  const admin = client(base, ADMIN_KEY);
  const creator = await admin('POST', '/creators', { name: 'Asha Coaching', email: 'asha@example.com' });
  const other = await admin('POST', '/creators', { name: 'Other Creator', email: 'other@example.com' });
  const { key } = await admin('POST', `/creators/${creator.id}/api-keys`, { name: 'dashboard' });
  const api = client(base, key);
  const agent = await api('POST', '/agents', {
    name: 'Sales follow-up', kind: 'generic_sales', config: {}, approval: 'review',
    triggers: [{ event_type: 'page_view' }],
  });
  const people = [
    { name: 'Priya Sharma', email: 'priya@example.com', consent: { email: true } },
    { name: 'Rahul Verma', email: 'rahul@example.com', consent: { email: true } },
    { name: 'Meera Iyer', email: 'meera@example.com', consent: { email: true } },
    { name: XSS_NAME, email: 'xss@example.com', consent: { email: true } },
  ];
  const consumers = [];
  for (const p of people) consumers.push(await api('POST', '/consumers', p));
  for (const c of consumers) {
    await api('POST', '/events', { consumer_id: c.id, type: 'page_view', source: 'api', payload: { page: '/coaching' } });
  }
  await api('POST', '/events', { consumer_id: consumers[0].id, type: 'service_click', source: 'api', payload: { service: '1:1 call' } });
  await api('POST', '/events', {
    consumer_id: consumers[1].id, type: 'payment_success', source: 'api',
    payload: { amount_minor: 500000, currency: 'INR' },
  });
  await admin('POST', '/consumers', { name: 'Not yours', email: 'n@example.com', creator_id: other.id });
  const queued = await until('awaiting_review actions', async () => {
    const page = await api('GET', '/actions?status=awaiting_review');
    return page.items.length >= 3 ? page.items : null;
  });
  return { creator, other, key, api, agent, consumers, queued };
}

// ---- the tests -----------------------------------------------------------------------
async function main() {
  assert.ok(fs.existsSync(binary), `no binary at ${binary} (build it first)`);
  assert.ok(fs.existsSync(chromiumPath), `no chromium at ${chromiumPath} (scripts/install-deps.sh)`);
  fs.mkdirSync(shots, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-dash-'));
  const server = await startServer(tmp);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const consoleProblems = [];
  try {
    const data = await seed(server.base);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleProblems.push(m.text()); });
    page.on('pageerror', (e) => consoleProblems.push(String(e)));
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    const api = data.api;

    await step('the page is served with CSP and no inline script', async () => {
      const res = await page.goto(server.base + '/');
      const h = res.headers();
      assert.match(h['content-security-policy'], /script-src 'self'/);
      assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
      assert.equal(h['x-content-type-options'], 'nosniff');
      assert.equal(h['referrer-policy'], 'no-referrer');
      const inline = await page.$$eval('script:not([src])', (s) => s.length);
      assert.equal(inline, 0);
      await page.waitForSelector('#signin-form');
    });

    await step('a wrong key is refused', async () => {
      await page.fill('#api-key', 'ca_wrong_key');
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#signin-error:not([hidden])');
      assert.match(await page.textContent('#signin-error'), /not valid/);
    });

    await step('sign in with a creator key; the cookie is HttpOnly and SameSite=Strict', async () => {
      await page.fill('#api-key', data.key);
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#shell:not([hidden])');
      const cookies = await context.cookies();
      const c = cookies.find((k) => k.name === 'ca_session');
      assert.ok(c, 'session cookie set');
      assert.equal(c.httpOnly, true);
      assert.equal(c.sameSite, 'Strict');
      assert.ok(c.expires > Date.now() / 1000, 'the cookie expires');
      assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the cookie');
      assert.equal(await page.evaluate(() => JSON.stringify(localStorage)), '{}', 'nothing in storage');
    });

    await step('the overview shows KPIs and charts', async () => {
      await page.waitForSelector('.kpis .kpi');
      await page.waitForSelector('figure.chart svg');
      const charts = await page.$$eval('figure.chart', (f) => f.map((x) => x.querySelector('figcaption').textContent));
      assert.ok(charts.includes('Stage funnel'), charts.join());
      assert.ok(charts.some((t) => /over time/.test(t)), charts.join());
      const bars = await page.$$eval('figure.chart svg rect.bar', (r) => r.length);
      assert.ok(bars >= 5, `funnel bars: ${bars}`);
      const kpis = await page.$$eval('.kpi', (k) => Object.fromEntries(k.map((x) => [x.querySelector('.kpi-label').textContent, x.querySelector('.kpi-value').textContent])));
      assert.equal(kpis.Consumers, '4', JSON.stringify(kpis));  // not the other creator's
      assert.equal(kpis.Conversions, '1', JSON.stringify(kpis));
      await shot('01-overview');
    });

    await step('consumers list; an XSS attempt in a name renders as text', async () => {
      await page.click('nav a[href="#/consumers"]');
      await page.waitForSelector('table.consumers tbody tr');
      const names = await page.$$eval('a.consumer-link', (a) => a.map((x) => x.textContent));
      assert.ok(names.includes(XSS_NAME), names.join(' | '));
      assert.ok(!names.includes('Not yours'));
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.equal(await page.$$eval('img', (i) => i.length), 0);
      const stages = await page.$$eval('table.consumers td[data-label="Stage"]', (t) => t.map((x) => x.textContent));
      assert.ok(stages.every((s) => s && s !== '—'), stages.join());
      await shot('02-consumers');
    });

    await step('search narrows the list', async () => {
      await page.fill('input.search', 'Priya');
      await page.waitForFunction(() => document.querySelectorAll('table.consumers tbody tr').length === 1);
      assert.equal(await page.textContent('a.consumer-link'), 'Priya Sharma');
      await page.fill('input.search', '');
      await page.waitForFunction(() => document.querySelectorAll('table.consumers tbody tr').length === 4);
    });

    await step('a consumer timeline shows events, agent decisions and messages', async () => {
      await page.click(`a.consumer-link[href="#/consumers/${data.consumers[0].id}"]`);
      await page.waitForSelector('ol.timeline li');
      assert.equal(await page.textContent('h2.consumer-name'), 'Priya Sharma');
      const kinds = await page.$$eval('ol.timeline .tl-kind', (k) => k.map((x) => x.textContent));
      assert.ok(kinds.includes('event'), kinds.join());
      assert.ok(kinds.includes('agent decision'), kinds.join());
      assert.ok(kinds.some((k) => /message/.test(k)), kinds.join());
      const text = await page.textContent('ol.timeline');
      assert.match(text, /page_view/);
      assert.match(text, /service_click/);
      await shot('03-consumer-timeline');
    });

    await step('the XSS consumer timeline is inert too', async () => {
      await page.goto(`${server.base}/#/consumers/${data.consumers[3].id}`);
      await page.waitForSelector('h2.consumer-name');
      assert.equal(await page.textContent('h2.consumer-name'), XSS_NAME);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.equal(await page.$$eval('img', (i) => i.length), 0);
      navigations = 0;
    });

    const queue = data.queued;
    await step('review queue: approve', async () => {
      await page.click('nav a[href="#/review"]');
      await page.waitForSelector('.review-card');
      assert.ok((await page.$$('.review-card')).length >= 3);
      await shot('04-review-queue');
      await page.click(`.review-card[data-id="${queue[0].id}"] button.approve`);
      await page.waitForSelector(`.review-card[data-id="${queue[0].id}"]`, { state: 'detached' });
      const a = await api('GET', `/actions/${queue[0].id}`);
      assert.notEqual(a.status, 'awaiting_review');
      assert.notEqual(a.status, 'rejected');
    });

    await step('review queue: edit then approve', async () => {
      const card = `.review-card[data-id="${queue[1].id}"]`;
      await page.click(`${card} button.edit`);
      await page.fill(`${card} textarea.edit-text`, 'Hi! Edited by the creator.');
      await page.click(`${card} button[type=submit]`);
      await page.waitForSelector(card, { state: 'detached' });
      const a = await api('GET', `/actions/${queue[1].id}`);
      assert.notEqual(a.status, 'awaiting_review');
      assert.equal(a.message, 'Hi! Edited by the creator.');
    });

    await step('review queue: reject with a reason', async () => {
      const card = `.review-card[data-id="${queue[2].id}"]`;
      await page.click(`${card} button.reject`);
      await page.fill(`${card} input.reject-reason`, 'Too pushy');
      await page.click(`${card} button[type=submit]`);
      await page.waitForSelector(card, { state: 'detached' });
      const a = await api('GET', `/actions/${queue[2].id}`);
      assert.equal(a.status, 'rejected');
      await shot('05-review-after');
    });

    await step('agents: toggle off and on, change approval mode', async () => {
      await page.click('nav a[href="#/agents"]');
      const card = `.agent-card[data-id="${data.agent.id}"]`;
      await page.waitForSelector(`${card} button.toggle`);
      assert.equal(await page.textContent(`${card} button.toggle`), 'Enabled');
      await page.click(`${card} button.toggle`);
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Disabled', `${card} button.toggle`);
      assert.equal((await api('GET', `/agents/${data.agent.id}`)).enabled, false);
      await shot('06-agents-disabled');
      await page.click(`${card} button.toggle`);
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Enabled', `${card} button.toggle`);
      assert.equal((await api('GET', `/agents/${data.agent.id}`)).enabled, true);
      await page.selectOption(`${card} select.approval`, 'auto');
      await until('approval saved', async () => (await api('GET', `/agents/${data.agent.id}`)).approval === 'auto', 5000);
    });

    await step('agents page: quiet hours and caps saved to the creator settings', async () => {
      await page.click('.policy-card summary');
      await page.fill('.policy-card input.quiet-start', '22:30');
      await page.fill('.policy-card input[placeholder="2 (default)"] >> nth=0', '3');
      await page.click('.policy-card button[type=submit]');
      const c = await until('settings saved', async () => {
        const cr = await api('GET', `/creators/${data.creator.id}`);
        return cr.settings && cr.settings.policy ? cr : null;
      }, 5000);
      assert.equal(c.settings.policy.quiet_hours.start, '22:30');
      assert.equal(c.settings.policy.quiet_hours.enabled, true);
      assert.equal(c.settings.policy.caps.whatsapp.per_day, 3);
      await shot('07-agents-policy');
    });

    await step('profile and messages pages render', async () => {
      await page.click('nav a[href="#/profile"]');
      await page.waitForSelector('button.resync');
      await shot('08-profile');
      await page.click('nav a[href="#/messages"]');
      await page.waitForSelector('.messages table');
      const text = await page.textContent('.messages');
      assert.match(text, /rejected/);
      await shot('09-messages');
    });

    await step('updates arrive live without a reload', async () => {
      await page.click('nav a[href="#/consumers"]');
      await page.waitForSelector('table.consumers tbody tr');
      const before = navigations;
      await api('POST', '/consumers', { name: 'Live Arrival', email: 'live@example.com' });
      await page.waitForFunction(() => [...document.querySelectorAll('a.consumer-link')].some((a) => a.textContent === 'Live Arrival'), null, { timeout: 15000 });
      assert.equal(navigations, before, 'no page load happened');
    });

    await step('a phone-width layout', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.click('nav a[href="#/overview"]');
      await page.waitForSelector('figure.chart svg');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
      await shot('10-overview-phone');
      await page.click('nav a[href="#/consumers"]');
      await page.waitForSelector('table.consumers tbody tr');
      await shot('11-consumers-phone');
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    await step('a cookie request without the CSRF token is refused', async () => {
      const status = await page.evaluate(async () => {
        const r = await fetch('/consumers', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'forged' }) });
        return r.status;
      });
      assert.equal(status, 403);
    });

    await step('sign out ends the session', async () => {
      await page.click('#signout');
      await page.waitForSelector('#signin:not([hidden])');
      const status = await page.evaluate(async () => (await fetch('/session')).status);
      assert.equal(status, 401);
    });

    await step('an admin key switches between creators', async () => {
      await page.fill('#api-key', ADMIN_KEY);
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#creator-switch:not([hidden])');
      await page.selectOption('#creator-switch', data.other.id);
      await page.click('nav a[href="#/consumers"]');
      await page.waitForFunction(() => [...document.querySelectorAll('a.consumer-link')].map((a) => a.textContent).join() === 'Not yours');
      await page.selectOption('#creator-switch', data.creator.id);
      await page.waitForFunction(() => [...document.querySelectorAll('a.consumer-link')].some((a) => a.textContent === 'Priya Sharma'));
      await shot('12-admin-switch');
    });

    await step('no CSP violations or script errors', async () => {
      const bad = consoleProblems.filter((m) => !/status of 40[134]/.test(m) && !/Failed to load resource/.test(m));
      assert.deepEqual(bad, []);
    });
  } finally {
    await browser.close();
    server.proc.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n${passed} passed, ${failures.length} failed; screenshots in ${path.relative(repo, shots)}/`);
  if (failures.length) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
