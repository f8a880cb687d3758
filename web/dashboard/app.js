// The dashboard's shell: sign-in, what the token may do, the live feed, and the pages
// (#/workflows, #/executions, #/agents, #/entanglements, #/health).
import {api, session, setUnauthorizedHandler, ApiError} from './api.js';
import {Live} from './live.js';
import {h, clear, toast} from './ui.js';
import * as workflows from './page-workflows.js';
import * as executions from './page-executions.js';
import * as agents from './page-agents.js';
import * as entanglements from './page-entanglements.js';
import * as health from './page-health.js';

const pages = {workflows, executions, agents, entanglements, health};
const main = document.getElementById('main');
const live = new Live(() => session.token);
let me = null;
let cleanup = null;
let renderSeq = 0;

/** What every page gets: the API, the live feed, permissions, navigation. */
const ctx = {
  api,
  live,
  can: (permission) => !!me && (me.effective_permissions || []).includes(permission),
  me: () => me,
  go: (hash) => { location.hash = hash; },
  toast,
};

function showSignIn(message) {
  if (cleanup) { cleanup(); cleanup = null; }
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  clear(main);
  const input = h('input', {type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true,
                            placeholder: 'paste an API token', 'aria-describedby': 'token-help'});
  const status = h('div', {'aria-live': 'polite'});
  if (message) status.append(h('div', {class: 'error-box', role: 'alert'}, message));
  const form = h('form', {class: 'panel signin', id: 'signin'},
    h('h1', {}, 'Sign in to ChainBot'),
    h('label', {for: 'token'}, 'API token'),
    input,
    h('p', {id: 'token-help', class: 'muted small'},
      'The first start writes the administrator\'s token to data/admin_token; ',
      '`alex_os chainbot token issue NAME` issues others. The token is kept for this tab only.'),
    status,
    h('button', {type: 'submit'}, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const token = input.value.trim();
    if (!token) return;
    try {
      const who = await api('GET', '/auth/me', undefined, {token});
      session.set(token);
      signedIn(who);
    } catch (e) {
      const text = e instanceof ApiError && e.status === 401 ? 'That token is not valid (unknown, revoked or expired).'
                 : e instanceof ApiError && e.status === 403 ? `This token may not read anything: ${e.message}.`
                 : e.message;
      status.append(h('div', {class: 'error-box', role: 'alert'}, text));
    }
  });
  main.append(form);
  input.focus();
}

function signedIn(who) {
  me = who;
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
  document.getElementById('user').textContent = `${who.user_name} (${(who.roles || []).join(', ') || 'no role'})`;
  live.start();
  if (!location.hash || location.hash === '#' || location.hash.startsWith('#/signin')) location.hash = '#/workflows';
  else route();
}

function signOut(message) {
  session.clear();
  me = null;
  live.stop();
  if (location.hash !== '#/signin') history.replaceState(null, '', '#/signin');
  showSignIn(message);
}

async function route() {
  if (!me) return;
  const seq = ++renderSeq;
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const page = pages[name] ? name : 'workflows';
  for (const a of document.querySelectorAll('#nav a'))
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  if (cleanup) { cleanup(); cleanup = null; }
  clear(main);
  const view = h('div', {class: 'page', 'data-page': page});
  main.append(view);
  try {
    const done = await pages[page].render(view, rest.map(decodeURIComponent), ctx);
    if (seq !== renderSeq) { if (typeof done === 'function') done(); return; }
    cleanup = typeof done === 'function' ? done : null;
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) return;
    view.append(h('div', {class: 'error-box', role: 'alert'}, `Could not show this page: ${e.message}`));
  }
}

setUnauthorizedHandler(() => {
  if (me) signOut('Your token is no longer accepted (revoked or expired): sign in again.');
});
live.onRefused = async () => {
  // The upgrade was refused: find out whether the token still works.
  try { await api('GET', '/auth/me'); } catch { /* the 401 handler signs out */ }
};
live.onStatus((state) => {
  const el = document.getElementById('live');
  el.dataset.state = state;
  el.textContent = state === 'open' ? 'live' : state === 'connecting' ? 'connecting…' : 'offline';
});
document.getElementById('signout').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);

(async () => {
  const token = session.token;
  if (!token) return showSignIn();
  try {
    signedIn(await api('GET', '/auth/me', undefined, {token}));
  } catch (e) {
    session.clear();
    showSignIn(e instanceof ApiError && e.status === 401 ? 'Your token is no longer accepted: sign in again.' : e.message);
  }
})();
