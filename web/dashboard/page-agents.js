// Agents: counts by type and state, the list (filtered), spawn and terminate (the server
// enforces agents.max_instances_per_type and max_total_instances: a refusal says which),
// and each agent's recent work.
import {get, post, del, query, ApiError} from './api.js';
import {h, clear, badge, fmtTime, shortId, debounce, jsonBlock, errorBox, jsonOrText} from './ui.js';

export const TYPES = ['assistant', 'data_processor', 'api', 'workflow'];
const STATES = ['idle', 'working', 'error', 'terminated'];

export async function render(view, params, ctx) {
  const type = h('select', {id: 'agent-type-filter', 'aria-label': 'Type'}, h('option', {value: ''}, 'any type'),
    TYPES.map((t) => h('option', {value: t}, t)));
  const state = h('select', {id: 'agent-state-filter', 'aria-label': 'State'}, h('option', {value: ''}, 'any state'),
    STATES.map((s) => h('option', {value: s}, s)));
  const summary = h('div', {id: 'agent-summary', class: 'table-wrap'});
  const tbody = h('tbody');
  const side = h('section', {class: 'panel', id: 'agent-detail'});
  let selected = params[0] || null;
  let agents = [];

  view.append(h('div', {class: 'spread'}, h('h1', {}, 'Agents'), h('div', {class: 'row'}, type, state)),
    h('section', {class: 'panel'}, h('h2', {}, 'By type and state'), summary));
  if (ctx.can('chainbot:agent:spawn')) view.append(spawnForm(ctx, () => reload()));
  view.append(h('div', {class: 'grid2'},
    h('section', {class: 'panel'}, h('h2', {}, 'Agents'), h('div', {class: 'table-wrap'}, h('table', {id: 'agent-list'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'), h('th', {}, 'State'),
        h('th', {class: 'hide-narrow'}, 'Tasks ✓/✗'), h('th', {class: 'hide-narrow'}, 'Messages ↑/↓'), h('th', {}, ''))),
      tbody))),
    side));

  const drawSummary = (all) => {
    const count = (t, s) => all.filter((a) => a.agent_type === t && a.state === s).length;
    clear(summary).append(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Type'), STATES.map((s) => h('th', {}, s)), h('th', {}, 'live'))),
      h('tbody', {}, TYPES.map((t) => h('tr', {'data-type': t}, h('td', {}, t),
        STATES.map((s) => h('td', {'data-state': s}, count(t, s))),
        h('td', {}, all.filter((a) => a.agent_type === t && a.state !== 'terminated').length))))));
  };

  const drawList = () => {
    clear(tbody);
    if (!agents.length) tbody.append(h('tr', {}, h('td', {colspan: 6, class: 'empty'}, 'No agents.')));
    for (const a of agents) {
      tbody.append(h('tr', {class: `clickable${a.id === selected ? ' selected' : ''}`, 'data-id': a.id, 'data-name': a.name,
                            onclick: () => { selected = a.id; drawList(); drawDetail(); }},
        h('td', {}, a.name), h('td', {}, a.agent_type), h('td', {}, badge(a.state)),
        h('td', {class: 'hide-narrow'}, `${a.tasks_completed}/${a.tasks_failed}`),
        h('td', {class: 'hide-narrow'}, `${a.messages_sent}/${a.messages_received}`),
        h('td', {}, ctx.can('chainbot:agent:terminate') && a.state !== 'terminated'
          ? h('button', {type: 'button', class: 'danger small', 'data-action': 'terminate', onclick: async (ev) => {
              ev.stopPropagation();
              if (!confirm(`Terminate the agent “${a.name}”?`)) return;
              try { await del(`/agents/${encodeURIComponent(a.id)}`); ctx.toast(`Terminated ${a.name}`); reload(); }
              catch (e) { ctx.toast(e.message, true); }
            }}, 'Terminate') : null)));
    }
  };

  const drawDetail = async () => {
    clear(side);
    if (!selected) {
      side.append(h('h2', {}, 'Agent'), h('p', {class: 'muted'}, 'Choose an agent to see its configuration and recent work.'));
      return;
    }
    let a = agents.find((x) => x.id === selected);
    if (!a) {
      try { a = await get(`/agents/${encodeURIComponent(selected)}`); } catch (e) { side.append(errorBox(e)); return; }
    }
    const events = ctx.live.recent.filter((e) => [e.payload.agent_id, e.payload.sender_id, e.payload.receiver_id].includes(a.id))
      .slice(-20).reverse();
    side.append(h('h2', {}, a.name, ' ', badge(a.state)),
      h('dl', {class: 'facts'},
        h('dt', {}, 'Id'), h('dd', {}, h('code', {}, a.id)),
        h('dt', {}, 'Type'), h('dd', {}, a.agent_type),
        h('dt', {}, 'Tasks'), h('dd', {}, `${a.tasks_completed} completed, ${a.tasks_failed} failed`),
        h('dt', {}, 'Messages'), h('dd', {}, `${a.messages_sent} sent, ${a.messages_received} received`),
        h('dt', {}, 'Last active'), h('dd', {}, fmtTime(a.last_active_at) || 'never'),
        h('dt', {}, 'Spawned'), h('dd', {}, fmtTime(a.created_at)),
        a.terminated_at ? [h('dt', {}, 'Terminated'), h('dd', {}, fmtTime(a.terminated_at))] : null),
      h('h3', {}, 'Recent work'),
      events.length
        ? h('ul', {class: 'stream', id: 'agent-work'}, events.map((e) => h('li', {},
            h('div', {class: 'meta'}, `${e.received.toLocaleTimeString()} · ${e.topic.replace('chainbot.', '')}`),
            e.payload.state ? badge(e.payload.state) : null,
            e.payload.content !== undefined ? ` ${typeof e.payload.content === 'string' ? e.payload.content : JSON.stringify(e.payload.content)}` : '')))
        : h('p', {class: 'empty'}, 'Nothing seen since this page was opened; the counters above are its whole history.'),
      h('h3', {}, 'Configuration'), jsonBlock(a.config));
  };

  const load = async () => {
    const data = await get(`/agents${query({agent_type: type.value, state: state.value, limit: 200})}`);
    agents = data.items;
    const all = type.value || state.value ? (await get('/agents?limit=500')).items : agents;
    drawSummary(all);
    drawList();
    drawDetail();
  };
  await load();
  const reload = debounce(() => load().catch(() => {}), 250);
  type.addEventListener('change', reload);
  state.addEventListener('change', reload);
  const offs = [ctx.live.on('chainbot.agent.*', reload), ctx.live.on('chainbot.entanglement.message', () => selected && drawDetail()),
                ctx.live.onResync(reload)];
  return () => { reload.cancel(); offs.forEach((o) => o()); };
}

