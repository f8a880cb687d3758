// Workflows: the list; one workflow's JSON definition in an editor (the server's
// validation problems shown at their JSON paths), its graph, its executions, execute.
import {get, post, api, del, query, ApiError} from './api.js';
import {h, clear, badge, fmtTime, fmtDuration, seconds, shortId, debounce, errorBox} from './ui.js';
import {renderGraph} from './graph.js';
import {locate, rangeFor, lineCol, JsonSyntaxError} from './jsonpos.js';

const TEMPLATE = {
  name: 'My workflow',
  description: '',
  type: 'sequential',
  steps: [
    {id: 'greet', type: 'transform', template: {message: 'hello ${input.name}'}},
    {id: 'pause', type: 'wait', duration_ms: 500},
  ],
};

export async function render(view, params, ctx) {
  if (!params[0]) return list(view, ctx);
  return editor(view, params[0] === 'new' ? null : params[0], ctx);
}

async function list(view, ctx) {
  const head = h('div', {class: 'spread'}, h('h1', {}, 'Workflows'),
    ctx.can('chainbot:workflow:create') ? h('a', {class: 'button', href: '#/workflows/new', id: 'new-workflow'}, 'New workflow') : null);
  const body = h('div', {class: 'panel'});
  view.append(head, body);
  const load = async () => {
    const data = await get('/workflows?limit=200');
    clear(body);
    if (!data.items.length) {
      body.append(h('p', {class: 'empty'}, 'No workflows yet.',
        ctx.can('chainbot:workflow:create') ? ' Create one with “New workflow”.' : ''));
      return;
    }
    body.append(h('div', {class: 'table-wrap'}, h('table', {id: 'workflow-list'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {class: 'hide-narrow'}, 'Description'),
        h('th', {}, 'Version'), h('th', {}, 'Updated'))),
      h('tbody', {}, data.items.map((w) => h('tr', {class: 'clickable', 'data-id': w.id, onclick: () => ctx.go(`#/workflows/${w.id}`)},
        h('td', {}, h('a', {href: `#/workflows/${encodeURIComponent(w.id)}`}, w.name)),
        h('td', {class: 'hide-narrow muted'}, w.description || ''),
        h('td', {}, `v${w.latest_version}`),
        h('td', {}, fmtTime(w.updated_at))))))));
    if (data.total > data.items.length) body.append(h('p', {class: 'muted small'}, `Showing ${data.items.length} of ${data.total}.`));
  };
  await load();
  const reload = debounce(() => load().catch(() => {}), 300);
  const offs = [ctx.live.on('chainbot.workflow.created', reload), ctx.live.on('chainbot.workflow.updated', reload),
                ctx.live.on('chainbot.workflow.deleted', reload), ctx.live.onResync(reload)];
  return () => { reload.cancel(); offs.forEach((off) => off()); };
}

