// A workflow definition as a graph of its steps, drawn as SVG: the same implicit order the
// orchestrator resolves (src/orchestrator/definition.cpp, resolve_graph): each step after
// the previous one unless it has depends_on; a parallel workflow's top-level steps all at
// once; a condition's true_steps/false_steps after it, in a chain per branch; the step
// after a condition after both branches' last steps; on_failure handlers off to the side.

const SVG = 'http://www.w3.org/2000/svg';
const W = 176, H = 50, GX = 28, GY = 54, PAD = 18;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const list = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** {nodes: [{id, type, index, nested}], edges: [{from, to, label, failure}]} of a definition. */
export function graphOf(def) {
  const raw = def && Array.isArray(def.steps) ? def.steps : [];
  const byId = new Map();
  raw.forEach((st, index) => {
    if (st && typeof st === 'object' && typeof st.id === 'string' && st.id && !byId.has(st.id)) byId.set(st.id, {st, index});
  });
  const steps = [...byId.values()].map((v) => v.st);
  const branchTargets = new Set(), handlers = new Set();
  for (const st of steps) {
    for (const t of [...list(st.true_steps), ...list(st.false_steps)]) branchTargets.add(t);
    const hd = st.on_failure && st.on_failure.handler;
    if (typeof hd === 'string') handlers.add(hd);
  }
  const deps = new Map();
  let frontier = [];
  for (const st of steps) {
    const explicit = Object.prototype.hasOwnProperty.call(st, 'depends_on');
    if (explicit) deps.set(st.id, list(st.depends_on).filter((d) => byId.has(d)).map((d) => ({from: d})));
    if (branchTargets.has(st.id) || handlers.has(st.id)) continue;
    if (!explicit && def.type !== 'parallel') deps.set(st.id, frontier.map((f) => ({...f})));
    frontier = [{from: st.id}];
    if (st.type === 'condition') {
      frontier = [];
      for (const [branch, label] of [[st.true_steps, 'true'], [st.false_steps, 'false']]) {
        let prev = st.id;
        for (const t of list(branch)) {
          const target = byId.get(t);
          if (!target) continue;
          if (!Object.prototype.hasOwnProperty.call(target.st, 'depends_on'))
            deps.set(t, [{from: prev, label: prev === st.id ? label : undefined}]);
          prev = t;
        }
        frontier.push({from: prev, label: prev === st.id ? label : undefined});
      }
    }
  }
  const edges = [];
  const seen = new Set();
  for (const [to, ds] of deps) {
    for (const d of ds) {
      const key = `${d.from}>${to}>${d.label || ''}`;
      if (seen.has(key) || !byId.has(d.from)) continue;
      seen.add(key);
      edges.push({from: d.from, to, label: d.label});
    }
  }
  for (const st of steps) {
    const hd = st.on_failure && st.on_failure.handler;
    if (typeof hd === 'string' && byId.has(hd) && hd !== st.id) edges.push({from: st.id, to: hd, label: 'on failure', failure: true});
  }
  const nodes = steps.map((st) => ({
    id: st.id,
    type: typeof st.type === 'string' ? st.type : '?',
    index: byId.get(st.id).index,
    nested: Array.isArray(st.steps) ? st.steps.length : 0,
  }));
  return {nodes, edges};
}

/** Positions: longest-path layers from the top, in definition order within a layer. */
export function layout(g) {
  const incoming = new Map(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) incoming.get(e.to).push(e);
  const rank = new Map();
  const visiting = new Set();
  const rankOf = (id) => {
    if (rank.has(id)) return rank.get(id);
    if (visiting.has(id)) return 0;  // a cycle (the server will say so): cut it here
    visiting.add(id);
    let r = 0;
    for (const e of incoming.get(id)) r = Math.max(r, rankOf(e.from) + 1);
    visiting.delete(id);
    rank.set(id, r);
    return r;
  };
  const rows = [];
  for (const n of g.nodes) (rows[rankOf(n.id)] ||= []).push(n);
  const widths = rows.map((r) => (r ? r.length * W + (r.length - 1) * GX : 0));
  const width = Math.max(W, ...widths) + 2 * PAD;
  const pos = new Map();
  rows.forEach((row, r) => {
    if (!row) return;
    row.sort((a, b) => a.index - b.index);
    const x0 = (width - widths[r]) / 2;
    row.forEach((n, k) => pos.set(n.id, {x: x0 + k * (W + GX), y: PAD + r * (H + GY)}));
  });
  const height = rows.length ? PAD * 2 + rows.length * H + (rows.length - 1) * GY : PAD * 2 + H;
  return {pos, width, height};
}

