// The spime application (issue 10): sample the sensors at a period, store every reading in the
// flash log before anything else, and send batches as signed, encrypted reports until the
// ScopeNode has acknowledged each one. Platform-neutral: the flash, timers, sensors, clock sources
// and the report sender are given.
//
// Store and forward: a reading is appended to the log when taken; the log's tail advances only on
// the ScopeNode's result for the report that carried it. Whatever breaks in between — a power
// cut, a lost session (XEP-0198 `unconfirmed`, the request rejects), a server restart — the
// entries are still in flash and go again (the ScopeNode ignores ones it has, PROTOCOL.md §7.4).
// One report is in flight at a time, from the tail, so reports leave in order and acks are a
// prefix of the log.
//
// Dating: a reading takes the best UTC the spime has (SpimeClock: GPS, then XEP-0202 server
// time, kept on the monotonic clock). Before any clock this boot it is stored with its monotonic
// time and boot number, and dated when sent: exactly once the clock is known (boot start = UTC −
// monotonic), or — for a boot that ended before knowing the time — from a lower bound (the latest
// UTC the spime had seen when that boot began), so it is never sent dated 1970 and never dropped.
// A boot on flash that had never known UTC has no lower bound: its readings wait, undated, until
// a later boot learns the time, which dates them (with its own undated ones, in log order) 1 ms
// apart from one margin past the time it learnt, and above every date given before (the STATE's
// watermark) — never in the past, where the same identity may have sent dates from a flash it had
// before a reset (the ScopeNode would take a real reading there for a resend and drop it). No
// entry is sent before the clock has reached its date, so every date sent is already past when it
// goes: that is what makes a later flash reset safe. Dates are strictly increasing, with
// milliseconds where needed, so no two entries share a (osid, date). A boot's record (its start)
// lives as long as its undated readings: in the STATE, or past MAX_BOOTS in a marker entry behind
// them in the log, so a resend never carries another date.
import type { DataEntry } from '../openspime/data.js';
import type { FlashLog, LogEntry } from '../storage/log.js';
import type { Clock } from '../xmpp/clock.js';
import { formatPreciseDateTime } from '../openspime/datetime.js';
import { SpimeClock, type ClockSource } from './clock.js';
import { decodeReading, encodeReading, quantizeValues, type ReadingValues, type StoredReading } from './entry-codec.js';
import { classifyFailure, conditionOf } from './failure.js';
import { entryBytes, predictedReportBytes, type ReportSender } from './report-sender.js';

export interface SpimeAppOptions {
  log: FlashLog;
  /** Monotonic time and timers (the host's). */
  timers: Clock;
  sender: ReportSender;
  /** The current reading's values (e.g. SensorManager.entry(0) without its date); undefined: none. */
  read: () => ReadingValues | undefined;
  /** GPS UTC ms, when the receiver has given a time. */
  gpsTime?: () => number | undefined;
  /** XEP-0202 server time (Client.syncTime), asked when online and the clock is not from GPS. */
  serverTime?: () => Promise<number>;
  /** Names of the sensors currently in fault (for the status). */
  sensorFaults?: () => string[];
  samplePeriodMs?: number;
  /** Per-quantity periods where they differ from samplePeriodMs (e.g. pressure every 10 min). A
   *  reading then carries the quantities that are due; the scheduler ticks at the shortest period. */
  periodsMs?: Partial<Record<Quantity, number>>;
  /** Position more often while moving: this period once the position has moved `movingMeters`
   *  (default 25 m) from the last one taken. */
  movingPeriodMs?: number;
  movingMeters?: number;
  /** A report carries up to this many entries… */
  maxEntries?: number;
  /** …or what has waited this long. */
  maxWaitMs?: number;
  /** The sealed report stanza stays under this. */
  maxStanzaBytes?: number;
  /** Log overflow policy: false (default) the log drops its oldest unsent readings for new ones;
   *  true a reading that would make it drop one is not taken (counted in status().skipped). */
  keepOldest?: boolean;
  /** Stated on every reading (v0.9 data field), when the sensors do not say. */
  exposure?: 'indoor' | 'outdoor';
  /** Transient failures: first retry delay, doubling up to max. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** A refusal that is our own fault waits this long before trying again. */
  faultBackoffMs?: number;
  /** Re-ask the server's time this often (ms) while it is the clock's source. */
  resyncMs?: number;
  onEvent?: (event: SpimeEvent) => void;
}

