// Entanglements: the list (create one), and one entanglement's members and live message
// stream, where a member sends a private or a broadcast message.
import {get, post, api, del} from './api.js';
import {h, clear, badge, fmtTime, shortId, debounce, errorBox, jsonOrText} from './ui.js';

export async function render(view, params, ctx) {
  return params[0] ? detail(view, params[0], ctx) : list(view, ctx);
}

async function list(view, ctx) {
  const body = h('div', {class: 'panel'});
  view.append(h('h1', {}, 'Entanglements'));
  if (ctx.can('chainbot:entanglement:manage')) view.append(await createForm(ctx));
  view.append(body);
  const load = async () => {
    const data = await get('/entanglements?limit=200');
    clear(body);
    if (!data.items.length) { body.append(h('p', {class: 'empty'}, 'No entanglements.')); return; }
    body.append(h('div', {class: 'table-wrap'}, h('table', {id: 'entanglement-list'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {class: 'hide-narrow'}, 'Description'), h('th', {}, 'Members'),
        h('th', {}, 'Messages'))),
      h('tbody', {}, data.items.map((e) => h('tr', {class: 'clickable', 'data-id': e.id, onclick: () => ctx.go(`#/entanglements/${e.id}`)},
        h('td', {}, h('a', {href: `#/entanglements/${e.id}`}, e.name)), h('td', {class: 'hide-narrow muted'}, e.description),
        h('td', {}, e.agent_ids.length), h('td', {}, e.message_count)))))));
  };
  await load();
  const reload = debounce(() => load().catch(() => {}), 300);
  const offs = [ctx.live.on('chainbot.entanglement.*', reload), ctx.live.onResync(reload)];
  return () => { reload.cancel(); offs.forEach((o) => o()); };
}

async function createForm(ctx) {
  const agents = (await get('/agents?limit=200')).items.filter((a) => a.state !== 'terminated');
  const name = h('input', {type: 'text', id: 'ent-name', required: true});
  const description = h('input', {type: 'text', id: 'ent-description'});
  const boxes = agents.map((a) => h('label', {class: 'check'},
    h('input', {type: 'checkbox', value: a.id, 'data-name': a.name}), `${a.name} (${a.agent_type})`));
  const out = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'panel', id: 'entanglement-form'},
    h('h2', {}, 'Create an entanglement'),
    h('div', {class: 'row'}, h('div', {}, h('label', {for: 'ent-name'}, 'Name'), name),
      h('div', {}, h('label', {for: 'ent-description'}, 'Description'), description)),
    h('label', {}, 'Members'), boxes.length ? h('div', {id: 'ent-members'}, boxes) : h('p', {class: 'muted small'}, 'No live agents: spawn some first, or add them later.'),
    h('div', {class: 'row mt'}, h('button', {type: 'submit', id: 'ent-create'}, 'Create')),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const ids = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    try {
      const e = await post('/entanglements', {name: name.value.trim(), description: description.value.trim(), agent_ids: ids});
      ctx.go(`#/entanglements/${e.id}`);
    } catch (e) { out.append(errorBox(e)); }
  });
  return form;
}

