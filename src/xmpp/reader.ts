// Turns the stream's push events into awaitable reads for the negotiation steps (STARTTLS, SASL,
// bind), which are strictly request/response (RFC 6120 §5–§7), then hands the stream to the
// router. Every read has a deadline from the host clock and names the step it waits for; a
// <stream:error/> (RFC 6120 §4.9) or the connection closing fails the pending read.
//
// Nothing received is dropped silently (issue 9, item 1): the server may send stanzas right
// behind the element that ends negotiation (XEP-0198 §5: the unacknowledged queue follows
// <resumed/> in the same chunk). So the negotiation names that element in advance (`endsWith`);
// what arrives after it is kept, in order and without a count limit, until `handoff()` routes it
// and everything later directly. That list is bounded by the one transport chunk being parsed:
// negotiation finishes in promise jobs, before the host delivers the next chunk. Before that
// element, negotiation is lock-step and a flood is a fault: a stream error, never a discard.
import type { XmlElement } from '../xml/element.js';
import type { Clock, TimerHandle } from './clock.js';
import { StreamError, TimeoutError, type TimeoutStep } from './errors.js';

export const NS_STREAM = 'http://etherx.jabber.org/streams';

export type StreamEvent = { kind: 'start'; attrs: Record<string, string> } | { kind: 'element'; el: XmlElement };

/** Unread elements allowed before the element that ends negotiation (lock-step: 2 or 3 at most). */
const MAX_UNREAD = 16;

export class StreamReader {
  #queue: StreamEvent[] = [];
  #failure: Error | undefined;
  #waiter: { resolve: (e: StreamEvent) => void; reject: (e: Error) => void; timer: TimerHandle; match?: (el: XmlElement) => boolean } | undefined;
  #last: ((el: XmlElement) => boolean) | undefined;
  /** The element that ends negotiation has arrived: later ones belong to the router. */
  #ended = false;
  #sink: ((el: XmlElement) => void) | undefined;
  readonly #clock: Clock;
  readonly #timeout: number;

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeout = timeoutMs;
  }

  push(ev: StreamEvent): void {
    if (this.#sink) { if (ev.kind === 'element') this.#sink(ev.el); return; }
    if (this.#failure) return; // the stream is being torn down with that error
    if (!this.#ended) {
      if (ev.kind === 'element' && ev.el.name === 'error' && ev.el.ns === NS_STREAM) return this.fail(StreamError.fromElement(ev.el));
      if (this.#queue.length >= MAX_UNREAD) return this.fail(new StreamError('policy-violation', `more than ${MAX_UNREAD} unread negotiation elements`, undefined, true));
      if (ev.kind === 'element' && this.#last?.(ev.el)) this.#ended = true;
    } // else the router's, in order, stream errors too
    this.#queue.push(ev);
    this.#deliver();
  }

  /** The first element matching `last` ends negotiation (the bind or session result, <resumed/>). */
  endsWith(last: (el: XmlElement) => boolean): void {
    this.#last = last;
    this.#ended = this.#queue.some((ev) => ev.kind === 'element' && last(ev.el));
  }

  fail(error: Error): void {
    if (!this.#failure) this.#failure = error;
    this.#deliver();
  }

  get failed(): Error | undefined { return this.#failure; }

  /** Negotiation is over: what it did not read, then every later element, goes to `sink` in
   *  order. Throws the failure if the stream already failed (nothing is handed over then). */
  handoff(sink: (el: XmlElement) => void): void {
    if (this.#failure) throw this.#failure;
    const rest = this.#queue;
    this.#queue = [];
    this.#sink = sink;
    for (const ev of rest) if (ev.kind === 'element') sink(ev.el);
  }

  next(step: TimeoutStep, match?: (el: XmlElement) => boolean): Promise<StreamEvent> {
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiter = undefined;
        reject(new TimeoutError(step, this.#timeout));
      }, this.#timeout);
      this.#waiter = { resolve, reject, timer, match };
      this.#deliver();
    });
  }

  /** The first element matching `match`; the others stay queued, in order, for the router. */
  async find(step: TimeoutStep, match: (el: XmlElement) => boolean): Promise<XmlElement> {
    return ((await this.next(step, match)) as { el: XmlElement }).el;
  }

  /** Next element; a stream header here is a protocol violation. */
  async element(step: TimeoutStep): Promise<XmlElement> {
    const ev = await this.next(step);
    if (ev.kind !== 'element') throw new StreamError('invalid-xml', 'unexpected stream header', undefined, true);
    return ev.el;
  }

  /** RFC 6120 §4.3.2: the response stream header, then <stream:features/>. */
  async header(): Promise<Record<string, string>> {
    const ev = await this.next('features');
    if (ev.kind !== 'start') throw new StreamError('invalid-xml', `expected a stream header, got <${ev.el.name}/>`, undefined, true);
    return ev.attrs;
  }

  async features(): Promise<XmlElement> {
    const el = await this.element('features');
    if (el.name !== 'features' || el.ns !== NS_STREAM) throw new StreamError('invalid-xml', `expected <stream:features/>, got <${el.name}/>`, undefined, true);
    return el;
  }

  #deliver(): void {
    const w = this.#waiter;
    if (!w) return;
    const m = w.match;
    const i = m ? this.#queue.findIndex((ev) => ev.kind === 'element' && m(ev.el)) : this.#queue.length ? 0 : -1;
    if (i >= 0) { this.#waiter = undefined; this.#clock.clearTimeout(w.timer); w.resolve(this.#queue.splice(i, 1)[0]); }
    else if (this.#failure) { this.#waiter = undefined; this.#clock.clearTimeout(w.timer); w.reject(this.#failure); }
  }
}
