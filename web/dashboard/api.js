// The REST API of the same origin, with the session's bearer token.
// The token lives in sessionStorage only: closing the tab forgets it.

const KEY = 'chainbot.token';
const BASE = '/api/chainbot';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error ? body.error : null;
    super(e ? e.message : `HTTP ${status}`);
    this.status = status;
    this.code = e ? e.code : 'http_error';
    this.details = e ? e.details : null;
  }
}

let onUnauthorized = () => {};
/** Called when a request of the signed-in session gets 401 (token revoked or expired). */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

/**
 * api('GET', '/workflows') → parsed JSON. `body`: an object (sent as JSON) or, with
 * {raw: true}, text sent as it is. Throws ApiError for any non-2xx answer.
 */
export async function api(method, path, body, options = {}) {
  const token = options.token || session.token;
  const headers = {Accept: 'application/json'};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = options.raw ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(BASE + path, {method, headers, body: payload, cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, {error: {code: 'network', message: `cannot reach the module: ${e.message}`}});
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !options.token) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const del = (path) => api('DELETE', path);

/** "?a=1&b=x" from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
