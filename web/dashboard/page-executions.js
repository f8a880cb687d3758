// Executions: a live list (status, duration, progress) and one execution's graph with
// each step coloured by its state as it runs, its attempts, input, output and error;
// cancel, pause, resume.
import {get, post, query, ApiError} from './api.js';
import {h, clear, badge, fmtTime, fmtDuration, seconds, shortId, debounce, progress, jsonBlock, errorBox} from './ui.js';
import {renderGraph} from './graph.js';

const ACTIVE = new Set(['queued', 'running', 'paused']);
const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'timed_out'];

export async function render(view, params, ctx) {
  return params[0] ? detail(view, params[0], ctx) : list(view, ctx);
}

// The execution status an event of its workflow implies.
function statusOf(topic, payload) {
  const what = topic.slice(topic.lastIndexOf('.') + 1);
  if (topic.includes('.step.')) return payload.status || 'running';
  if (what === 'started' || what === 'resumed') return 'running';
  if (['paused', 'completed', 'failed', 'cancelled', 'timed_out'].includes(what)) return what;
  return payload.status;
}

// Seconds an execution has run: from the last event's figure plus the time since, or its timestamps.
function durationOf(row) {
  const e = row.exec;
  if (!ACTIVE.has(row.status) && e.finished_at) return seconds(e.started_at, e.finished_at);
  if (row.base && row.status === 'running') return row.base.seconds + (performance.now() - row.base.at) / 1000;
  if (row.base) return row.base.seconds;
  return e.started_at ? seconds(e.started_at, ACTIVE.has(row.status) ? null : e.finished_at || e.updated_at) : null;
}

const definitions = new Map();  // "workflow@version" → definition
async function definitionOf(workflowId, version) {
  const key = `${workflowId}@${version}`;
  if (!definitions.has(key)) {
    definitions.set(key, get(`/workflows/${encodeURIComponent(workflowId)}?version=${version}`).then((w) => w.definition)
      .catch(() => null));
  }
  return definitions.get(key);
}

function countSteps(def) {
  return def && Array.isArray(def.steps) ? def.steps.length : null;
}

async function list(view, ctx) {
  const names = new Map();
  try {
    for (const w of (await get('/workflows?limit=500')).items) names.set(w.id, w.name);
  } catch { /* names are a nicety */ }
  const status = h('select', {id: 'status-filter', 'aria-label': 'Status'}, h('option', {value: ''}, 'any status'),
    STATUSES.map((s) => h('option', {value: s}, s)));
  const workflow = h('select', {id: 'workflow-filter', 'aria-label': 'Workflow'}, h('option', {value: ''}, 'any workflow'),
    [...names].map(([id, name]) => h('option', {value: id}, name)));
  const tbody = h('tbody');
  const note = h('p', {class: 'muted small'});
  view.append(
    h('div', {class: 'spread'}, h('h1', {}, 'Executions'), h('div', {class: 'row'}, status, workflow)),
    h('div', {class: 'panel'}, h('div', {class: 'table-wrap'}, h('table', {id: 'execution-list'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Execution'), h('th', {}, 'Workflow'), h('th', {}, 'Status'),
        h('th', {}, 'Progress'), h('th', {}, 'Duration'), h('th', {class: 'hide-narrow'}, 'Started'))),
      tbody)), note));

  const rows = new Map();  // id → {exec, status, done, total, base, tr}
  const seen = new Map();  // figures from events, kept across reloads: id → {done, total, base, status}

  const draw = (row) => {
    const e = row.exec;
    const done = row.done ?? (row.status === 'completed' && row.total ? row.total : undefined);
    clear(row.tr).append(
      h('td', {}, h('a', {href: `#/executions/${e.id}`}, shortId(e.id))),
      h('td', {}, names.get(e.workflow_id) || shortId(e.workflow_id)),
      h('td', {class: 'status'}, badge(row.status)),
      h('td', {class: 'progress-cell'}, progress(done, row.total, row.status === 'completed')),
      h('td', {class: 'duration'}, fmtDuration(durationOf(row))),
      h('td', {class: 'hide-narrow'}, fmtTime(e.started_at || e.created_at)));
    row.tr.dataset.status = row.status;
  };

  const load = async () => {
    const data = await get(`/executions${query({status: status.value, workflow_id: workflow.value, limit: 50})}`);
    rows.clear();
    clear(tbody);
    if (!data.items.length) tbody.append(h('tr', {}, h('td', {colspan: 6, class: 'empty'}, 'No executions.')));
    for (const e of data.items) {
      const known = seen.get(e.id) || {};
      const row = {exec: e, status: ACTIVE.has(e.status) && known.status ? known.status : e.status,
                   done: known.done, total: known.total, base: known.base,
                   tr: h('tr', {class: 'clickable', 'data-id': e.id, onclick: (ev) => {
                     if (ev.target.tagName !== 'A') ctx.go(`#/executions/${e.id}`);
                   }})};
      rows.set(e.id, row);
      tbody.append(row.tr);
      draw(row);
    }
    note.textContent = data.total > data.items.length ? `The newest ${data.items.length} of ${data.total}.` : '';
    // Progress of those without event figures yet: their step runs against their definition.
    for (const row of [...rows.values()].filter((r) => r.total === undefined).slice(0, 12)) {
      fillProgress(row).catch(() => {});
    }
  };
  const fillProgress = async (row) => {
    const [full, def] = await Promise.all([get(`/executions/${row.exec.id}`), definitionOf(row.exec.workflow_id, row.exec.workflow_version)]);
    if (row.total !== undefined) return;
    row.total = countSteps(def);
    row.done = new Set(full.step_runs.filter((s) => s.status === 'completed').map((s) => s.step_id)).size;
    if (rows.get(row.exec.id) === row) draw(row);
  };
  await load();
  const reload = debounce(() => load().catch(() => {}), 300);
  status.addEventListener('change', reload);
  workflow.addEventListener('change', reload);

  const off = ctx.live.on('chainbot.workflow.*', (topic, p) => {
    if (!p.execution_id) return;
    const info = seen.get(p.execution_id) || {};
    info.status = statusOf(topic, p);
    if (Number.isFinite(p.steps_completed)) info.done = p.steps_completed;
    if (Number.isFinite(p.total_steps)) info.total = p.total_steps;
    if (Number.isFinite(p.duration)) info.base = {seconds: p.duration, at: performance.now()};
    seen.set(p.execution_id, info);
    const row = rows.get(p.execution_id);
    if (!row) { reload(); return; }  // a new execution: the list shows it in its place
    Object.assign(row, {status: info.status, done: info.done, total: info.total, base: info.base});
    if (!ACTIVE.has(row.status)) reload();  // its finish time and final figures
    draw(row);
  });
  const tick = setInterval(() => {
    for (const row of rows.values()) {
      if (row.status === 'running') row.tr.querySelector('.duration').textContent = fmtDuration(durationOf(row));
    }
  }, 1000);
  const offResync = ctx.live.onResync(reload);
  return () => { off(); offResync(); reload.cancel(); clearInterval(tick); };
}