async function detail(view, id, ctx) {
  const manage = ctx.can('chainbot:entanglement:manage');
  let ent = await get(`/entanglements/${encodeURIComponent(id)}`);
  const agentNames = new Map();
  let agents = [];
  const loadAgents = async () => {
    agents = (await get('/agents?limit=500')).items;
    for (const a of agents) agentNames.set(a.id, a.name);
  };
  await loadAgents();
  const nameOf = (aid) => agentNames.get(aid) || shortId(aid);

  const members = h('div', {id: 'ent-member-list'});
  const stream = h('ul', {class: 'stream', id: 'message-stream', 'aria-live': 'polite', 'aria-label': 'Messages'});
  const seen = new Set();
  const sendBox = h('div');

  view.append(h('div', {class: 'spread'}, h('h1', {}, ent.name),
      manage ? h('button', {type: 'button', class: 'danger small', onclick: async () => {
        if (!confirm(`Delete the entanglement “${ent.name}” with its messages?`)) return;
        try { await del(`/entanglements/${encodeURIComponent(ent.id)}`); ctx.go('#/entanglements'); } catch (e) { ctx.toast(e.message, true); }
      }}, 'Delete') : null),
    ent.description ? h('p', {class: 'muted'}, ent.description) : null,
    h('div', {class: 'grid2'},
      h('section', {class: 'panel'}, h('h2', {}, 'Messages'), stream, sendBox),
      h('section', {class: 'panel'}, h('h2', {}, 'Members'), members)));

  const addMessage = (m, fresh) => {
    if (seen.has(m.sequence)) return;
    seen.add(m.sequence);
    const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
    const li = h('li', {class: fresh ? 'fresh' : null, 'data-sequence': m.sequence, 'data-type': m.message_type},
      h('div', {class: 'meta'}, `#${m.sequence} · ${nameOf(m.sender_id)} → ${m.receiver_id ? nameOf(m.receiver_id) : 'everyone'}`,
        ` · ${m.message_type}`, m.state ? ` · ${m.state}` : '', m.timestamp ? ` · ${fmtTime(m.timestamp)}` : ''),
      h('div', {class: 'content'}, content));
    // In sequence order, newest at the bottom.
    const after = [...stream.children].find((x) => Number(x.dataset.sequence) > m.sequence);
    stream.insertBefore(li, after || null);
    if (!after) stream.scrollTop = stream.scrollHeight;
  };

  const drawMembers = () => {
    clear(members);
    const list = h('ul', {class: 'stream'});
    for (const aid of ent.agent_ids) {
      const a = agents.find((x) => x.id === aid);
      list.append(h('li', {'data-id': aid}, h('div', {class: 'spread'},
        h('span', {}, h('strong', {}, nameOf(aid)), a ? ` ${a.agent_type} ` : ' ', a ? badge(a.state) : null),
        manage ? h('button', {type: 'button', class: 'secondary small', onclick: async () => {
          try { ent = await api('DELETE', `/entanglements/${encodeURIComponent(ent.id)}/agents/${encodeURIComponent(aid)}`); drawMembers(); drawSend(); }
          catch (e) { ctx.toast(e.message, true); }
        }}, 'Remove') : null)));
    }
    members.append(ent.agent_ids.length ? list : h('p', {class: 'empty'}, 'No members.'));
    if (manage) {
      const candidates = agents.filter((a) => a.state !== 'terminated' && !ent.agent_ids.includes(a.id));
      if (candidates.length) {
        const pick = h('select', {id: 'add-member', 'aria-label': 'Agent to add'}, candidates.map((a) => h('option', {value: a.id}, `${a.name} (${a.agent_type})`)));
        members.append(h('div', {class: 'row mt'}, pick, h('button', {type: 'button', class: 'secondary', onclick: async () => {
          try { ent = await post(`/entanglements/${encodeURIComponent(ent.id)}/agents`, {agent_id: pick.value}); drawMembers(); drawSend(); }
          catch (e) { ctx.toast(e.message, true); }
        }}, 'Add member')));
      }
    }
  };

  const drawSend = () => {
    clear(sendBox);
    if (!manage) return;
    if (!ent.agent_ids.length) { sendBox.append(h('p', {class: 'muted small'}, 'Add members to send messages.')); return; }
    const from = h('select', {id: 'msg-from'}, ent.agent_ids.map((aid) => h('option', {value: aid}, nameOf(aid))));
    const to = h('select', {id: 'msg-to'}, h('option', {value: ''}, 'everyone (broadcast)'),
      ent.agent_ids.map((aid) => h('option', {value: aid}, nameOf(aid))));
    const type = h('select', {id: 'msg-type'}, ['notification', 'task', 'result', 'chat', 'error'].map((t) => h('option', {value: t}, t)));
    const content = h('textarea', {id: 'msg-content', rows: 2, placeholder: 'text, or JSON'});
    const out = h('div', {'aria-live': 'polite'});
    const form = h('form', {id: 'message-form', class: 'mt'},
      h('div', {class: 'row'}, h('div', {}, h('label', {for: 'msg-from'}, 'From'), from),
        h('div', {}, h('label', {for: 'msg-to'}, 'To'), to), h('div', {}, h('label', {for: 'msg-type'}, 'Type'), type)),
      h('label', {for: 'msg-content'}, 'Content'), content,
      h('div', {class: 'row mt'}, h('button', {type: 'submit', id: 'msg-send'}, 'Send')), out);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      if (!content.value.trim()) return;
      const body = {sender_id: from.value, content: jsonOrText(content.value), message_type: type.value};
      if (to.value) body.receiver_id = to.value; else body.broadcast = true;
      try {
        const m = await post(`/entanglements/${encodeURIComponent(ent.id)}/messages`, body);
        content.value = '';
        // The live feed shows it; without a feed, show it now.
        if (ctx.live.state !== 'open') addMessage(m, true);
      } catch (e) { out.append(errorBox(e)); }
    });
    sendBox.append(form);
  };

  const loadMessages = async () => {
    const after = Math.max(0, (ent.message_count || 0) - 100);
    const data = await get(`/entanglements/${encodeURIComponent(ent.id)}/messages?after_sequence=${after}&limit=100`);
    for (const m of data.items) addMessage(m, false);
    if (!stream.children.length) stream.append(h('li', {class: 'empty', 'data-sequence': -1}, 'No messages yet.'));
  };

  drawMembers();
  drawSend();
  await loadMessages();

  const refresh = debounce(async () => {
    try {
      ent = await get(`/entanglements/${encodeURIComponent(ent.id)}`);
      await loadAgents();
      drawMembers();
      drawSend();
    } catch { /* deleted: the list link still works */ }
  }, 300);
  const offs = [
    ctx.live.on('chainbot.entanglement.message', (topic, p) => {
      if (p.entanglement_id !== ent.id) return;
      const empty = stream.querySelector('li.empty');
      if (empty) empty.remove();
      addMessage({...p, id: p.message_id}, true);
    }),
    ctx.live.on('chainbot.entanglement.member_*', (topic, p) => { if (p.entanglement_id === ent.id) refresh(); }),
    ctx.live.on('chainbot.agent.*', refresh),
    ctx.live.onResync(() => { refresh(); loadMessages().catch(() => {}); }),
  ];
  return () => { refresh.cancel(); offs.forEach((o) => o()); };
}
