// The dashboard as a person uses it: the real alex_os host with the real module on SQLite
// in a temporary directory, Debian's Chromium (headless) driven by playwright-core.
// Sign in, create a workflow with an error and see the error at its path, fix it, run it
// and watch its steps change state live, open a step's output, see the executions list
// change live, spawn agents, send entanglement messages and see them arrive in another
// tab, read the health page, check that a viewer is offered nothing it may not do, and
// use it on a phone-sized screen. A screenshot of each main page is saved in
// $DASHBOARD_SCREENSHOTS (CTest: <build>/dashboard-screenshots/).
//
// Run through CTest (it sets the paths):  ctest --test-dir build -L dashboard
// By hand:  ALEX_OS_BINARY=build/bin/alex_os ALEX_OS_MODULES_DIR=build/bin/modules \
//           node --test tests/dashboard/e2e.test.mjs
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const absolute = (p) => (p ? path.resolve(p) : '');
const ALEX_OS = absolute(process.env.ALEX_OS_BINARY);
const MODULES = absolute(process.env.ALEX_OS_MODULES_DIR);
const SHOTS = absolute(process.env.DASHBOARD_SCREENSHOTS) || path.join(here, 'screenshots');

// ---- prerequisites: missing ones fail the run, saying what to do ----------------------
const problems = [];
if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core', 'package.json')))
  problems.push(`playwright-core is not installed: run \`npm ci\` in ${here} (scripts/install-deps.sh does it)`);
if (!fs.existsSync(CHROMIUM))
  problems.push(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium; scripts/install-deps.sh does it)`);
if (!ALEX_OS || !fs.existsSync(ALEX_OS))
  problems.push(`ALEX_OS_BINARY ('${ALEX_OS}') is not the built alex_os: build it (cmake --build <build> --target alex_os chainbot)`);
if (!MODULES || !fs.existsSync(path.join(MODULES, 'chainbot', 'module.json')))
  problems.push(`ALEX_OS_MODULES_DIR ('${MODULES}') holds no chainbot module: build the chainbot target`);
if (problems.length) {
  for (const p of problems) console.error(`dashboard e2e: ${p}`);
  throw new Error(`the dashboard e2e test cannot run:\n  ${problems.join('\n  ')}`);
}
const {chromium} = await import('playwright-core');

// ---- the host ---------------------------------------------------------------------------
async function startHost() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'chainbot-dashboard-'));
  const data = path.join(home, 'data');
  fs.mkdirSync(SHOTS, {recursive: true});
  const log = fs.createWriteStream(path.join(SHOTS, 'host.log'));
  const child = spawn(ALEX_OS, ['--modules-dir', MODULES, '--home', home, 'run',
    '--set', 'chainbot.api.port=0', '--set', `chainbot.module.data_dir=${data}`, '--watch', 'chainbot.module.*'],
  {cwd: home, stdio: ['ignore', 'pipe', 'pipe']});
  child.stderr.pipe(log);
  const lines = readline.createInterface({input: child.stdout});
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('alex_os did not report chainbot.module.ready within 90 s')), 90000);
    child.once('error', (e) => reject(new Error(`cannot start ${ALEX_OS}: ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`alex_os exited with ${code} before it was ready (see ${SHOTS}/host.log)`)));
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const m = /chainbot\.module\.ready (\{.*\})/.exec(line);
      if (m) { clearTimeout(timer); resolve(JSON.parse(m[1]).api_port); }
    });
  });
  let port;
  try {
    port = await ready;
  } catch (e) {
    child.kill('SIGKILL');
    fs.rmSync(home, {recursive: true, force: true});
    throw e;
  }
  const token = fs.readFileSync(path.join(data, 'admin_token'), 'utf8').trim();
  return {child, home, port, token, base: `http://127.0.0.1:${port}`};
}

async function stopHost(host) {
  if (!host) return;
  const exited = new Promise((resolve) => host.child.once('exit', resolve));
  host.child.kill('SIGTERM');
  const killer = setTimeout(() => host.child.kill('SIGKILL'), 20000);
  await exited;
  clearTimeout(killer);
  fs.rmSync(host.home, {recursive: true, force: true});
}