// ---- one execution ------------------------------------------------------------------

const RANK = {pending: 0, running: 1, retrying: 1, completed: 2, failed: 2, skipped: 2, cancelled: 2};

// Step states from the stored step runs: the latest attempt of each step.
function storedStates(runs) {
  const out = {};
  for (const r of runs) {
    const cur = out[r.step_id];
    if (!cur || r.attempt >= cur.attempts) out[r.step_id] = {state: r.status, attempts: r.attempt};
  }
  return out;
}

// Events may be ahead of a fetch that was answered just before them: keep the further state.
function merge(stored, live) {
  const out = {...stored};
  for (const [id, l] of Object.entries(live)) {
    const f = stored[id];
    if (!f || l.attempts > f.attempts) out[id] = l;
    else if (l.attempts === f.attempts) {
      if (l.state === 'retrying' && f.state === 'failed') out[id] = l;
      else if ((RANK[l.state] ?? 0) > (RANK[f.state] ?? 0)) out[id] = l;
    }
  }
  return out;
}

async function detail(view, id, ctx) {
  let exec = await get(`/executions/${encodeURIComponent(id)}`);
  let def = await definitionOf(exec.workflow_id, exec.workflow_version);
  if (!def) {  // the workflow was deleted: draw the steps that ran
    def = {type: 'parallel', steps: [...new Set(exec.step_runs.map((s) => s.step_id))].map((sid) => ({id: sid, type: 'step'}))};
  }
  const canControl = ctx.can('chainbot:workflow:execute');
  const live = {};  // step id → {state, attempts} from events
  let selected = null;
  let base = null;
  let figures = {done: undefined, total: countSteps(def)};

  const statusEl = h('span', {id: 'exec-status'});
  const facts = h('dl', {class: 'facts', id: 'exec-facts'});
  const controls = h('div', {class: 'row', id: 'exec-controls'});
  const graphBox = h('div', {class: 'graph-wrap', id: 'execution-graph'});
  const stepTable = h('tbody');
  const stepPanel = h('section', {class: 'panel', id: 'step-detail', 'aria-live': 'polite'});
  const io = h('div', {id: 'exec-io'});
  const message = h('div', {'aria-live': 'polite'});

  view.append(
    h('div', {class: 'spread'}, h('h1', {}, 'Execution ', h('code', {}, shortId(exec.id)), ' ', statusEl), controls),
    message,
    h('section', {class: 'panel'}, facts),
    h('div', {class: 'grid2'},
      h('section', {class: 'panel'}, h('h2', {}, 'Steps'),
        h('div', {class: 'legend', 'aria-hidden': 'true'}, ['pending', 'running', 'completed', 'failed', 'skipped'].map(badge)),
        graphBox,
        h('div', {class: 'table-wrap mt'}, h('table', {id: 'step-table'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'State'), h('th', {}, 'Attempts'), h('th', {}, 'Duration'))),
          stepTable))),
      stepPanel),
    h('section', {class: 'panel'}, io));

  const select = (stepId) => {
    selected = stepId;
    graph.select(stepId);
    drawStep();
    for (const tr of stepTable.children) tr.classList.toggle('selected', tr.dataset.step === stepId);
    if (window.matchMedia('(max-width: 760px)').matches) stepPanel.scrollIntoView({behavior: 'smooth', block: 'start'});
  };
  const graph = renderGraph(graphBox, def, {onSelect: select});

  const durationNow = () => {
    if (!ACTIVE.has(exec.status) && exec.finished_at) return seconds(exec.started_at, exec.finished_at);
    if (base) return base.seconds + (exec.status === 'running' ? (performance.now() - base.at) / 1000 : 0);
    return exec.started_at ? seconds(exec.started_at, null) : null;
  };

  const drawHeader = () => {
    clear(statusEl).append(badge(exec.status));
    clear(facts).append(
      h('dt', {}, 'Workflow'), h('dd', {}, h('a', {href: `#/workflows/${encodeURIComponent(exec.workflow_id)}`}, def.name || shortId(exec.workflow_id)),
        ` (version ${exec.workflow_version})`),
      h('dt', {}, 'Progress'), h('dd', {}, progress(figures.done, figures.total, exec.status === 'completed')),
      h('dt', {}, 'Duration'), h('dd', {id: 'exec-duration'}, fmtDuration(durationNow()) || '—'),
      h('dt', {}, 'Created'), h('dd', {}, fmtTime(exec.created_at)),
      h('dt', {}, 'Started'), h('dd', {}, fmtTime(exec.started_at) || '—'),
      h('dt', {}, 'Finished'), h('dd', {}, fmtTime(exec.finished_at) || '—'));
    clear(controls);
    if (canControl) {
      const act = (action) => h('button', {type: 'button', id: `exec-${action}`, class: action === 'cancel' ? 'danger' : 'secondary',
        onclick: async (ev) => {
          ev.target.disabled = true;
          try {
            const r = await post(`/executions/${encodeURIComponent(exec.id)}/${action}`);
            ctx.toast(`${action}: ${r.status}`);
            refetch();
          } catch (e) { ctx.toast(e.message, true); ev.target.disabled = false; }
        }}, action[0].toUpperCase() + action.slice(1));
      if (exec.status === 'running') controls.append(act('pause'));
      if (exec.status === 'paused') controls.append(act('resume'));
      if (ACTIVE.has(exec.status)) controls.append(act('cancel'));
    }
  };

  const states = () => {
    const out = merge(storedStates(exec.step_runs), live);
    // Steps not started yet in an execution still going are pending.
    if (ACTIVE.has(exec.status)) for (const s of def.steps || []) if (s && s.id && !out[s.id]) out[s.id] = {state: 'pending', attempts: 0};
    return out;
  };

  const drawSteps = () => {
    const st = states();
    graph.setStates(st);
    clear(stepTable);
    // The definition's steps, then any that ran inside them (a parallel's or a loop's steps).
    const top = (def.steps || []).filter((s) => s && s.id);
    const inner = [...new Set(exec.step_runs.map((r) => r.step_id))].filter((sid) => !top.some((s) => s.id === sid))
      .map((sid) => ({id: sid}));
    for (const s of [...top, ...inner]) {
      const runs = exec.step_runs.filter((r) => r.step_id === s.id);
      const last = runs[runs.length - 1];
      stepTable.append(h('tr', {class: `clickable${s.id === selected ? ' selected' : ''}`, 'data-step': s.id, onclick: () => select(s.id)},
        h('td', {}, h('code', {}, s.id)), h('td', {}, st[s.id] ? badge(st[s.id].state) : h('span', {class: 'muted'}, '—')),
        h('td', {}, runs.length || ''),
        h('td', {}, last ? fmtDuration(seconds(last.started_at, last.finished_at)) : '')));
    }
  };

  const drawStep = () => {
    clear(stepPanel);
    if (!selected) {
      stepPanel.append(h('h2', {}, 'Step'), h('p', {class: 'muted'}, 'Choose a step in the graph or the table to see its input, output, error, attempts and timings.'));
      return;
    }
    const st = states()[selected];
    const stepDef = (def.steps || []).find((s) => s && s.id === selected);
    const runs = exec.step_runs.filter((r) => r.step_id === selected).sort((a, b) => b.attempt - a.attempt);
    stepPanel.append(h('h2', {}, 'Step ', h('code', {}, selected), ' ', st ? badge(st.state) : null),
      h('p', {class: 'muted small'}, stepDef ? `type ${stepDef.type}` : '', runs.length ? ` · ${runs.length} attempt${runs.length > 1 ? 's' : ''}` : ''));
    if (!runs.length) stepPanel.append(h('p', {class: 'empty'}, 'Not run (yet).'));
    for (const r of runs) {
      stepPanel.append(h('div', {class: 'attempt', 'data-attempt': r.attempt},
        h('div', {class: 'spread'}, h('strong', {}, `Attempt ${r.attempt}`), badge(r.status)),
        h('dl', {class: 'facts small'},
          h('dt', {}, 'Started'), h('dd', {}, fmtTime(r.started_at) || '—'),
          h('dt', {}, 'Finished'), h('dd', {}, fmtTime(r.finished_at) || '—'),
          h('dt', {}, 'Duration'), h('dd', {}, fmtDuration(seconds(r.started_at, r.finished_at)) || '—'),
          h('dt', {}, 'Idempotency key'), h('dd', {}, h('code', {class: 'small'}, r.idempotency_key))),
        r.error ? h('div', {class: 'error-box', 'data-field': 'error'}, r.error) : null,
        h('h3', {}, 'Output'), jsonBlock(r.output, {'data-field': 'output'}),
        h('details', {}, h('summary', {}, 'Input'), jsonBlock(r.input, {'data-field': 'input'}))));
    }
    if (stepDef) stepPanel.append(h('details', {}, h('summary', {}, 'Definition'), jsonBlock(stepDef)));
  };

  const drawIo = () => {
    clear(io).append(h('h2', {}, 'Input'), jsonBlock(exec.input, {id: 'exec-input'}));
    if (exec.output !== null && exec.output !== undefined) io.append(h('h2', {}, 'Output'), jsonBlock(exec.output, {id: 'exec-output'}));
    if (exec.error) io.append(h('h2', {}, 'Error'), h('div', {class: 'error-box', id: 'exec-error'}, exec.error));
  };

  const storedFigures = () => {
    if (figures.done === undefined || !ACTIVE.has(exec.status))
      figures.done = new Set(exec.step_runs.filter((s) => s.status === 'completed').map((s) => s.step_id)).size;
  };

  const drawAll = () => { storedFigures(); drawHeader(); drawSteps(); drawStep(); drawIo(); };
  drawAll();

  const refetch = debounce(async () => {
    try {
      exec = await get(`/executions/${encodeURIComponent(id)}`);
      drawAll();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) clear(message).append(errorBox(e));
    }
  }, 250);

  const off = ctx.live.on('chainbot.workflow.*', (topic, p) => {
    if (p.execution_id !== exec.id) return;
    const what = topic.slice(topic.lastIndexOf('.') + 1);
    if (topic.includes('.step.') && p.step_id) {
      const prev = live[p.step_id] || storedStates(exec.step_runs)[p.step_id] || {attempts: 0};
      if (what === 'started') live[p.step_id] = {state: 'running', attempts: p.attempt || prev.attempts + 1};
      else if (what === 'completed') live[p.step_id] = {state: 'completed', attempts: Math.max(prev.attempts, 1)};
      else if (what === 'failed') live[p.step_id] = {state: p.retrying ? 'retrying' : 'failed', attempts: Math.max(prev.attempts, 1)};
      else if (what === 'skipped') live[p.step_id] = {state: 'skipped', attempts: prev.attempts};
    }
    exec.status = statusOf(topic, p) || exec.status;
    if (Number.isFinite(p.steps_completed)) figures.done = p.steps_completed;
    if (Number.isFinite(p.total_steps)) figures.total = p.total_steps;
    if (Number.isFinite(p.duration)) base = {seconds: p.duration, at: performance.now()};
    drawHeader();
    drawSteps();
    refetch();  // outputs, errors and timings come from the store
  });
  const tick = setInterval(() => {
    const el = document.getElementById('exec-duration');
    if (el && exec.status === 'running') el.textContent = fmtDuration(durationNow());
  }, 1000);
  const offResync = ctx.live.onResync(refetch);
  // Missed the start (the page opened as it ran)? One fetch once the feed is up covers it.
  if (ACTIVE.has(exec.status)) refetch();
  return () => { off(); offResync(); refetch.cancel(); clearInterval(tick); };
}
