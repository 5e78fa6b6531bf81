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
// Dates are made strictly increasing, with milliseconds where needed, so no two entries share a
// (osid, date).
import type { DataEntry } from '../openspime/data.js';
import type { FlashLog, LogEntry } from '../storage/log.js';
import type { Clock } from '../xmpp/clock.js';
import { formatEntryDate, SpimeClock, type ClockSource } from './clock.js';
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
  /** The latest UTC the spime has known. */
  lastUtc: number;
  /** Per recent boot: UTC at its monotonic 0, exact (a clock set it) or a lower bound. */
  boots: Array<{ boot: number; start: number; exact: boolean }>;
}

const STATE_VERSION = 1;
const MAX_BOOTS = 8;

function put48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32), lo = v >>> 0;
  b[o] = (hi >>> 8) & 0xff; b[o + 1] = hi & 0xff; b[o + 2] = lo >>> 24; b[o + 3] = (lo >>> 16) & 0xff; b[o + 4] = (lo >>> 8) & 0xff; b[o + 5] = lo & 0xff;
}
function get48(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 2 ** 32 + (((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0);
}

export function encodeAppState(s: AppState): Uint8Array {
  const out = new Uint8Array(14 + 9 * s.boots.length);
  out[0] = STATE_VERSION;
  out[1] = s.boot >>> 8; out[2] = s.boot & 0xff;
  out[3] = s.refused >>> 24; out[4] = (s.refused >>> 16) & 0xff; out[5] = (s.refused >>> 8) & 0xff; out[6] = s.refused & 0xff;
  put48(out, 7, Math.max(0, Math.round(s.lastUtc)));
  out[13] = s.boots.length;
  s.boots.forEach((b, i) => {
    const o = 14 + 9 * i;
    out[o] = b.boot >>> 8; out[o + 1] = b.boot & 0xff;
    put48(out, o + 2, Math.max(0, Math.round(b.start)));
    out[o + 8] = b.exact ? 1 : 0;
  });
  return out;
}

export function decodeAppState(b: Uint8Array | undefined): AppState | undefined {
  if (!b || b.length < 14 || b[0] !== STATE_VERSION || b.length !== 14 + 9 * b[13]) return undefined;
  const boots: AppState['boots'] = [];
  for (let i = 0; i < b[13]; i++) {
    const o = 14 + 9 * i;
    boots.push({ boot: (b[o] << 8) | b[o + 1], start: get48(b, o + 2), exact: b[o + 8] === 1 });
  }
  return { boot: (b[1] << 8) | b[2], refused: ((b[3] << 24) | (b[4] << 16) | (b[5] << 8) | b[6]) >>> 0, lastUtc: get48(b, 7), boots };
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
    const boots = (prev?.boots ?? []).filter((b) => b.boot !== boot).slice(-(MAX_BOOTS - 1));
    boots.push({ boot, start: lastUtc, exact: false });
    this.#state = { boot, refused: prev?.refused ?? 0, lastUtc, boots };
    // This boot's floor must be past every date already given, also to entries still in flash
    // whose last STATE did not record them (the floor dates readings of a boot that never knows UTC).
    let floor = lastUtc;
    for (let from = o.log.tail; from < o.log.nextSeq;) {
      const chunk = o.log.read(64, from);
      if (!chunk.length) break;
      for (const e of chunk) {
        const r = decodeOrUndefined(e);
        const d = r && dateWithBoots(r, boots, undefined, boot);
        if (d !== undefined && d > floor) floor = d;
      }
      from = chunk[chunk.length - 1].seq + 1;
    }
    this.#state.lastUtc = floor;
    boots[boots.length - 1].start = floor + 1;
  }

  get boot(): number { return this.#state.boot; }

  /** Counts the boot in flash and starts sampling and sending. */
  start(): void {
    if (this.#running || this.#halted) return;
    this.#running = true;
    this.#flash(() => this.#writeState());
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
    this.#sampleTimer = this.#t.setTimeout(() => this.#sample(), this.#o.samplePeriodMs ?? 60_000);
    this.#checkGps();
    this.takeReading();
  }

  /** Takes one reading now (the scheduler calls this every period). Returns its seq. */
  takeReading(): number | undefined {
    if (this.#halted) return undefined;
    const raw = this.#o.read();
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
      me.exact = true;
      this.#state.lastUtc = Math.max(this.#state.lastUtc, me.start + Math.round(this.#mono()));
      this.#flash(() => this.#writeState());
    }
    if (now > this.#state.lastUtc) this.#state.lastUtc = Math.round(now);
    if (had !== this.clock.source) this.#emit({ type: 'clock', source: this.clock.source });
    this.#pump();
  }

  /** UTC of a stored reading, or undefined if it was taken this boot and no clock is known yet.
   *  A function of what is stored only: a report resent after a reboot carries the same dates. */
  #dateOf(r: StoredReading): number | undefined {
    return dateWithBoots(r, this.#state.boots, this.#state.boot, this.#state.boot);
  }

  // --- sending

  #oldestAge(): number | undefined {
    const [tail] = this.#log.read(1);
    const r = tail && decodeOrUndefined(tail);
    if (!r) return undefined;
    if (r.boot !== undefined && r.boot === this.#state.boot) return this.#mono() - r.time;
    const date = this.#dateOf(r);
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
    for (const e of this.#log.read(max)) {
      const r = decodeOrUndefined(e);
      const date = r && this.#dateOf(r);
      if (r === undefined) {
        // unreadable although its CRC held: a bug's bytes, never sent
        if (batch.entries.length) break;
        this.#refuse(e.seq, 'bad-format', { date: formatEntryDate(Math.max(1, this.#state.lastUtc)) });
        return this.#nextBatch();
      }
      if (date === undefined) break; // wait for the clock
      const entry: DataEntry = { date: formatEntryDate(date), ...r.values };
      const size = entryBytes(entry);
      if (batch.entries.length && predictedReportBytes(plain + size) > budget) { batch.full = true; break; }
      plain += size;
      if (date > batch.maxDate) batch.maxDate = date;
      batch.entries.push(entry);
      batch.seqs.push(e.seq);
    }
    if (!batch.entries.length) return undefined;
    batch.first = batch.seqs[0];
    batch.last = batch.seqs[batch.seqs.length - 1];
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

function decodeOrUndefined(e: LogEntry): StoredReading | undefined {
  try { return decodeReading(e.payload); } catch { return undefined; }
}

/** A stored reading's UTC: its own if dated; else its boot's start (exact, or the floor) plus its
 *  monotonic time; undefined for the current boot while `currentBootKnown` says no clock. */
function dateWithBoots(r: StoredReading, boots: AppState['boots'], currentBoot: number | undefined, thisBoot: number): number | undefined {
  if (r.boot === undefined) return r.time;
  const b = boots.find((x) => x.boot === r.boot);
  if (r.boot === thisBoot && (currentBoot === undefined || !b?.exact)) return undefined;
  // a boot that never knew the time: it began after the latest UTC known then (its floor)
  const start = b ? b.start : Math.min(...boots.map((x) => x.start));
  return start + r.time;
}