function fit(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Draws the graph of `def` into `container`. Returns {setStates(map), select(id), markInvalid(ids)}:
 * states maps step id → {state, attempts}; nodes are coloured by state, and say it in words.
 * opts.onSelect(id) runs when a node is clicked or chosen with the keyboard.
 */
export function renderGraph(container, def, opts = {}) {
  const g = graphOf(def);
  const {pos, width, height} = layout(g);
  container.textContent = '';
  if (!g.nodes.length) {
    container.append(Object.assign(document.createElement('p'), {className: 'empty', textContent: 'No steps to draw.'}));
    return {setStates() {}, select() {}, markInvalid() {}};
  }
  const svg = s('svg', {class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group',
                        'aria-label': 'Workflow steps as a graph'});
  svg.append(s('defs', {}, s('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
                                       orient: 'auto-start-reverse'}, s('path', {d: 'M0 0 L10 5 L0 10 z'}))));
  const edgeLayer = s('g', {class: 'edges'});
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    let d, lx, ly;
    if (b.y > a.y) {
      const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y, dy = (y2 - y1) / 2;
      d = `M${x1} ${y1} C${x1} ${y1 + dy} ${x2} ${y2 - dy} ${x2} ${y2}`;
      lx = (x1 + x2) / 2; ly = (y1 + y2) / 2;
    } else {  // same row or upwards (a handler placed beside its step, a cycle)
      const x1 = a.x + (b.x >= a.x ? W : 0), y1 = a.y + H / 2, x2 = b.x + (b.x >= a.x ? 0 : W), y2 = b.y + H / 2;
      const bend = b.x === a.x ? 60 : 0;
      d = `M${x1} ${y1} C${x1 + bend} ${y1} ${x2 + bend} ${y2} ${x2} ${y2}`;
      lx = (x1 + x2) / 2 + bend; ly = (y1 + y2) / 2 - 4;
    }
    edgeLayer.append(s('path', {class: e.failure ? 'edge failure' : 'edge', d, 'marker-end': 'url(#arrow)',
                                'data-from': e.from, 'data-to': e.to}));
    if (e.label) edgeLayer.append(s('text', {class: 'edge-label', x: lx + 4, y: ly}, e.label));
  }
  svg.append(edgeLayer);
  const nodes = new Map();
  for (const n of g.nodes) {
    const p = pos.get(n.id);
    const sub = s('text', {class: 'sub', x: 10, y: 38});
    const title = s('title', {});
    const node = s('g', {class: 'node state-none', transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button',
                         'data-step': n.id, 'data-state': ''},
                   title,
                   s('rect', {width: W, height: H, rx: 8}),
                   s('text', {class: 'title', x: 10, y: 19}, fit(n.id, 22)),
                   sub);
    const choose = () => opts.onSelect && opts.onSelect(n.id);
    node.addEventListener('click', choose);
    node.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); choose(); }
    });
    nodes.set(n.id, {node, sub, title, info: n});
    svg.append(node);
  }
  container.append(svg);

  const describe = (n, st) => {
    let text = n.info.type + (n.info.nested ? ` (${n.info.nested} inside)` : '');
    if (st && st.state) text += ` · ${st.state}${st.attempts > 1 ? ` ×${st.attempts}` : ''}`;
    return text;
  };
  const api = {
    setStates(states) {
      for (const [id, n] of nodes) {
        const st = states[id];
        const state = st ? st.state : '';
        n.node.setAttribute('class', `node state-${state || 'none'}${n.invalid ? ' invalid' : ''}${n.selected ? ' selected' : ''}`);
        n.node.setAttribute('data-state', state);
        n.sub.textContent = fit(describe(n, st), 28);
        n.title.textContent = `${id}: ${describe(n, st)}`;
        n.node.setAttribute('aria-label', `step ${id}, ${describe(n, st)}`);
        n.state = st;
      }
    },
    select(id) {
      for (const [sid, n] of nodes) {
        n.selected = sid === id;
        n.node.classList.toggle('selected', n.selected);
      }
    },
    markInvalid(ids) {
      for (const [sid, n] of nodes) {
        n.invalid = ids.has(sid);
        n.node.classList.toggle('invalid', n.invalid);
      }
    },
  };
  api.setStates(opts.states || {});
  return api;
}
