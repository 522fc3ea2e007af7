// The dashboard shell: sign-in, the creator switcher, hash routing and live refresh
// (polling every few seconds; a page re-renders only when its data changed and the user
// is not in the middle of a form).
import { api, get, patch, post, setCsrf, whenSignedOut } from './api.js';
import { errorBox, h, replace } from './dom.js';
import agents from './pages/agents.js';
import consumer from './pages/consumer.js';
import consumers from './pages/consumers.js';
import messages from './pages/messages.js';
import overview from './pages/overview.js';
import profile from './pages/profile.js';
import review from './pages/review.js';

const POLL_MS = 4000;
const $ = (id) => document.getElementById(id);

const state = { session: null, page: null, params: {}, lastJson: null, timer: null, seq: 0 };

function route() {
  const parts = (window.location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  if (parts[0] === 'consumers' && parts[1]) return { page: consumer, params: { id: decodeURIComponent(parts[1]) } };
  const pages = { overview, consumers, review, agents, profile, messages };
  return { page: pages[parts[0]] || overview, params: {} };
}

function ctx() {
  return { session: state.session, params: state.params, refresh, flash };
}

function flash(text) {
  const el = $('flash');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, 3000);
}

// Loads the current page's data; re-renders when forced or when the data changed.
async function refresh(force = false) {
  if (!state.session || !state.page) return;
  const seq = ++state.seq;
  const page = state.page;
  try {
    const data = await page.load(ctx());
    if (seq !== state.seq || page !== state.page) return;  // a newer load superseded this one
    const json = JSON.stringify(data);
    $('live').textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
    if (!force && (json === state.lastJson || (page.busy && page.busy()))) return;
    state.lastJson = json;
    replace($('content'), page.render(data, ctx()));
  } catch (e) {
    if (seq !== state.seq) return;
    if (e.status === 401) return;  // whenSignedOut shows the form
    replace($('content'), errorBox(e));
  }
  updateReviewCount();
}

async function updateReviewCount() {
  try {
    const page = await get('/actions?status=awaiting_review&limit=100');
    const el = $('review-count');
    el.textContent = String(page.items.length);
    el.hidden = page.items.length === 0;
  } catch {
    /* the count is decoration */
  }
}

function navigate() {
  const { page, params } = route();
  state.page = page;
  state.params = params;
  state.lastJson = null;
  $('page-title').textContent = page.title;
  for (const a of $('nav').querySelectorAll('a')) {
    a.classList.toggle('active', window.location.hash.startsWith(a.getAttribute('href')) ||
      (page === consumer && a.getAttribute('href') === '#/consumers'));
  }
  replace($('toolbar'), page.toolbar ? page.toolbar(ctx()) : null);
  replace($('content'), h('p', { class: 'muted' }, 'Loading…'));
  refresh(true);
}

function showSession(session) {
  state.session = session;
  setCsrf(session.csrf_token);
  $('signin').hidden = true;
  $('shell').hidden = false;
  const sw = $('creator-switch');
  const current = session.creators.find((c) => c.id === session.creator_id);
  if (session.role === 'admin') {
    replace(sw, h('option', { value: '' }, 'All creators'),
      session.creators.map((c) => h('option', { value: c.id, selected: c.id === session.creator_id }, c.name)));
    sw.hidden = false;
    $('who').textContent = 'admin';
  } else {
    sw.hidden = true;
    $('who').textContent = current ? current.name : '';
  }
  clearInterval(state.timer);
  state.timer = setInterval(() => { if (document.visibilityState === 'visible') refresh(false); }, POLL_MS);
  navigate();
}

function showSignIn(message) {
  state.session = null;
  clearInterval(state.timer);
  setCsrf(null);
  $('shell').hidden = true;
  $('signin').hidden = false;
  const err = $('signin-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('api-key').focus();
}

async function start() {
  whenSignedOut(() => showSignIn('Your session ended; sign in again.'));
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const session = await post('/session', { api_key: $('api-key').value.trim() });
      $('api-key').value = '';
      showSession(session);
    } catch (err) {
      showSignIn(err.status === 401 ? 'That API key is not valid.' : err.message);
    }
  });
  $('signout').addEventListener('click', async () => {
    try {
      await api('DELETE', '/session');
    } finally {
      showSignIn('Signed out.');
    }
  });
  $('creator-switch').addEventListener('change', async (e) => {
    try {
      showSession(await patch('/session', { creator_id: e.target.value || null }));
    } catch (err) {
      flash(err.message);
    }
  });
  window.addEventListener('hashchange', () => { if (state.session) navigate(); });
  try {
    showSession(await get('/session'));
  } catch {
    showSignIn('');
  }
}

start();
