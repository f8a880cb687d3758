// The module's live event feed (WebSocket /api/chainbot/ws), one connection per tab.
// Browsers cannot set headers on a WebSocket: the token goes as ?access_token=.
// Reconnects with backoff; after a reconnect or dropped events, listeners of 'resync'
// refetch what they show (events sent while away are not replayed).

const RECENT = 300;

export class Live {
  constructor(tokenFn) {
    this.tokenFn = tokenFn;
    this.ws = null;
    this.listeners = new Set();
    this.statusListeners = new Set();
    this.resyncListeners = new Set();
    this.recent = [];  // the last events seen, newest last: {topic, payload, received}
    this.state = 'closed';
    this.stopped = true;
    this.backoff = 500;
    this.opened = false;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.recent = [];
    this.setState('closed');
  }

  connect() {
    const token = this.tokenFn();
    if (!token || this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/chainbot/ws?topics=${encodeURIComponent('chainbot.*')}` +
                `&access_token=${encodeURIComponent(token)}`;
    this.setState('connecting');
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.backoff = 500;
      this.setState('open');
      if (this.opened) this.resync();
      this.opened = true;
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      if (msg.type === 'event') this.dispatch(msg.topic, msg.payload || {});
      else if (msg.type === 'dropped') this.resync();
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('closed');
      if (this.stopped) return;
      if (!opened && this.onRefused) this.onRefused();
      this.timer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }

  dispatch(topic, payload) {
    const e = {topic, payload, received: new Date()};
    this.recent.push(e);
    if (this.recent.length > RECENT) this.recent.shift();
    for (const l of [...this.listeners]) {
      if (l.re.test(topic)) {
        try { l.fn(topic, payload); } catch (err) { console.warn('live listener', err); }
      }
    }
  }

  /** on('chainbot.workflow.*', (topic, payload) => ...) → a function that removes it. */
  on(pattern, fn) {
    const l = {re: globToRegExp(pattern), fn};
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onStatus(fn) {
    this.statusListeners.add(fn);
    fn(this.state);
    return () => this.statusListeners.delete(fn);
  }

  onResync(fn) {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  resync() {
    for (const fn of [...this.resyncListeners]) fn();
  }

  setState(s) {
    this.state = s;
    for (const fn of [...this.statusListeners]) fn(s);
  }
}

/** The server's globs: `*` any run of characters (dots included), `?` one character. */
export function globToRegExp(glob) {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