/** What can be sampled on its own period: position is lat, lon and ele together. */
export type Quantity = 'position' | 'exposure' | 'ppm' | 'temperature' | 'humidity' | 'pressure';
const QUANTITY_FIELDS: Readonly<Record<Quantity, ReadonlyArray<keyof ReadingValues>>> = {
  position: ['lat', 'lon', 'ele'], exposure: ['exposure'], ppm: ['ppm'], temperature: ['temperature'], humidity: ['humidity'], pressure: ['pressure'],
};
const QUANTITIES = Object.keys(QUANTITY_FIELDS) as Quantity[];

export type SpimeEvent =
  | { type: 'sampled'; seq: number; dated: boolean }
  | { type: 'sent'; entries: number; first: number; last: number }
  | { type: 'acked'; entries: number; last: number }
  | { type: 'retry'; condition: string; kind: 'transient' | 'own-fault'; inMs: number }
  | { type: 'refused'; condition: string; seq: number; entry: DataEntry }
  | { type: 'dropped'; count: number }
  | { type: 'skipped'; total: number }
  | { type: 'reconfigured'; samplePeriodMs: number; maxEntries: number; maxWaitMs: number }
  | { type: 'clock'; source: ClockSource }
  | { type: 'halted'; error: unknown };

export interface SpimeStatus {
  online: boolean;
  boot: number;
  /** Entries in flash not yet acknowledged. */
  pending: number;
  /** Age of the oldest of them, ms (undefined when none, or not known yet). */
  oldestUnsentMs: number | undefined;
  /** The last acknowledged report: how many entries, its last seq, when (UTC ms, or undefined). */
  lastAck: { entries: number; seq: number; at: number | undefined } | undefined;
  reportsAcked: number;
  entriesAcked: number;
  /** Dropped because the flash was full (persisted, travels as data/@dropped). */
  dropped: number;
  /** Dropped because the ScopeNode refused their content (persisted). */
  refused: number;
  /** Readings not taken because the log was full and the policy keeps the oldest (this boot). */
  skipped: number;
  /** The sampling and batching in force. */
  samplePeriodMs: number;
  maxEntries: number;
  maxWaitMs: number;
  sensorFaults: string[];
  clock: ClockSource;
  /** A refusal that is our own fault, while it lasts. */
  fault: { condition: string; retryAt: number } | undefined;
  halted: boolean;
}

/** The application's STATE blob in the log: boot counter, refusals, and per boot its start in UTC. */
interface AppState {
  boot: number;
  refused: number;
  /** The latest UTC the spime has known, and the highest date it has given (the watermark). */
  lastUtc: number;
  /** Per recent boot: UTC at its monotonic 0, exact (a clock set it) or a lower bound; 0: none
   *  known (no UTC known on this flash before that boot). */
  boots: BootRecord[];
  /** Undated entries with seq in [from, to] are dated base + (seq − from): the readings of boots
   *  that had no lower bound, dated by the first boot that learnt the time. */
  rule?: SeqDating;
}

interface BootRecord { boot: number; start: number; exact: boolean }

interface SeqDating { from: number; to: number; base: number }

const STATE_VERSION = 2;
const MAX_BOOTS = 16;
/** A seq-dated reading starts this far past the clock that dated it: the XEP-0202 server time has
 *  whole seconds, so the clock may be up to 1 s behind UTC, and the dates must not be in the past. */
export const UNDATED_MARGIN_MS = 1000;
/** An entry dated ahead of the clock waits for it (see above), but never longer than this: a clock
 *  set back by more is wrong about the spime's history, and waiting would only stop the reports. */
const MAX_HOLD_MS = 60_000;