async function editor(view, id, ctx) {
  const canCreate = ctx.can('chainbot:workflow:create');
  let wf = null;
  if (id) wf = await get(`/workflows/${encodeURIComponent(id)}`);
  const initial = wf ? wf.definition : TEMPLATE;

  // --- the editor: a textarea with a line gutter that marks lines with problems ---
  const gutter = h('div', {class: 'gutter', 'aria-hidden': 'true'});
  const text = h('textarea', {class: 'code', id: 'definition', spellcheck: 'false', wrap: 'off', 'aria-label': 'Workflow definition (JSON)',
                              readonly: !canCreate, rows: 22});
  text.value = JSON.stringify(initial, null, 2);
  const problems = h('div', {id: 'problems', 'aria-live': 'polite'});
  let errorLines = new Set();
  const drawGutter = () => {
    const n = text.value.split('\n').length;
    clear(gutter);
    for (let i = 1; i <= n; i++) gutter.append(h('div', {class: errorLines.has(i) ? 'err' : null, 'data-line': i}, i));
    gutter.scrollTop = text.scrollTop;
  };
  text.addEventListener('scroll', () => { gutter.scrollTop = text.scrollTop; });

  const selectRange = (start, end) => {
    text.focus();
    text.setSelectionRange(start, end);
    const lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
    const {line} = lineCol(text.value, start);
    text.scrollTop = Math.max(0, (line - 3) * lh);
    gutter.scrollTop = text.scrollTop;
  };

  // --- the graph, redrawn from the editor as it changes ---
  const graphBox = h('div', {class: 'graph-wrap', id: 'workflow-graph'});
  let graph = null;
  let invalidSteps = new Set();
  const drawGraph = () => {
    let def;
    try { def = JSON.parse(text.value); } catch { return; }
    graph = renderGraph(graphBox, def, {});
    graph.markInvalid(invalidSteps);
  };
  const redraw = debounce(() => { drawGutter(); drawGraph(); }, 250);
  text.addEventListener('input', () => {
    if (errorLines.size) { errorLines = new Set(); }
    redraw();
  });

  const showProblems = (items, note) => {
    clear(problems);
    errorLines = new Set();
    invalidSteps = new Set();
    let paths = null, def = null;
    try { ({paths, value: def} = locate(text.value)); } catch { /* shown as a syntax error */ }
    const ul = h('ul', {class: 'errors', id: 'error-list'});
    for (const item of items) {
      let where = '';
      let range = null;
      if (item.pos !== undefined) {
        range = {keyStart: item.pos, end: Math.min(item.pos + 1, text.value.length)};
      } else if (paths && item.path) {
        range = rangeFor(paths, item.path);
        const m = /^\$\.steps\[(\d+)\]/.exec(item.path);
        if (m && def && Array.isArray(def.steps) && def.steps[+m[1]] && def.steps[+m[1]].id) invalidSteps.add(def.steps[+m[1]].id);
      }
      if (range) {
        const {line, col} = lineCol(text.value, range.keyStart);
        errorLines.add(line);
        where = `line ${line}, column ${col}`;
      }
      ul.append(h('li', {'data-path': item.path || '', 'data-line': range ? lineCol(text.value, range.keyStart).line : ''},
        item.path ? h('button', {type: 'button', class: 'path', title: 'Show in the definition',
                                 onclick: () => range && selectRange(range.keyStart, range.end)}, item.path) : null,
        where ? h('span', {class: 'muted small'}, ` (${where})`) : null,
        ': ', item.message));
    }
    problems.append(h('div', {class: 'error-box', role: 'alert'}, note), ul);
    drawGutter();
    if (graph) graph.markInvalid(invalidSteps);
  };

  const save = async () => {
    clear(problems);
    try {
      locate(text.value);
    } catch (e) {
      if (e instanceof JsonSyntaxError) {
        showProblems([{pos: e.pos, message: e.message}], 'The definition is not valid JSON.');
        return;
      }
      throw e;
    }
    saveButton.disabled = true;
    try {
      const saved = wf ? await api('PUT', `/workflows/${encodeURIComponent(wf.id)}`, text.value, {raw: true})
                       : await api('POST', '/workflows', text.value, {raw: true});
      errorLines = new Set();
      invalidSteps = new Set();
      ctx.toast(wf ? `Saved version ${saved.version || saved.latest_version}` : `Created “${saved.name}”`);
      if (!wf) { ctx.go(`#/workflows/${encodeURIComponent(saved.id)}`); return; }
      wf = await get(`/workflows/${encodeURIComponent(wf.id)}`);
      problems.append(h('div', {class: 'ok-box', id: 'saved'}, `Saved: version ${wf.version}.`));
      heading.textContent = wf.name;
      drawGutter();
      drawGraph();
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.details) && e.details.length) {
        showProblems(e.details, `The server refused the definition: ${e.message}`);
      } else {
        problems.append(errorBox(e));
      }
    } finally {
      saveButton.disabled = false;
    }
  };

  const saveButton = h('button', {type: 'button', id: 'save', onclick: () => save()}, wf ? 'Save new version' : 'Create workflow');
  const format = h('button', {type: 'button', class: 'secondary', onclick: () => {
    try { text.value = JSON.stringify(JSON.parse(text.value), null, 2); redraw(); } catch { save(); }
  }}, 'Format');

  const heading = h('h1', {}, wf ? wf.name : 'New workflow');
  const versions = wf && wf.versions && wf.versions.length > 1
    ? h('select', {'aria-label': 'Version', onchange: async (ev) => {
        const v = await get(`/workflows/${encodeURIComponent(wf.id)}?version=${ev.target.value}`);
        text.value = JSON.stringify(v.definition, null, 2);
        redraw();
      }}, wf.versions.slice().reverse().map((v) => h('option', {value: v.version, selected: v.version === wf.version}, `version ${v.version}`)))
    : null;
  const deleteButton = wf && ctx.can('chainbot:workflow:delete')
    ? h('button', {type: 'button', class: 'danger small', onclick: async () => {
        if (!confirm(`Delete the workflow “${wf.name}” with its versions and finished executions?`)) return;
        try { await del(`/workflows/${encodeURIComponent(wf.id)}`); ctx.toast('Deleted'); ctx.go('#/workflows'); }
        catch (e) { ctx.toast(e.message, true); }
      }}, 'Delete')
    : null;

  view.append(
    h('div', {class: 'spread'}, heading, h('div', {class: 'row'}, wf ? h('span', {class: 'muted'}, `v${wf.version}`) : null, versions, deleteButton)),
    h('div', {class: 'grid2'},
      h('section', {class: 'panel'},
        h('h2', {}, 'Definition'),
        h('div', {class: 'editor'}, gutter, text),
        canCreate ? h('div', {class: 'row mt'}, saveButton, format) : h('p', {class: 'muted small'}, 'This token may not change workflows.'),
        problems),
      h('section', {class: 'panel'}, h('h2', {}, 'Steps'), graphBox)));
  drawGutter();
  drawGraph();

  const cleanups = [() => redraw.cancel()];
  if (wf) {
    if (ctx.can('chainbot:workflow:execute')) view.append(executePanel(wf, ctx));
    const recent = h('div', {id: 'workflow-executions'});
    view.append(h('section', {class: 'panel'}, h('h2', {}, 'Recent executions'), recent));
    const loadRecent = async () => {
      const data = await get(`/executions${query({workflow_id: wf.id, limit: 10})}`);
      clear(recent);
      if (!data.items.length) { recent.append(h('p', {class: 'empty'}, 'Not run yet.')); return; }
      recent.append(h('div', {class: 'table-wrap'}, h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Execution'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Duration'))),
        h('tbody', {}, data.items.map((e) => h('tr', {class: 'clickable', onclick: () => ctx.go(`#/executions/${e.id}`)},
          h('td', {}, h('a', {href: `#/executions/${e.id}`}, shortId(e.id))), h('td', {}, badge(e.status)),
          h('td', {}, fmtTime(e.started_at || e.created_at)),
          h('td', {}, fmtDuration(seconds(e.started_at, e.finished_at)))))))));
    };
    await loadRecent();
    const reload = debounce(() => loadRecent().catch(() => {}), 400);
    cleanups.push(reload.cancel, ctx.live.on('chainbot.workflow.*', (topic, p) => {
      if (p.workflow_id === wf.id && !topic.includes('.step.')) reload();
    }), ctx.live.onResync(reload));
  }
  return () => cleanups.forEach((f) => f());
}

function executePanel(wf, ctx) {
  const input = h('textarea', {class: 'code', id: 'execute-input', rows: 4, spellcheck: 'false', 'aria-label': 'Execution input (JSON)'});
  input.value = '{}';
  const out = h('div', {'aria-live': 'polite'});
  const run = h('button', {type: 'button', id: 'execute', onclick: async () => {
    clear(out);
    let body;
    try { body = JSON.parse(input.value || '{}'); } catch (e) {
      out.append(h('div', {class: 'error-box', role: 'alert'}, `The input is not valid JSON: ${e.message}`));
      return;
    }
    run.disabled = true;
    try {
      const started = await post(`/workflows/${encodeURIComponent(wf.id)}/execute`, {input_data: body});
      ctx.go(`#/executions/${started.execution_id}`);
    } catch (e) {
      out.append(errorBox(e));
    } finally {
      run.disabled = false;
    }
  }}, 'Execute');
  return h('section', {class: 'panel', id: 'execute-panel'},
    h('h2', {}, 'Execute'),
    h('label', {for: 'execute-input'}, 'Input (JSON, available as ${input.…})'),
    input,
    h('div', {class: 'row mt'}, run),
    out);
}
