// Health and metrics: the component scores, counts, CPU/memory/disk, the CPU temperature
// against its threshold, the GPIO LEDs, and a chart of the readings of the last minutes.
import {get} from './api.js';
import {h, clear, badge, fmtPercent, fmtBytes, errorBox} from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const KEEP = 120;       // samples (10 minutes at the 5 s period)
const PERIOD = 5000;
const history = [];     // {t, cpu, mem, temp}: kept while the tab is open, across page changes

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// A bar of 0..100; `warnAt`/`badAt` colour it (for a score, higher is better: pass them negated).
function meter(pct, warnAt = 75, badAt = 90) {
  const span = h('span');
  const v = Number.isFinite(pct) ? Math.max(0, Math.min(100, pct)) : 0;
  span.style.width = `${v}%`;
  const level = warnAt < 0 ? (v <= -badAt ? ' bad' : v <= -warnAt ? ' warn' : '') : (v >= badAt ? ' bad' : v >= warnAt ? ' warn' : '');
  return h('div', {class: `meter${level}`, role: 'meter', 'aria-valuemin': 0,
                   'aria-valuemax': 100, 'aria-valuenow': Math.round(v)}, span);
}

function card(label, value, extra, attrs = {}) {
  return h('div', {class: 'card', ...attrs}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value), extra);
}

function chart(threshold) {
  const W = 640, H = 180, L = 34, R = 10, T = 10, B = 22;
  const svg = s('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', id: 'history-chart',
                        'aria-label': 'CPU, memory and temperature over the last minutes'});
  const y = (v) => T + (H - T - B) * (1 - Math.max(0, Math.min(100, v)) / 100);
  for (const v of [0, 50, 100]) {
    svg.append(s('line', {class: 'axis', x1: L, x2: W - R, y1: y(v), y2: y(v)}));
    svg.append(s('text', {x: 4, y: y(v) + 4}, `${v}`));
  }
  if (Number.isFinite(threshold) && history.some((p) => Number.isFinite(p.temp))) {
    svg.append(s('line', {class: 'threshold', x1: L, x2: W - R, y1: y(threshold), y2: y(threshold)}));
    svg.append(s('text', {x: W - R - 120, y: y(threshold) - 4}, `threshold ${threshold} °C`));
  }
  // The newest sample at the right edge; the first dozen spread out, then the line compresses.
  const n = history.length;
  const span = Math.max(n - 1, 11);
  const x = (i) => L + ((W - L - R) * (i + span - (n - 1))) / span;
  for (const [key, cls] of [['cpu', 'cpu'], ['mem', 'mem'], ['temp', 'temp']]) {
    const pts = history.map((p, i) => (Number.isFinite(p[key]) ? `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}` : null)).filter(Boolean);
    if (pts.length === 1) svg.append(s('circle', {class: `series ${cls}`, cx: pts[0].split(',')[0], cy: pts[0].split(',')[1], r: 2.5}));
    if (pts.length > 1) svg.append(s('polyline', {class: `series ${cls}`, points: pts.join(' ')}));
  }
  const minutes = Math.round((n * PERIOD) / 60000);
  svg.append(s('text', {x: L, y: H - 6}, n > 1 ? `last ${minutes || '<1'} min` : 'collecting…'));
  svg.append(s('text', {x: W - R - 30, y: H - 6}, 'now'));
  return svg;
}

