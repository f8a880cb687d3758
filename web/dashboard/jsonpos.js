// Where each JSON path of a text is: the server reports validation problems by path
// ("$.steps[1].type"); the editor shows them at their place in the text.

export class JsonSyntaxError extends Error {
  constructor(message, pos) {
    super(message);
    this.pos = pos;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function childPath(parent, key) {
  return typeof key === 'number' ? `${parent}[${key}]`
       : IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Parses `text` (strict JSON) and returns {value, paths}: paths maps each path to
 * {start, end, keyStart} offsets (keyStart: where its member name starts, for members).
 * Throws JsonSyntaxError with the offset of the problem.
 */
export function locate(text) {
  let i = 0;
  const paths = new Map();
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const skip = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (msg) => { throw new JsonSyntaxError(msg, i); };
  const what = () => (i >= text.length ? 'the end of the text' : `'${text[i]}'`);

  function string() {
    const s = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] < ' ') fail('a control character inside a string');
      i++;
    }
    if (i >= text.length) { i = s; fail('a string that is never closed'); }
    i++;
    try { return JSON.parse(text.slice(s, i)); } catch { i = s; return fail('a bad escape in a string'); }
  }

  function value(path, keyStart) {
    skip();
    const start = i;
    let v;
    const c = text[i];
    if (c === '{') {
      v = {};
      i++; skip();
      if (text[i] === '}') i++;
      else for (;;) {
        skip();
        if (text[i] !== '"') fail(`expected a property name in quotes, found ${what()}`);
        const ks = i;
        const key = string();
        skip();
        if (text[i] !== ':') fail(`expected ':' after "${key}", found ${what()}`);
        i++;
        v[key] = value(childPath(path, key), ks);
        skip();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; break; }
        fail(`expected ',' or '}', found ${what()}`);
      }
    } else if (c === '[') {
      v = [];
      i++; skip();
      if (text[i] === ']') i++;
      else for (let n = 0; ; n++) {
        v.push(value(childPath(path, n)));
        skip();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; break; }
        fail(`expected ',' or ']', found ${what()}`);
      }
    } else if (c === '"') {
      v = string();
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail('a malformed number');
      i += m[0].length;
      v = Number(m[0]);
    } else {
      const lit = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (!lit) fail(`unexpected ${what()}`);
      i += lit.length;
      v = lit === 'true' ? true : lit === 'false' ? false : null;
    }
    paths.set(path, {start, end: i, keyStart: keyStart ?? start});
    return v;
  }

  const result = value('$');
  skip();
  if (i < text.length) fail(`unexpected ${what()} after the JSON value`);
  return {value: result, paths};
}

/** The text range of `path`, or of its nearest ancestor present in the text. */
export function rangeFor(paths, path) {
  let p = path;
  while (p) {
    if (paths.has(p)) return {...paths.get(p), path: p, exact: p === path};
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return paths.has('$') ? {...paths.get('$'), path: '$', exact: path === '$'} : null;
}

/** 1-based line and column of an offset. */
export function lineCol(text, pos) {
  let line = 1, last = -1;
  for (let k = 0; k < pos && k < text.length; k++) if (text[k] === '\n') { line++; last = k; }
  return {line, col: pos - last};
}