function put48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32), lo = v >>> 0;
  b[o] = (hi >>> 8) & 0xff; b[o + 1] = hi & 0xff; b[o + 2] = lo >>> 24; b[o + 3] = (lo >>> 16) & 0xff; b[o + 4] = (lo >>> 8) & 0xff; b[o + 5] = lo & 0xff;
}
function get48(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 2 ** 32 + (((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0);
}

const put32 = (b: Uint8Array, o: number, v: number) => { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff; };
const get32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

// STATE v2: u8 version | u16 boot | u32 refused | u48 lastUtc | u8 boots | u8 rule? |
//           [u32 from | u32 to | u48 base] | boots × (u16 boot | u48 start | u8 exact). v1 had no rule byte.
export function encodeAppState(s: AppState): Uint8Array {
  const head = 15 + (s.rule ? 14 : 0);
  const out = new Uint8Array(head + 9 * s.boots.length);
  out[0] = STATE_VERSION;
  out[1] = s.boot >>> 8; out[2] = s.boot & 0xff;
  put32(out, 3, s.refused);
  put48(out, 7, Math.max(0, Math.round(s.lastUtc)));
  out[13] = s.boots.length;
  if (s.rule) { out[14] = 1; put32(out, 15, s.rule.from); put32(out, 19, s.rule.to); put48(out, 23, s.rule.base); }
  s.boots.forEach((b, i) => {
    const o = head + 9 * i;
    out[o] = b.boot >>> 8; out[o + 1] = b.boot & 0xff;
    put48(out, o + 2, Math.max(0, Math.round(b.start)));
    out[o + 8] = b.exact ? 1 : 0;
  });
  return out;
}

export function decodeAppState(b: Uint8Array | undefined): AppState | undefined {
  if (!b || b.length < 14 || (b[0] !== 1 && b[0] !== STATE_VERSION)) return undefined;
  const hasRule = b[0] === STATE_VERSION && b[14] === 1;
  const head = b[0] === 1 ? 14 : 15 + (hasRule ? 14 : 0);
  if (b.length !== head + 9 * b[13]) return undefined;
  const boots: AppState['boots'] = [];
  for (let i = 0; i < b[13]; i++) {
    const o = head + 9 * i;
    boots.push({ boot: (b[o] << 8) | b[o + 1], start: get48(b, o + 2), exact: b[o + 8] === 1 });
  }
  const s: AppState = { boot: (b[1] << 8) | b[2], refused: get32(b, 3), lastUtc: get48(b, 7), boots };
  if (hasRule) s.rule = { from: get32(b, 15), to: get32(b, 19), base: get48(b, 23) };
  return s;
}

interface Batch { first: number; last: number; entries: DataEntry[]; seqs: number[]; maxDate: number; full: boolean }

export class SpimeApp {
  readonly clock: SpimeClock;
  readonly #o: SpimeAppOptions;
  readonly #log: FlashLog;
  readonly #t: Clock;
  readonly #mono0: number;
  readonly #state: AppState;
  #online = false;
  #running = false;
  #halted = false;
  #sending: Promise<void> | undefined;
  #sampleTimer: unknown;
  #wakeTimer: unknown;
  #retryTimer: unknown;
  #retryAt = 0;
  #retryDelay: number;
  #fault: SpimeStatus['fault'];
  #lastMono = -1;
  #lastAck: SpimeStatus['lastAck'];
  #reportsAcked = 0;
  #entriesAcked = 0;
  /** Bisecting a refused batch: at most this many entries while the tail is at or below `until`. */
  #split: { limit: number; until: number } | undefined;
  #lastResync = -Infinity;
  /** The last report was full (by count or size): a backlog, sent on without waiting for T. */
  #draining = false;

  #skipped = 0;

  constructor(o: SpimeAppOptions) {
    this.#o = { ...o }; // reconfigure() changes our copy, never the caller's object
    this.#log = o.log;
    this.#t = o.timers;
    this.#mono0 = o.timers.now();
    this.clock = new SpimeClock(() => this.#mono());
    this.#retryDelay = o.retryInitialMs ?? 2000;
    const prev = decodeAppState(o.log.state);
    const boot = prev ? (prev.boot + 1) & 0xffff : 0;
    const lastUtc = prev?.lastUtc ?? 0;
    const known = (prev?.boots ?? []).filter((b) => b.boot !== boot);
    const rule = prev?.rule && prev.rule.to >= o.log.tail ? prev.rule : undefined;
    this.#scan(() => undefined, (m) => this.#markers.set(m.boot, m));
    const find = (id: number) => this.#markers.get(id) ?? known.find((b) => b.boot === id);
    // This boot's floor must be past every date already given, also to entries still in flash
    // whose last STATE did not record them (the floor dates readings of a boot that never knows UTC).
    let floor = lastUtc;
    const inLog = new Set<number>();
    this.#scan((seq, r) => {
      if (r.boot !== undefined) inLog.add(r.boot);
      const d = dateOf(r, seq, find, rule, undefined);
      if (d !== undefined && d > floor) floor = d;
    });
    // a boot whose readings are still in flash keeps its record (their dates need it) in the STATE,
    // or, past MAX_BOOTS, in a marker appended to the log behind them (start() writes it)
    const boots = known.filter((b) => inLog.has(b.boot) && !this.#markers.has(b.boot));
    for (const b of boots.splice(0, Math.max(0, boots.length - (MAX_BOOTS - 1)))) { this.#toMark.push(b); this.#markers.set(b.boot, b); }
    boots.push({ boot, start: floor > 0 ? floor + 1 : 0, exact: false });
    this.#state = { boot, refused: prev?.refused ?? 0, lastUtc: floor, boots, rule };
  }

  /** Boot records kept as marker entries in the log, and those to write at start. */
  readonly #markers = new Map<number, BootRecord>();
  readonly #toMark: BootRecord[] = [];

  /** Visits the readable entries in flash from the tail, in order (and the boot markers). */
  #scan(visit: (seq: number, r: StoredReading) => void, marker?: (m: BootRecord) => void): void {
    for (let from = this.#log.tail; from < this.#log.nextSeq;) {
      const chunk = this.#log.read(64, from);
      if (!chunk.length) break;
      for (const e of chunk) {
        const m = decodeMarker(e.payload);
        if (m) { marker?.(m); continue; }
        const r = decodeOrUndefined(e);
        if (r) visit(e.seq, r);
      }
      from = chunk[chunk.length - 1].seq + 1;
    }
  }

  get boot(): number { return this.#state.boot; }

  /** Counts the boot in flash and starts sampling and sending. */
  start(): void {
    if (this.#running || this.#halted) return;
    this.#running = true;
    // markers first: the STATE that no longer holds those records is written only after them
    this.#flash(() => { for (const m of this.#toMark.splice(0)) this.#log.append(encodeMarker(m)); this.#writeState(); });
    this.#checkGps();
    // online already (setOnline came before start): ask the server's time now, not at the next session
    void this.#resync();
    this.#sample();
    this.#pump();
  }

  /** Stops timers; resolves when the report in flight (if any) has settled. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#clearTimers();
    await this.#sending?.catch(() => undefined);
  }

  /** The link is up (the XMPP session is online) or down. */
  setOnline(online: boolean): void {
    if (this.#online === online) return;
    this.#online = online;
    if (!online || !this.#running) return;
    // a new session: what was in flight is lost or answered; resend now, not after the backoff
    if (!this.#fault) { this.#clearRetry(); this.#retryDelay = this.#o.retryInitialMs ?? 2000; }
    void this.#resync();
    this.#pump();
  }

  status(): SpimeStatus {
    return {
      online: this.#online,
      boot: this.#state.boot,
      pending: this.#log.pending,
      oldestUnsentMs: this.#halted ? undefined : this.#oldestAge(),
      lastAck: this.#lastAck && { ...this.#lastAck },
      reportsAcked: this.#reportsAcked,
      entriesAcked: this.#entriesAcked,
      dropped: this.#log.dropped,
      refused: this.#state.refused,
      skipped: this.#skipped,
      samplePeriodMs: this.#o.samplePeriodMs ?? 60_000,
      maxEntries: this.#o.maxEntries ?? 20,
      maxWaitMs: this.#o.maxWaitMs ?? 300_000,
      sensorFaults: this.#o.sensorFaults?.() ?? [],
      clock: this.clock.source,
      fault: this.#fault && { ...this.#fault },
      halted: this.#halted,
    };
  }

  /**
   * Changes sampling, batching and the overflow policy live (the configuration extension,
   * PROTOCOL.md §13): a new period starts now (the next reading one new period from now), and
   * whether a report is due is decided again at once with the new batch size and wait.
   */
  reconfigure(c: Pick<SpimeAppOptions, 'samplePeriodMs' | 'maxEntries' | 'maxWaitMs' | 'keepOldest' | 'exposure'>): void {
    for (const [k, v] of [['samplePeriodMs', c.samplePeriodMs], ['maxEntries', c.maxEntries], ['maxWaitMs', c.maxWaitMs]] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`reconfigure: ${k} ${v}`);
    }
    const o = this.#o;
    const periodChanged = c.samplePeriodMs !== undefined && c.samplePeriodMs !== (o.samplePeriodMs ?? 60_000);
    if (c.samplePeriodMs !== undefined) o.samplePeriodMs = Math.max(1, c.samplePeriodMs);
    if (c.maxEntries !== undefined) o.maxEntries = Math.max(1, Math.floor(c.maxEntries));
    if (c.maxWaitMs !== undefined) o.maxWaitMs = c.maxWaitMs;
    if ('keepOldest' in c) o.keepOldest = c.keepOldest;
    if ('exposure' in c) o.exposure = c.exposure;
    this.#emit({ type: 'reconfigured', samplePeriodMs: o.samplePeriodMs ?? 60_000, maxEntries: o.maxEntries ?? 20, maxWaitMs: o.maxWaitMs ?? 300_000 });
    if (!this.#running) return;
    if (periodChanged) {
      if (this.#sampleTimer !== undefined) this.#t.clearTimeout(this.#sampleTimer);
      this.#sampleTimer = this.#t.setTimeout(() => this.#sample(), o.samplePeriodMs!);
    }
    this.#pump();
  }

  // --- sampling

  #mono(): number { return this.#t.now() - this.#mono0; }

  #sample(): void {
    if (!this.#running) return;
    const tick = this.#tickMs();
    this.#sampleTimer = this.#t.setTimeout(() => this.#sample(), tick);
    this.#checkGps();
    this.takeReading(this.#o.periodsMs || this.#o.movingPeriodMs ? (q, v) => this.#quantityDue(q, v, tick) : undefined);
  }

  #periodOf(q: Quantity): number {
    return this.#o.periodsMs?.[q] ?? this.#o.samplePeriodMs ?? 60_000;
  }

  #tickMs(): number {
    return Math.min(...QUANTITIES.map((q) => this.#periodOf(q)), this.#o.movingPeriodMs ?? Infinity);
  }

  /** Monotonic time each quantity was last taken, and the last position taken. */
  #lastTaken = new Map<Quantity, number>();
  #lastPosition: { lat: number; lon: number } | undefined;

  /** Whether quantity `q` is due at this tick (half a tick early counts: timers jitter). */
  #quantityDue(q: Quantity, v: ReadingValues, tick: number): boolean {
    const last = this.#lastTaken.get(q);
    if (last === undefined) return true;
    let period = this.#periodOf(q);
    if (q === 'position' && this.#o.movingPeriodMs !== undefined && this.#lastPosition && v.lat !== undefined && v.lon !== undefined
      && metresBetween(this.#lastPosition, { lat: v.lat, lon: v.lon }) >= (this.#o.movingMeters ?? 25)) period = Math.min(period, this.#o.movingPeriodMs);
    return this.#mono() - last >= period - tick / 2;
  }

  /** Takes one reading now (the scheduler calls this every period), of the quantities `due` says
   *  (default: all). Returns its seq. */
  takeReading(due?: (q: Quantity, values: ReadingValues) => boolean): number | undefined {
    if (this.#halted) return undefined;
    let raw = this.#o.read();
    if (raw && due) {
      const all = raw;
      const picked: ReadingValues = {};
      for (const q of QUANTITIES) {
        if (!QUANTITY_FIELDS[q].some((f) => all[f] !== undefined) || !due(q, all)) continue;
        for (const f of QUANTITY_FIELDS[q]) if (all[f] !== undefined) (picked as Record<string, unknown>)[f] = all[f];
      }
      raw = picked;
    }
    const values = raw && quantizeValues(raw);
    if (!values || Object.keys(values).length === 0) return undefined;
    if (this.#o.exposure && values.exposure === undefined) values.exposure = this.#o.exposure;

    const mono = Math.max(Math.round(this.#mono()), this.#lastMono + 1);
    const utc = this.clock.now();
    let reading: StoredReading;
    const time = utc !== undefined ? Math.max(Math.round(utc), this.#state.lastUtc + 1) : mono;
    if (utc !== undefined) reading = { time, values };
    else reading = { time: mono, boot: this.#state.boot, values };
    const bytes = encodeReading(reading);
    if (this.#o.keepOldest && this.#log.wouldDrop(bytes.length)) {
      this.#skipped++;
      this.#emit({ type: 'skipped', total: this.#skipped });
      return undefined;
    }
    this.#lastMono = mono;
    if (utc !== undefined) this.#state.lastUtc = time;
    const before = this.#log.dropped;
    const seq = this.#flash(() => this.#log.append(bytes));
    if (seq === undefined) return undefined;
    for (const q of QUANTITIES) if (QUANTITY_FIELDS[q].some((f) => values[f] !== undefined)) this.#lastTaken.set(q, mono);
    if (values.lat !== undefined && values.lon !== undefined) this.#lastPosition = { lat: values.lat, lon: values.lon };
    if (this.#log.dropped > before) this.#emit({ type: 'dropped', count: this.#log.dropped - before });
    this.#emit({ type: 'sampled', seq, dated: utc !== undefined });
    this.#pump();
    return seq;
  }

  // --- clock

  #checkGps(): void {
    const gps = this.#o.gpsTime?.();
    if (gps !== undefined) this.#setClock(gps, 'gps');
  }

  async #resync(): Promise<void> {
    if (!this.#o.serverTime || this.clock.source === 'gps' || !this.#online) return;
    if (this.clock.source === 'server' && this.#mono() - this.#lastResync < (this.#o.resyncMs ?? 3_600_000)) return;
    this.#lastResync = this.#mono();
    try {
      const utc = await this.#o.serverTime();
      if (this.#running) this.#setClock(utc, 'server');
    } catch {
      this.#lastResync = -Infinity; // asked again on the next session or pump
    }
  }

  #setClock(utc: number, source: 'gps' | 'server'): void {
    const had = this.clock.source;
    if (!this.clock.set(utc, source)) return;
    const now = this.clock.now()!;
    const me = this.#state.boots[this.#state.boots.length - 1];
    if (!me.exact) {
      // this boot's undated readings can be dated from now on: remember how, in flash. Never
      // before the floor (a clock a little behind must not put them before the last boot's).
      me.start = Math.max(Math.round(utc - this.#mono()), me.start);
      const from = this.#firstUndatable();
      me.exact = true;
      // (one rule at a time: a live rule means UTC was known, so every later boot has a floor)
      if (from !== undefined && !this.#state.rule) {
        // readings of boots with no lower bound, and this boot's undated ones after them (order):
        // 1 ms apart, past the watermark and past now — never where an earlier flash's dates were
        const rule = { from, to: this.#log.nextSeq - 1, base: Math.max(this.#state.lastUtc + 1, Math.round(now) + UNDATED_MARGIN_MS) };
        this.#state.rule = rule;
        this.#state.lastUtc = Math.max(this.#state.lastUtc, rule.base + rule.to - rule.from);
      }
      this.#state.lastUtc = Math.max(this.#state.lastUtc, me.start + Math.round(this.#mono()));
      this.#flash(() => this.#writeState());
    }
    if (now > this.#state.lastUtc) this.#state.lastUtc = Math.round(now);
    if (had !== this.clock.source) this.#emit({ type: 'clock', source: this.clock.source });
    this.#pump();
  }

  /** UTC of a stored reading, or undefined if it was taken this boot and no clock is known yet.
   *  A function of what is stored only: a report resent after a reboot carries the same dates. */
  #dateOf(r: StoredReading, seq: number): number | undefined {
    const me = this.#state.boots[this.#state.boots.length - 1];
    return dateOf(r, seq, (id) => this.#state.boots.find((b) => b.boot === id) ?? this.#markers.get(id), this.#state.rule, me.exact ? undefined : me.boot);
  }

  /** The seq of the first reading in flash that no boot can date: an earlier boot's, on flash that
   *  knew no UTC before it. */
  #firstUndatable(): number | undefined {
    let first: number | undefined;
    const me = this.#state.boot;
    this.#scan((seq, r) => {
      if (first === undefined && r.boot !== undefined && r.boot !== me && this.#dateOf(r, seq) === undefined) first = seq;
    });
    return first;
  }

  /** UTC now, or a lower bound of it (this boot's floor) before the clock; undefined: none. */
  #notBefore(): number | undefined {
    const now = this.clock.now();
    if (now !== undefined) return now;
    const me = this.#state.boots[this.#state.boots.length - 1];
    return me.start > 0 ? me.start + this.#mono() : undefined;
  }

  // --- sending

  #oldestAge(): number | undefined {
    const [tail] = this.#log.read(1);
    const r = tail && decodeOrUndefined(tail);
    if (!r) return undefined;
    if (r.boot !== undefined && r.boot === this.#state.boot) return this.#mono() - r.time;
    const date = this.#dateOf(r, tail.seq);
    const now = this.clock.now();
    return date === undefined || now === undefined ? undefined : Math.max(0, now - date);
  }

  #due(): boolean {
    if (this.#draining || this.#log.pending >= (this.#o.maxEntries ?? 20)) return true;
    const age = this.#oldestAge();
    // undefined: a reading from an earlier boot whose age cannot be told yet — long enough
    if (age === undefined || age >= (this.#o.maxWaitMs ?? 300_000)) return true;
    this.#scheduleWake((this.#o.maxWaitMs ?? 300_000) - age);
    return false;
  }

  #scheduleWake(ms: number): void {
    if (this.#wakeTimer !== undefined) this.#t.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = this.#t.setTimeout(() => { this.#wakeTimer = undefined; this.#pump(); }, Math.max(1, ms));
  }

  #nextBatch(): Batch | undefined {
    const max = Math.min(this.#o.maxEntries ?? 20, this.#split && this.#log.tail <= this.#split.until ? this.#split.limit : Infinity);
    const budget = this.#o.maxStanzaBytes ?? 16384;
    const batch: Batch = { first: -1, last: -1, entries: [], seqs: [], maxDate: 0, full: false };
    let plain = 0;
    batch.full = this.#log.pending > max;
    const notBefore = this.#notBefore();
    let last = -1;
    for (const e of this.#log.read(max)) {
      if (decodeMarker(e.payload)) {
        // a boot marker is not sent; it leaves the log with the entries before it
        if (batch.entries.length) { last = e.seq; continue; }
        this.#flash(() => this.#log.acknowledge(e.seq));
        return this.#halted ? undefined : this.#nextBatch();
      }
      const r = decodeOrUndefined(e);
      const date = r && this.#dateOf(r, e.seq);
      if (r === undefined) {
        // unreadable although its CRC held: a bug's bytes, never sent
        if (batch.entries.length) break;
        this.#refuse(e.seq, 'bad-format', { date: formatPreciseDateTime(Math.max(1, this.#state.lastUtc)) });
        return this.#nextBatch();
      }
      if (date === undefined) break; // wait for the clock
      const entry: DataEntry = { date: formatPreciseDateTime(date), ...r.values };
      const size = entryBytes(entry);
      if (batch.entries.length && predictedReportBytes(plain + size) > budget) { batch.full = true; break; }
      plain += size;
      if (date > batch.maxDate) batch.maxDate = date;
      batch.entries.push(entry);
      batch.seqs.push(e.seq);
      last = e.seq;
    }
    if (!batch.entries.length) return undefined;
    // a report goes once all its dates have passed (see the top of this file): held as one batch,
    // not trickled out an entry at a time
    const ahead = notBefore === undefined ? 0 : batch.maxDate - notBefore;
    if (ahead > 0 && ahead <= MAX_HOLD_MS) { this.#scheduleWake(ahead); return undefined; }
    batch.first = batch.seqs[0];
    batch.last = last;
    return batch;
  }

  #pump(): void {
    if (!this.#running || this.#sending || !this.#online || this.#retryTimer !== undefined || this.#log.pending === 0) return;
    if (!this.#due()) return;
    const batch = this.#nextBatch();
    if (!batch) { void this.#resync(); return; } // the oldest entries wait for a clock
    if (this.#wakeTimer !== undefined) { this.#t.clearTimeout(this.#wakeTimer); this.#wakeTimer = undefined; }
    const sent = this.#o.sender.send(batch.entries, this.#log.dropped, Math.max(0, this.#log.pending - batch.entries.length));
    this.#emit({ type: 'sent', entries: batch.entries.length, first: batch.first, last: batch.last });
    this.#sending = sent.then(() => this.#acked(batch), (e) => this.#failed(batch, e)).finally(() => {
      this.#sending = undefined;
      this.#pump();
    });
  }

  #acked(batch: Batch): void {
    if (!this.#running) return; // the device went down meanwhile: the next boot resends
    // the STATE goes with the ack when the latest UTC moved: a later boot's floor is past these dates
    const moved = batch.maxDate > this.#persistedUtc || this.#state.lastUtc > this.#persistedUtc;
    if (batch.maxDate > this.#state.lastUtc) this.#state.lastUtc = batch.maxDate;
    // STATE first: a cut between the two then only means a resend, never a floor that is too low
    this.#flash(() => { if (moved) this.#writeState(); this.#log.acknowledge(batch.last); });
    if (this.#halted) return;
    this.#reportsAcked++;
    this.#entriesAcked += batch.entries.length;
    this.#lastAck = { entries: batch.entries.length, seq: batch.last, at: this.clock.now() };
    this.#retryDelay = this.#o.retryInitialMs ?? 2000;
    this.#fault = undefined;
    this.#draining = batch.full || (this.#split !== undefined && this.#log.pending > 0);
    if (this.#split && this.#log.tail > this.#split.until) this.#split = undefined;
    this.#emit({ type: 'acked', entries: batch.entries.length, last: batch.last });
  }

  #failed(batch: Batch, e: unknown): void {
    if (!this.#running) return;
    const condition = conditionOf(e);
    const kind = classifyFailure(e);
    if (kind === 'content') {
      if (batch.entries.length > 1) {
        this.#split = { limit: Math.ceil(batch.entries.length / 2), until: this.#split ? Math.max(this.#split.until, batch.last) : batch.last };
        return; // the finally's pump sends the first half now
      }
      this.#refuse(batch.first, condition, batch.entries[0]);
      // the rest goes as one batch again (split anew if another bad entry is in it)
      this.#split = undefined;
      this.#draining = this.#log.pending > 0;
      return;
    }
    const inMs = kind === 'own-fault' ? this.#o.faultBackoffMs ?? 900_000 : this.#retryDelay;
    if (kind === 'transient') this.#retryDelay = Math.min(this.#retryDelay * 2, this.#o.retryMaxMs ?? 120_000);
    else this.#fault = { condition, retryAt: this.#mono() + inMs };
    this.#retryAt = this.#mono() + inMs;
    this.#retryTimer = this.#t.setTimeout(() => { this.#retryTimer = undefined; this.#pump(); }, inMs);
    this.#emit({ type: 'retry', condition, kind, inMs });
  }

  /** One entry the ScopeNode will never take: it leaves the log, counted, and is reported. */
  #refuse(seq: number, condition: string, entry: DataEntry): void {
    this.#state.refused++;
    this.#flash(() => { this.#writeState(); this.#log.acknowledge(seq); });
    this.#emit({ type: 'refused', condition, seq, entry });
  }

  // --- plumbing

  /** A flash operation; if the flash fails (on the simulation: a power cut) the application stops
   *  at once, as the device would — nothing after it may act on a half-done write. */
  #flash<T>(op: () => T): T | undefined {
    if (this.#halted) return undefined;
    try {
      return op();
    } catch (e) {
      this.#halted = true;
      this.#running = false;
      this.#clearTimers();
      this.#emit({ type: 'halted', error: e });
      return undefined;
    }
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) this.#t.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #clearTimers(): void {
    for (const t of [this.#sampleTimer, this.#wakeTimer, this.#retryTimer]) if (t !== undefined) this.#t.clearTimeout(t);
    this.#sampleTimer = this.#wakeTimer = this.#retryTimer = undefined;
  }

  #persistedUtc = 0;

  #writeState(): void {
    this.#log.setState(encodeAppState(this.#state));
    this.#persistedUtc = this.#state.lastUtc;
  }

  #emit(ev: SpimeEvent): void {
    try { this.#o.onEvent?.(ev); } catch { /* a listener's bug is not the spime's */ }
  }

  get retryAt(): number { return this.#retryAt; }
}

/** Great-circle distance (haversine), m: enough to tell moving from standing. */
function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function decodeOrUndefined(e: LogEntry): StoredReading | undefined {
  try { return decodeReading(e.payload); } catch { return undefined; }
}

/** A stored reading's UTC: its own if dated; by the seq rule if it covers it; else its boot's start
 *  (exact, or the floor) plus its monotonic time. Undefined for the boot `undatedBoot` (the current
 *  one, before its clock) and for a boot with no start (no UTC known on the flash before it). */
function dateOf(r: StoredReading, seq: number, find: (boot: number) => BootRecord | undefined, rule: SeqDating | undefined, undatedBoot: number | undefined): number | undefined {
  if (r.boot === undefined) return r.time;
  if (rule && seq >= rule.from && seq <= rule.to) return rule.base + (seq - rule.from);
  if (r.boot === undatedBoot) return undefined;
  // no record (none is lost: the STATE or a marker behind the readings keeps it): wait
  const start = find(r.boot)?.start ?? 0;
  return start > 0 ? start + r.time : undefined;
}

// A boot marker: a log entry that is not a reading (its first byte is not a reading version),
// holding one boot's record for its readings in front of it. u8 0xB0 | u16 boot | u48 start | u8 exact
const MARKER = 0xb0;

function encodeMarker(b: BootRecord): Uint8Array {
  const out = new Uint8Array(10);
  out[0] = MARKER; out[1] = b.boot >>> 8; out[2] = b.boot & 0xff;
  put48(out, 3, Math.max(0, Math.round(b.start)));
  out[9] = b.exact ? 1 : 0;
  return out;
}

function decodeMarker(p: Uint8Array): BootRecord | undefined {
  if (p.length !== 10 || p[0] !== MARKER) return undefined;
  return { boot: (p[1] << 8) | p[2], start: get48(p, 3), exact: p[9] === 1 };
}
