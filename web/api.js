// The JSON API through the session cookie. State changes carry the session's CSRF token.

let csrfToken = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super(e ? e.message + (e.field ? ` (${e.field})` : '') : `HTTP ${status}`);
    this.status = status;
    this.code = e ? e.code : null;
    this.field = e ? e.field : null;
  }
}

export function setCsrf(token) {
  csrfToken = token;
}

export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onSignedOut();
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// A map id -> consumer for labelling actions and messages.
export async function consumerNames() {
  const page = await get('/consumers?limit=500');
  const names = new Map();
  for (const c of page.items) names.set(c.id, c.name || c.email || c.whatsapp || c.id.slice(0, 8));
  return names;
}