export async function render(view, params, ctx) {
  const body = h('div', {id: 'health-body'});
  const stamp = h('span', {class: 'muted small'});
  view.append(h('div', {class: 'spread'}, h('h1', {}, 'Health and metrics'), stamp), body);

  const load = async () => {
    const [health, metrics, hw] = await Promise.all([
      get('/health').catch((e) => (e.status === 503 ? null : Promise.reject(e))),
      get('/metrics'),
      get('/hardware').catch(() => null)]);
    const r = hw && hw.readings;
    const sample = {t: Date.now(), cpu: r?.cpu?.usage_percent ?? metrics.system.cpu_usage,
                    mem: r?.memory?.usage_percent ?? metrics.system.memory_usage,
                    temp: r?.cpu?.temperature_celsius ?? metrics.system.cpu_temperature_celsius};
    history.push(sample);
    while (history.length > KEEP) history.shift();
    draw(health, metrics, hw);
    stamp.textContent = `updated ${new Date().toLocaleTimeString()}`;
  };

  const draw = (health, m, hw) => {
    clear(body);
    // Components
    const comps = health ? Object.entries(health.components || {}) : [];
    body.append(h('section', {class: 'panel', id: 'components'},
      h('div', {class: 'spread'}, h('h2', {}, 'Components'),
        health ? h('span', {}, badge(health.status), ` score ${Number(health.health_score).toFixed(2)}`) : badge('unhealthy')),
      h('div', {class: 'table-wrap'}, h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Component'), h('th', {}, 'Status'), h('th', {}, 'Score'), h('th', {class: 'hide-narrow'}, 'Detail'))),
        h('tbody', {}, comps.map(([name, c]) => h('tr', {'data-component': name},
          h('td', {}, name), h('td', {}, badge(c.status)),
          h('td', {class: 'score'}, `${Number(c.score).toFixed(2)}`, meter(100 * c.score, -75, -50)),
          h('td', {class: 'hide-narrow muted small'}, c.detail || c.message || ''))))))));

    // Counts
    const ex = m.executions, ag = m.agents;
    body.append(h('section', {class: 'panel', id: 'counts'}, h('h2', {}, 'Counts'), h('div', {class: 'cards'},
      card('Workflows', m.workflows.total, h('div', {class: 'small muted'}, `${m.workflows.active} executions active`)),
      card('Executions', ex.total, h('div', {class: 'small muted'},
        `${ex.running} running · ${ex.queued} queued · ${ex.paused} paused`, h('br'),
        `${ex.completed} completed · ${ex.failed} failed · ${ex.cancelled + ex.timed_out} cancelled or timed out`)),
      card('Agents', ag.total, h('div', {class: 'small muted'}, `${ag.idle} idle · ${ag.working} working · ${ag.error} error · ${ag.terminated} terminated`)),
      card('Entanglements', m.entanglements.total, h('div', {class: 'small muted'}, `${m.entanglements.messages} messages`)),
      card('Live clients', m.websocket.clients, h('div', {class: 'small muted'}, `${m.websocket.events_sent} events sent`)))));

    // System
    const r = hw && hw.readings;
    const th = hw && hw.thermal;
    const temp = r?.cpu?.temperature_celsius ?? m.system.cpu_temperature_celsius ?? null;
    const threshold = th ? th.threshold_celsius : null;
    const mem = r?.memory, disk = r?.disk;
    body.append(h('section', {class: 'panel', id: 'system'}, h('h2', {}, 'System'), h('div', {class: 'cards'},
      card('CPU', fmtPercent(r?.cpu?.usage_percent ?? m.system.cpu_usage), [meter(r?.cpu?.usage_percent ?? m.system.cpu_usage),
        r?.cpu?.load_average ? h('div', {class: 'small muted'}, `load ${r.cpu.load_average['1m']} / ${r.cpu.load_average['5m']} / ${r.cpu.load_average['15m']}`) : null],
        {id: 'card-cpu'}),
      card('Memory', fmtPercent(mem?.usage_percent ?? m.system.memory_usage), [meter(mem?.usage_percent ?? m.system.memory_usage),
        mem ? h('div', {class: 'small muted'}, `${fmtBytes(mem.total_bytes - mem.available_bytes)} of ${fmtBytes(mem.total_bytes)}`) : null],
        {id: 'card-memory'}),
      card('Disk', fmtPercent(disk?.usage_percent ?? m.system.disk_usage), [meter(disk?.usage_percent ?? m.system.disk_usage),
        disk ? h('div', {class: 'small muted'}, `${fmtBytes(disk.total_bytes - disk.available_bytes)} of ${fmtBytes(disk.total_bytes)}`) : null],
        {id: 'card-disk'}),
      card('CPU temperature', temp === null ? 'n/a' : `${Number(temp).toFixed(1)} °C`, [
        temp !== null && threshold ? meter((100 * temp) / threshold, 85, 100) : null,
        h('div', {class: 'small'}, threshold !== null ? `threshold ${threshold} °C ` : '', th ? badge(th.state) : null,
          th && th.admission_hold ? ' · new executions held' : ''),
        temp === null ? h('div', {class: 'small muted'}, 'no temperature sensor on this machine') : null], {id: 'card-temp'}))));

    // GPIO
    const gpio = hw && hw.gpio;
    const lines = (gpio && gpio.lines) || [];
    body.append(h('section', {class: 'panel', id: 'gpio'}, h('h2', {}, 'GPIO LEDs'),
      !gpio ? h('p', {class: 'empty'}, 'No hardware readings.')
      : !gpio.enabled ? h('p', {class: 'muted'}, 'GPIO integration is off (raspberry_pi.enable_gpio_integration).', ' ', badge('off'))
      : h('div', {}, h('p', {class: 'small'}, `driver ${gpio.driver} on ${gpio.chip} · `, badge(gpio.status === 'ok' ? 'healthy' : 'degraded'),
          gpio.detail ? ` ${gpio.detail}` : ''),
        !lines.length ? h('p', {class: 'empty'}, 'No GPIO line is in use.') : h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'Role'), h('th', {}, 'Direction'), h('th', {}, 'State'))),
          h('tbody', {}, lines.map((l) => h('tr', {'data-pin': l.pin}, h('td', {}, l.pin), h('td', {}, l.role), h('td', {}, l.direction),
            h('td', {}, badge(l.value ? 'on' : 'off'), l.pulsing ? ' pulsing' : '')))))),
        h('p', {class: 'small'}, 'Error LED: ', gpio.error_led_lit ? badge('on') : badge('off'),
          gpio.error_causes && gpio.error_causes.length ? ` (${gpio.error_causes.join(', ')})` : ''))));

    // History
    body.append(h('section', {class: 'panel', id: 'history'}, h('h2', {}, 'Recent history'),
      h('p', {class: 'small'}, h('span', {class: 'key cpu'}), 'CPU % ', h('span', {class: 'key mem'}), 'memory % ',
        h('span', {class: 'key temp'}), 'temperature °C'),
      chart(threshold)));
  };

  try {
    await load();
  } catch (e) {
    body.append(errorBox(e));
  }
  const timer = setInterval(() => load().catch(() => {}), PERIOD);
  const off = ctx.live.on('chainbot.hardware.*', () => load().catch(() => {}));
  return () => { clearInterval(timer); off(); };
}