function spawnForm(ctx, done) {
  const type = h('select', {id: 'spawn-type', name: 'agent_type'}, TYPES.map((t) => h('option', {value: t}, t)));
  const name = h('input', {type: 'text', id: 'spawn-name', name: 'name', placeholder: 'optional'});
  const config = h('textarea', {class: 'code', id: 'spawn-config', rows: 3, spellcheck: 'false'});
  config.value = '{}';
  const out = h('div', {'aria-live': 'polite', id: 'spawn-result'});
  const form = h('form', {class: 'panel', id: 'spawn-form'},
    h('h2', {}, 'Spawn an agent'),
    h('div', {class: 'row'},
      h('div', {}, h('label', {for: 'spawn-type'}, 'Type'), type),
      h('div', {}, h('label', {for: 'spawn-name'}, 'Name'), name)),
    h('details', {}, h('summary', {}, 'Configuration (JSON)'), config),
    h('div', {class: 'row mt'}, h('button', {type: 'submit', id: 'spawn'}, 'Spawn')),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const cfg = jsonOrText(config.value || '{}');
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
      out.append(h('div', {class: 'error-box', role: 'alert'}, 'The configuration must be a JSON object.'));
      return;
    }
    try {
      const a = await post('/agents', {agent_type: type.value, name: name.value.trim() || undefined, config: cfg});
      out.append(h('div', {class: 'ok-box'}, `Spawned ${a.name} (${shortId(a.id)}).`));
      name.value = '';
      done();
    } catch (e) {
      const limit = e instanceof ApiError && e.status === 409 ? ' (a limit of agents.* is reached: terminate one first)' : '';
      out.append(h('div', {class: 'error-box', role: 'alert'}, e.message + limit));
    }
  });
  return form;
}
