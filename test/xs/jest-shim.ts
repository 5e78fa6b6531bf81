// A small jest look-alike so that the portable `*.spec.ts` suites run unchanged on XS, where
// there is no jest, no console and no timers. Bundled in front of each suite by tools/xs-test.js;
// never imported by src/. Timers are virtual: the Node side advances them when XS goes idle.

type Fn = () => unknown;
interface TestCase { name: string; fn: Fn; skip: boolean }
interface Suite { name: string; tests: TestCase[]; suites: Suite[]; beforeEach: Fn[]; afterEach: Fn[]; beforeAll: Fn[]; afterAll: Fn[] }

declare const issueCommand: (msg: ArrayBufferLike) => ArrayBuffer;

function send(message: unknown): void {
  const text = JSON.stringify(message);
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  for (const ch of text) {
    let c = ch.codePointAt(0)!;
    if (c < 0x80) bytes[n++] = c;
    else if (c < 0x800) { bytes[n++] = 0xc0 | (c >> 6); bytes[n++] = 0x80 | (c & 63); }
    else if (c < 0x10000) { bytes[n++] = 0xe0 | (c >> 12); bytes[n++] = 0x80 | ((c >> 6) & 63); bytes[n++] = 0x80 | (c & 63); }
    else { bytes[n++] = 0xf0 | (c >> 18); bytes[n++] = 0x80 | ((c >> 12) & 63); bytes[n++] = 0x80 | ((c >> 6) & 63); bytes[n++] = 0x80 | (c & 63); }
    c = 0;
  }
  issueCommand(bytes.slice(0, n).buffer);
}

const root: Suite = newSuite('');
let current = root;
function newSuite(name: string): Suite {
  return { name, tests: [], suites: [], beforeEach: [], afterEach: [], beforeAll: [], afterAll: [] };
}

function describe(name: string, body: () => void): void {
  const suite = newSuite(name);
  current.suites.push(suite);
  const parent = current;
  current = suite;
  try { body(); } finally { current = parent; }
}
describe.skip = (_name: string, _body: () => void): void => {};
describe.each = (rows: unknown[]) => (name: string, body: (...args: any[]) => void) => {
  for (const row of rows) describe(formatTitle(name, row), () => body(...(Array.isArray(row) ? row : [row])));
};

function test(name: string, fn: Fn, _timeout?: number): void {
  current.tests.push({ name, fn, skip: false });
}
test.skip = (name: string, fn: Fn): void => { current.tests.push({ name, fn, skip: true }); };
test.each = (rows: unknown[]) => (name: string, fn: (...args: any[]) => unknown) => {
  for (const row of rows) test(formatTitle(name, row), () => fn(...(Array.isArray(row) ? row : [row])));
};
function formatTitle(name: string, row: unknown): string {
  const args = Array.isArray(row) ? row : [row];
  let i = 0;
  return name.replace(/%[sdpijo#%]/g, (m) => (m === '%%' ? '%' : m === '%#' ? '' : String(args[i++])))
    .replace(/\$(\w+)/g, (_m, key) => (row && typeof row === 'object' ? String((row as any)[key]) : ''));
}

// --- virtual timers, advanced by the Node side through handleCommand('tick') ---
let now = 0;
let nextTimerId = 1;
const timers = new Map<number, { at: number; fn: Fn; every: number }>();
function setTimeout(fn: Fn, ms = 0): number {
  const id = nextTimerId++;
  timers.set(id, { at: now + Math.max(0, ms), fn, every: -1 });
  return id;
}
function setInterval(fn: Fn, ms = 0): number {
  const id = nextTimerId++;
  timers.set(id, { at: now + Math.max(1, ms), fn, every: Math.max(1, ms) });
  return id;
}
function clearTimeout(id: number): void { timers.delete(id); }
function fireNextTimer(): boolean {
  let first: [number, { at: number; fn: Fn; every: number }] | undefined;
  for (const entry of timers) if (!first || entry[1].at < first[1].at) first = entry;
  if (!first) return false;
  const [id, timer] = first;
  now = Math.max(now, timer.at);
  if (timer.every > 0) timer.at = now + timer.every; else timers.delete(id);
  timer.fn();
  return true;
}

// --- expect ---
class AssertionError extends Error {}

function isEqual(a: any, b: any, strict: boolean, seen = new Map<any, any>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !isEqual(v, b.get(k), strict, seen)) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set && b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (a instanceof Error && b instanceof Error && a.message !== b.message) return false;
  const keys = (o: any) => Object.keys(o).filter((k) => strict || o[k] !== undefined);
  const ka = keys(a), kb = keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !isEqual(a[k], b[k], strict, seen)) return false;
  return true;
}

function matchesObject(actual: any, expected: any): boolean {
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return isEqual(actual, expected, false);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e));
  }
  if (ArrayBuffer.isView(expected) || expected instanceof Date) return isEqual(actual, expected, false);
  return Object.keys(expected).every((k) => k in actual && matchesObject(actual[k], expected[k]));
}

function show(v: unknown): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    if (ArrayBuffer.isView(v)) return `${(v as any).constructor.name}[${Array.from(v as unknown as ArrayLike<number>).slice(0, 32).join(',')}]`;
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    return s === undefined ? String(v) : s.length > 400 ? s.slice(0, 400) + '…' : s;
  } catch { return String(v); }
}

function errorMatches(err: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof expected === 'function') return err instanceof (expected as any);
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (expected instanceof Error) return message === expected.message;
  if (typeof expected === 'object' && expected) return matchesObject(err, expected);
  return false;
}