// ---- helpers ----------------------------------------------------------------------------
let host, browser;
const consoleErrors = [];

async function rest(method, p, body, token = host.token) {
  const res = await fetch(`${host.base}/api/chainbot${p}`, {
    method, headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function newPage(viewport = {width: 1280, height: 900}, extra = {}) {
  const context = await browser.newContext({viewport, ...extra});
  // Every change of a graph node's state, in order, from the first moment of the page.
  await context.addInitScript(() => {
    window.__transitions = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const t = r.target;
        if (t.getAttribute && t.getAttribute('class')?.startsWith('node') && t.dataset.step)
          window.__transitions.push({step: t.dataset.step, state: t.dataset.state});
      }
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Refused requests are part of the tests (a bad token, an invalid workflow): the browser logs them.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
      consoleErrors.push(`console: ${m.text()}`);
  });
  return page;
}

async function signIn(page, token, hash = '') {
  await page.goto(`${host.base}/chainbot/${hash}`);
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
  await page.waitForSelector('#live[data-state="open"]');
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({path: path.join(SHOTS, `${name}.png`), fullPage: true});
}

const DEFINITION = (pauseType) => JSON.stringify({
  name: 'Dashboard e2e',
  description: 'made by the dashboard test',
  type: 'sequential',
  steps: [
    {id: 'prepare', type: 'transform', template: {greeting: 'hello ${input.name}'}},
    {id: 'pause', type: pauseType, duration_ms: 2500},
    {id: 'check', type: 'condition', expression: '${input.count} > 2', true_steps: ['big'], false_steps: ['small']},
    {id: 'big', type: 'transform', template: {size: 'big'}},
    {id: 'small', type: 'transform', template: {size: 'small'}},
    {id: 'finish', type: 'wait', duration_ms: 1500},
  ],
}, null, 2);

// ---- the tests --------------------------------------------------------------------------
describe('ChainBot dashboard in headless Chromium', () => {
  let page, workflowId, executionId, entanglementId;

  before(async () => {
    fs.rmSync(SHOTS, {recursive: true, force: true});
    host = await startHost();
    browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: ['--no-sandbox']});
    page = await newPage();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopHost(host);
  });

  it('serves the page from the module and refuses a bad token', async () => {
    const res = await fetch(`${host.base}/chainbot/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/html/);
    await page.goto(`${host.base}/chainbot/`);
    await page.fill('#token', 'not-a-token');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signin .error-box');
    assert.match(await page.textContent('#signin .error-box'), /not valid/);
    await shot(page, '01-signin');
  });

  it('signs in with a token kept in the session only', async () => {
    await page.fill('#token', host.token);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#nav:not([hidden])');
    await page.waitForSelector('#live[data-state="open"]');
    assert.match(await page.textContent('#user'), /admin/);
    const stored = await page.evaluate(() => ({session: sessionStorage.getItem('chainbot.token'), local: localStorage.length,
                                               cookies: document.cookie}));
    assert.equal(stored.session, host.token);
    assert.equal(stored.local, 0);
    assert.equal(stored.cookies, '');
  });

  it('shows the server\'s validation error at its JSON path, then saves the fixed workflow', async () => {
    await page.click('#new-workflow');
    await page.waitForSelector('#definition');
    await page.fill('#definition', DEFINITION('wiat'));
    await page.click('#save');
    const item = page.locator('#error-list li[data-path="$.steps[1].type"]');
    await item.waitFor();
    assert.match(await item.textContent(), /unknown step type 'wiat'/);
    // The line of "type": "wiat" is marked in the gutter, and the path selects it in the text.
    const line = Number(await item.getAttribute('data-line'));
    const text = await page.inputValue('#definition');
    assert.match(text.split('\n')[line - 1], /"type": "wiat"/);
    assert.equal(await page.getAttribute(`.gutter div[data-line="${line}"]`, 'class'), 'err');
    await item.locator('button.path').click();
    const selected = await page.evaluate(() => {
      const t = document.getElementById('definition');
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    assert.equal(selected, '"type": "wiat"');
    // The graph follows the editor and marks the step with the problem.
    await page.waitForSelector('#workflow-graph [data-step="finish"]');
    await page.waitForSelector('#workflow-graph .node.invalid[data-step="pause"]');
    await shot(page, '02-workflow-error');

    await page.fill('#definition', DEFINITION('wait'));
    await page.click('#save');
    await page.waitForURL(/#\/workflows\/(?!new$)[^/]+$/);
    workflowId = decodeURIComponent(page.url().split('#/workflows/')[1]);
    await page.waitForSelector('#workflow-graph [data-step="finish"]');
    assert.equal(await page.locator('#workflow-graph .node').count(), 6);
    assert.equal(await page.locator('#error-list').count(), 0);
    await shot(page, '03-workflow');
  });

  it('runs it with input and shows each step change state live', async () => {
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.fill('#execute-input', '{"name": "Pi", "count": 3}');
    await page.click('#execute');
    await page.waitForURL(/#\/executions\/[^/]+$/);
    executionId = page.url().split('#/executions/')[1];
    await page.waitForSelector('#execution-graph [data-step="pause"][data-state="running"]');
    await page.waitForSelector('#exec-status [data-state="completed"]', {timeout: 60000});
    await page.waitForSelector('#execution-graph [data-step="finish"][data-state="completed"]');
    const {transitions, same} = await page.evaluate(() => ({transitions: window.__transitions, same: window.__sameDocument}));
    assert.equal(same, true, 'the page was not reloaded');
    const seq = (step) => transitions.filter((t) => t.step === step).map((t) => t.state)
      .filter((s, i, a) => s && s !== a[i - 1]);
    for (const step of ['pause', 'finish']) {
      const states = seq(step);
      assert.ok(states.indexOf('running') >= 0 && states.indexOf('running') < states.lastIndexOf('completed'),
        `${step} went ${states.join(' → ')}`);
    }
    assert.equal(await page.getAttribute('#execution-graph [data-step="big"]', 'data-state'), 'completed');
    assert.equal(await page.getAttribute('#execution-graph [data-step="small"]', 'data-state'), 'skipped');
  });

  it('opens a step\'s output, attempts and timings', async () => {
    await page.click('#execution-graph [data-step="prepare"]');
    const output = page.locator('#step-detail [data-field="output"]');
    await output.waitFor();
    assert.deepEqual(JSON.parse(await output.textContent()), {greeting: 'hello Pi'});
    assert.match(await page.textContent('#step-detail'), /Attempt 1/);
    assert.match(await page.textContent('#step-detail'), /Duration/);
    await page.click('#step-table tr[data-step="pause"]');
    await page.waitForSelector('#step-detail h2 code:text("pause")');
    await page.click('#execution-graph [data-step="prepare"]');
    await output.waitFor();
    await shot(page, '04-execution');
  });

  it('pauses, resumes and cancels a running execution', async () => {
    const wf = await rest('POST', '/workflows', {name: 'Dashboard e2e long', type: 'sequential', steps: [
      {id: 'first', type: 'wait', duration_ms: 1500}, {id: 'long', type: 'wait', duration: 60}]});
    const run = await rest('POST', `/workflows/${wf.id}/execute`, {input_data: {}});
    await page.goto(`${host.base}/chainbot/#/executions/${run.execution_id}`);
    await page.waitForSelector('#exec-status [data-state="running"]');
    await page.click('#exec-pause');
    await page.waitForSelector('#exec-status [data-state="paused"]');
    await page.click('#exec-resume');
    await page.waitForSelector('#exec-status [data-state="running"]');
    await page.click('#exec-cancel');
    await page.waitForSelector('#exec-status [data-state="cancelled"]');
    assert.equal(await page.locator('#exec-controls button').count(), 0);
  });

  it('lists the workflows, then keeps the executions list live', async () => {
    await page.click('#nav a[data-page="workflows"]');
    await page.waitForSelector(`#workflow-list tr[data-id="${workflowId}"]`);
    await shot(page, '05-workflows');
    await page.click('#nav a[data-page="executions"]');
    const row = page.locator(`#execution-list tr[data-id="${executionId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'completed');
    // An execution started elsewhere appears, runs and completes without a reload.
    await page.evaluate(() => { window.__sameDocument = true; });
    const started = await rest('POST', `/workflows/${encodeURIComponent(workflowId)}/execute`, {input_data: {name: 'API', count: 1}});
    const other = page.locator(`#execution-list tr[data-id="${started.execution_id}"]`);
    await other.waitFor();
    await page.waitForSelector(`#execution-list tr[data-id="${started.execution_id}"][data-status="running"]`);
    await page.waitForSelector(`#execution-list tr[data-id="${started.execution_id}"][data-status="completed"]`, {timeout: 60000});
    // count 1 takes the false branch: "big" is skipped, 5 of the 6 steps completed.
    assert.match(await other.locator('.progress').textContent(), /5\/6/);
    assert.equal(await page.evaluate(() => window.__sameDocument), true);
    await shot(page, '06-executions');
  });

  it('spawns agents and shows them by type and state', async () => {
    await page.click('#nav a[data-page="agents"]');
    for (const name of ['e2e-worker', 'e2e-helper']) {
      await page.selectOption('#spawn-type', 'data_processor');
      await page.fill('#spawn-name', name);
      await page.click('#spawn');
      await page.waitForSelector(`#agent-list tr[data-name="${name}"]`);
    }
    assert.match(await page.textContent('#agent-list tr[data-name="e2e-worker"]'), /idle/);
    await page.waitForFunction(() => document.querySelector('#agent-summary tr[data-type="data_processor"] td[data-state="idle"]')?.textContent === '2');
    await page.click('#agent-list tr[data-name="e2e-worker"]');
    await page.waitForSelector('#agent-detail h2:text("e2e-worker")');
    await shot(page, '07-agents');
  });

  it('sends a broadcast and a private message and sees them arrive in another tab', async () => {
    await page.click('#nav a[data-page="entanglements"]');
    await page.fill('#ent-name', 'e2e-group');
    await page.fill('#ent-description', 'the agents of the dashboard test');
    await page.check('#ent-members input[data-name="e2e-worker"]');
    await page.check('#ent-members input[data-name="e2e-helper"]');
    await page.click('#ent-create');
    await page.waitForURL(/#\/entanglements\/[^/]+$/);
    entanglementId = page.url().split('#/entanglements/')[1];
    await page.waitForSelector('#message-form');

    // A second tab (its own session: it signs in too) watches the stream.
    const watcher = await newPage();
    await signIn(watcher, host.token, `#/entanglements/${entanglementId}`);
    await watcher.waitForSelector('#message-stream');
    await watcher.evaluate(() => { window.__sameDocument = true; });

    await page.selectOption('#msg-from', {label: 'e2e-worker'});
    await page.selectOption('#msg-to', '');
    await page.fill('#msg-content', 'hello from the dashboard');
    await page.click('#msg-send');
    const broadcast = watcher.locator('#message-stream li', {hasText: 'hello from the dashboard'});
    await broadcast.waitFor();
    assert.match(await broadcast.textContent(), /e2e-worker → everyone/);

    await page.selectOption('#msg-to', {label: 'e2e-helper'});
    await page.selectOption('#msg-type', 'task');
    await page.fill('#msg-content', '{"task": "sum", "values": [1, 2]}');
    await page.click('#msg-send');
    const direct = watcher.locator('#message-stream li', {hasText: 'e2e-worker → e2e-helper'});
    await direct.waitFor();
    assert.match(await direct.textContent(), /e2e-worker → e2e-helper · task.*"task":"sum"/);
    assert.equal(await watcher.evaluate(() => window.__sameDocument), true);
    await page.locator('#message-stream li', {hasText: 'e2e-worker → e2e-helper'}).waitFor();
    await shot(page, '08-entanglement');
    await watcher.context().close();
  });

  it('shows health, metrics, the temperature threshold, GPIO and a chart', async () => {
    await page.click('#nav a[data-page="health"]');
    await page.waitForSelector('#components tr[data-component="workflow_orchestrator"]');
    assert.match(await page.textContent('#card-cpu .value'), /%|n\/a/);
    assert.match(await page.textContent('#card-memory .value'), /%/);
    assert.match(await page.textContent('#card-disk .value'), /%/);
    assert.match(await page.textContent('#card-temp'), /threshold 80 °C/);
    assert.match(await page.textContent('#gpio'), /GPIO integration is off|driver/);
    assert.match(await page.textContent('#counts'), /Executions\s*3.*2 completed.*1 cancelled/);
    // A second sample draws the history as lines.
    await page.waitForSelector('#history-chart polyline.cpu', {state: 'attached', timeout: 15000});
    await shot(page, '09-health');
  });

  it('offers a viewer nothing it may not do', async () => {
    const user = await rest('POST', '/admin/users', {name: 'e2e-viewer', roles: ['viewer']});
    const {secret} = await rest('POST', `/admin/users/${user.id}/tokens`, {name: 'e2e'});
    const viewer = await newPage();
    await signIn(viewer, secret);
    await viewer.waitForSelector('#workflow-list');
    assert.equal(await viewer.locator('#new-workflow').count(), 0);
    await shot(viewer, '10-viewer-workflows');
    await viewer.click(`#workflow-list tr[data-id="${workflowId}"] a`);
    await viewer.waitForSelector('#workflow-graph .node');
    assert.equal(await viewer.locator('#save').count(), 0);
    assert.equal(await viewer.locator('#execute-panel').count(), 0);
    assert.equal(await viewer.getAttribute('#definition', 'readonly'), '');
    await viewer.goto(`${host.base}/chainbot/#/executions/${executionId}`);
    await viewer.waitForSelector('#execution-graph .node');
    assert.equal(await viewer.locator('#exec-controls button').count(), 0);
    await viewer.goto(`${host.base}/chainbot/#/agents`);
    await viewer.waitForSelector('#agent-list tr[data-name="e2e-worker"]');
    assert.equal(await viewer.locator('#spawn-form').count(), 0);
    assert.equal(await viewer.locator('#agent-list [data-action="terminate"]').count(), 0);
    await viewer.goto(`${host.base}/chainbot/#/entanglements/${entanglementId}`);
    await viewer.waitForSelector('#message-stream li[data-sequence]');
    assert.equal(await viewer.locator('#message-form').count(), 0);
    assert.equal(await viewer.locator('#entanglement-form').count(), 0);
    await viewer.context().close();
  });

  it('terminates an agent within the limits', async () => {
    await page.click('#nav a[data-page="agents"]');
    page.once('dialog', (d) => d.accept());
    await page.click('#agent-list tr[data-name="e2e-helper"] [data-action="terminate"]');
    await page.waitForSelector('#agent-list tr[data-name="e2e-helper"] [data-state="terminated"]');
  });

  it('fits a phone screen', async () => {
    const phone = await newPage({width: 390, height: 844}, {isMobile: true, hasTouch: true, deviceScaleFactor: 2});
    await signIn(phone, host.token, `#/executions/${executionId}`);
    await phone.waitForSelector('#execution-graph [data-step="finish"][data-state="completed"]');
    const widths = await phone.evaluate(() => ({doc: document.documentElement.scrollWidth, view: window.innerWidth}));
    assert.ok(widths.doc <= widths.view + 1, `the page is ${widths.doc}px wide on a ${widths.view}px screen`);
    await shot(phone, '11-phone-execution');
    await phone.click('#nav a[data-page="health"]');
    await phone.waitForSelector('#components tr[data-component="api"]');
    await shot(phone, '12-phone-health');
    await phone.context().close();
  });

  it('logged no script error, no refused resource and no CSP violation', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
