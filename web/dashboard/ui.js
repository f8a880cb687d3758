// Small DOM helpers shared by the pages: an element builder, formatters, badges.

/** h('button', {class: 'x', onclick: fn, 'data-id': 1}, 'text', child...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function badge(state) {
  const s = state || 'unknown';
  return h('span', {class: `badge s-${s}`, 'data-state': s}, s.replace('_', ' '));
}

export function shortId(id) {
  // The last 8 characters: ids begin with their creation time (UUID version 7), so the first
  // ones are the same for everything made within a minute or so.
  return id ? String(id).slice(-8) : '';
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return '';
  if (seconds < 1) return `${Math.max(0, Math.round(seconds * 1000))} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function seconds(fromIso, toIso) {
  if (!fromIso) return null;
  const to = toIso ? Date.parse(toIso) : Date.now();
  return (to - Date.parse(fromIso)) / 1000;
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

export function fmtPercent(v) {
  return v === null || v === undefined ? 'n/a' : `${Number(v).toFixed(1)} %`;
}

export function fmtBytes(b) {
  if (b === null || b === undefined) return 'n/a';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function jsonBlock(value, attrs = {}) {
  const text = value === undefined ? '' : JSON.stringify(value, null, 2);
  return h('pre', {class: 'json', ...attrs}, text === undefined ? 'null' : text);
}

/** A bar of steps completed; `finished`: the execution completed (skipped steps count as done). */
export function progress(done, total, finished = false) {
  const known = Number.isFinite(done) && Number.isFinite(total) && total > 0;
  const pct = finished ? 100 : known ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const fill = h('div', {class: 'fill'});
  fill.style.width = `${pct}%`;
  return h('span', {class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total || 0,
                    'aria-valuenow': known ? done : 0, 'aria-label': 'steps completed'},
           h('span', {class: 'bar'}, fill), h('span', {class: 'small'}, known ? `${done}/${total}` : '—'));
}

export function errorBox(err) {
  if (!err) return null;
  const msg = err.message || String(err);
  return h('div', {class: 'error-box', role: 'alert'}, msg);
}

export function toast(message, bad = false) {
  const box = document.getElementById('toasts');
  const t = h('div', {class: bad ? 'toast bad' : 'toast'}, message);
  box.append(t);
  setTimeout(() => t.remove(), bad ? 6000 : 3500);
}

/** Calls fn at most once every `ms`, trailing. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** A text value, parsed as JSON when it looks like JSON, else the text itself. */
export function jsonOrText(text) {
  const t = text.trim();
  if (/^[[{"]|^-?\d|^(true|false|null)$/.test(t)) {
    try { return JSON.parse(t); } catch { /* plain text */ }
  }
  return text;
}