function makeMatchers(actual: any, negate: boolean): any {
  const check = (pass: boolean, what: string) => {
    if (pass === negate) throw new AssertionError(`expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
  };
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e: unknown) => check(isEqual(actual, e, false), `to equal ${show(e)}`),
    toStrictEqual: (e: unknown) => check(isEqual(actual, e, true), `to strictly equal ${show(e)}`),
    toMatchObject: (e: unknown) => check(matchesObject(actual, e), `to match object ${show(e)}`),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeNull: () => check(actual === null, 'to be null'),
    toBeTruthy: () => check(!!actual, 'to be truthy'),
    toBeFalsy: () => check(!actual, 'to be falsy'),
    toBeNaN: () => check(Number.isNaN(actual), 'to be NaN'),
    toBeGreaterThan: (e: number) => check(actual > e, `to be > ${e}`),
    toBeGreaterThanOrEqual: (e: number) => check(actual >= e, `to be >= ${e}`),
    toBeLessThan: (e: number) => check(actual < e, `to be < ${e}`),
    toBeLessThanOrEqual: (e: number) => check(actual <= e, `to be <= ${e}`),
    toBeCloseTo: (e: number, digits = 2) => check(Math.abs(actual - e) < Math.pow(10, -digits) / 2, `to be close to ${e}`),
    toBeInstanceOf: (c: any) => check(actual instanceof c, `to be an instance of ${c?.name}`),
    toContain: (e: unknown) => check(typeof actual === 'string' ? actual.includes(e as string) : Array.from(actual).includes(e), `to contain ${show(e)}`),
    toContainEqual: (e: unknown) => check(Array.from(actual as any[]).some((x) => isEqual(x, e, false)), `to contain equal ${show(e)}`),
    toHaveLength: (n: number) => check(actual?.length === n, `to have length ${n}`),
    toHaveProperty: (key: string, value?: unknown) => check(actual != null && key in actual && (arguments.length < 2 || value === undefined || isEqual(actual[key], value, false)), `to have property ${key}`),
    toMatch: (re: RegExp | string) => check(typeof re === 'string' ? String(actual).includes(re) : re.test(String(actual)), `to match ${String(re)}`),
    toThrow: (expected?: unknown) => {
      let threw = false, err: unknown;
      try { actual(); } catch (e) { threw = true; err = e; }
      if (negate) { if (threw) throw new AssertionError(`expected no throw, got ${show(err)}`); return; }
      if (!threw) throw new AssertionError('expected function to throw');
      if (!errorMatches(err, expected)) throw new AssertionError(`thrown ${show(err)} does not match ${show(expected)}`);
    },
  };
}

function expect(actual: any): any {
  const m = makeMatchers(actual, false);
  m.not = makeMatchers(actual, true);
  m.resolves = new Proxy({}, { get: (_t, key: string) => async (...args: unknown[]) => makeMatchers(await actual, false)[key](...args) });
  m.rejects = new Proxy({}, {
    get: (_t, key: string) => async (...args: unknown[]) => {
      let err: unknown, threw = false;
      try { await actual; } catch (e) { threw = true; err = e; }
      if (!threw) throw new AssertionError('expected promise to reject');
      if (key === 'toThrow') { if (!errorMatches(err, args[0])) throw new AssertionError(`rejection ${show(err)} does not match ${show(args[0])}`); return; }
      return makeMatchers(err, false)[key](...args);
    },
  });
  return m;
}
expect.any = (c: any) => ({ asymmetricMatch: (x: any) => x instanceof c || typeof x === c.name.toLowerCase() });
expect.assertions = (_n: number) => {};

// --- runner ---
async function runSuite(suite: Suite, path: string[], inherited: { before: Fn[]; after: Fn[] }): Promise<void> {
  const names = suite.name ? [...path, suite.name] : path;
  const before = [...inherited.before, ...suite.beforeEach];
  const after = [...suite.afterEach, ...inherited.after];
  try { for (const f of suite.beforeAll) await f(); }
  catch (e) { send({ type: 'result', name: [...names, 'beforeAll'].join(' › '), ok: false, error: show(e) }); return; }
  for (const t of suite.tests) {
    const name = [...names, t.name].join(' › ');
    if (t.skip) { send({ type: 'result', name, skipped: true }); continue; }
    try {
      for (const f of before) await f();
      await t.fn();
      for (const f of after) await f();
      send({ type: 'result', name, ok: true });
    } catch (e) {
      send({ type: 'result', name, ok: false, error: show(e) + (e instanceof Error && e.stack ? `\n${e.stack}` : '') });
    }
  }
  for (const s of suite.suites) await runSuite(s, names, { before, after });
  for (const f of suite.afterAll) try { await f(); } catch { /* reported by tests */ }
}

const g = globalThis as any;
Object.assign(g, {
  describe, test, it: test, expect, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout,
  beforeEach: (f: Fn) => current.beforeEach.push(f), afterEach: (f: Fn) => current.afterEach.push(f),
  beforeAll: (f: Fn) => current.beforeAll.push(f), afterAll: (f: Fn) => current.afterAll.push(f),
  console: { log: (...a: unknown[]) => send({ type: 'log', text: a.map((x) => (typeof x === 'string' ? x : show(x))).join(' ') }) },
  handleCommand: (msg: ArrayBuffer) => {
    const text = String.fromCharCode(...new Uint8Array(msg));
    if (text === 'tick') return new Uint8Array([fireNextTimer() ? 49 : 48]).buffer; // '1' or '0'
    if (text === 'run') {
      runSuite(root, [], { before: [], after: [] }).then(
        () => send({ type: 'done' }),
        (e) => send({ type: 'done', error: show(e) }),
      );
    }
    return new ArrayBuffer(0);
  },
});
g.console.error = g.console.warn = g.console.info = g.console.debug = g.console.log;
