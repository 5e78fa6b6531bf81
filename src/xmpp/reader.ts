// Turns the stream's push events into awaitable reads for the negotiation steps (STARTTLS, SASL,
// bind), which are strictly request/response (RFC 6120 §5–§7). Every read has a deadline from the
// host clock; a <stream:error/> (RFC 6120 §4.9) or the connection closing fails the pending read.
import type { XmlElement } from '../xml/element.js';
import type { Clock, TimerHandle } from './clock.js';
import { ConnectionError, StreamError } from './errors.js';

export const NS_STREAM = 'http://etherx.jabber.org/streams';

export type StreamEvent = { kind: 'start'; attrs: Record<string, string> } | { kind: 'element'; el: XmlElement };

export class StreamReader {
  #queue: StreamEvent[] = [];
  #failure: Error | undefined;
  #waiter: { resolve: (e: StreamEvent) => void; reject: (e: Error) => void; timer: TimerHandle } | undefined;
  readonly #clock: Clock;
  readonly #timeout: number;

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeout = timeoutMs;
  }

  push(ev: StreamEvent): void {
    if (ev.kind === 'element' && ev.el.name === 'error' && ev.el.ns === NS_STREAM) return this.fail(StreamError.fromElement(ev.el));
    // bounded: negotiation is lock-step, a server flooding us before we read is broken
    if (this.#queue.length >= 16) return this.fail(new StreamError('policy-violation', 'too many unread negotiation elements', undefined, true));
    this.#queue.push(ev);
    this.#deliver();
  }

  fail(error: Error): void {
    if (!this.#failure) this.#failure = error;
    this.#deliver();
  }

  get failed(): Error | undefined { return this.#failure; }

  /** What arrived but was not read (handed to the router when negotiation ends). */
  drain(): StreamEvent[] {
    const q = this.#queue;
    this.#queue = [];
    return q;
  }

  next(): Promise<StreamEvent> {
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiter = undefined;
        reject(new ConnectionError('connection-timeout', `no answer from the server within ${this.#timeout} ms`));
      }, this.#timeout);
      this.#waiter = { resolve, reject, timer };
      this.#deliver();
    });
  }

  /** Next element; a stream header here is a protocol violation. */
  async element(): Promise<XmlElement> {
    const ev = await this.next();
    if (ev.kind !== 'element') throw new StreamError('invalid-xml', 'unexpected stream header', undefined, true);
    return ev.el;
  }

  /** RFC 6120 §4.3.2: the response stream header, then <stream:features/>. */
  async header(): Promise<Record<string, string>> {
    const ev = await this.next();
    if (ev.kind !== 'start') throw new StreamError('invalid-xml', `expected a stream header, got <${ev.el.name}/>`, undefined, true);
    return ev.attrs;
  }

  async features(): Promise<XmlElement> {
    const el = await this.element();
    if (el.name !== 'features' || el.ns !== NS_STREAM) throw new StreamError('invalid-xml', `expected <stream:features/>, got <${el.name}/>`, undefined, true);
    return el;
  }

  #deliver(): void {
    const w = this.#waiter;
    if (!w) return;
    if (this.#queue.length) { this.#waiter = undefined; this.#clock.clearTimeout(w.timer); w.resolve(this.#queue.shift()!); }
    else if (this.#failure) { this.#waiter = undefined; this.#clock.clearTimeout(w.timer); w.reject(this.#failure); }
  }
}
