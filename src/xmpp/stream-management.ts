// XEP-0198 Stream Management (urn:xmpp:sm:3): counts handled stanzas both ways, answers and asks
// for acks, keeps the stanzas the server has not acknowledged (bounded), and resumes.
// State lives across connections (the client keeps one instance); `begin*()` mark the start of a
// new stream. h counters wrap at 2^32 (§4 "the value of 'h' ... MUST wrap to zero").
import { xml, type XmlElement } from '../xml/element.js';
import { ConnectionError, StreamError } from './errors.js';

export const NS_SM = 'urn:xmpp:sm:3';
const MOD = 2 ** 32;

export const isStanza = (el: XmlElement): boolean =>
  (el.name === 'iq' || el.name === 'message' || el.name === 'presence') && (el.ns === 'jabber:client' || el.ns === '');

export interface SmOptions {
  /** Unacknowledged stanzas kept for resending; `track` throws `resource-constraint` beyond. */
  maxUnacked?: number;
}

export class StreamManagement {
  /** <enable/> was sent on this stream: outbound stanzas count from then on (§4). */
  sending = false;
  /** <enabled/> received on this stream: inbound stanzas count from then on. */
  receiving = false;
  /** Resumption id (§5) when the server allowed resumption. */
  id: string | undefined;
  /** Preferred reconnection host[:port] from <enabled location/>. */
  location: string | undefined;
  #inbound = 0;
  #acked = 0;
  #unacked: XmlElement[] = [];
  #ackRequested = false;
  readonly #max: number;

  constructor(o: SmOptions = {}) {
    this.#max = o.maxUnacked ?? 64;
  }

  get unacked(): readonly XmlElement[] { return this.#unacked; }
  get inbound(): number { return this.#inbound; }
  get canResume(): boolean { return this.id !== undefined; }
  get full(): boolean { return this.sending && this.#unacked.length >= this.#max; }

  /** New stream, before enable/resume: nothing counts until then. */
  beginStream(): void {
    this.sending = false;
    this.receiving = false;
    this.#ackRequested = false;
  }

  enableElement(): XmlElement {
    this.sending = true;
    this.#acked = 0;
    return xml('enable', { xmlns: NS_SM, resume: 'true' });
  }

  resumeElement(): XmlElement {
    return xml('resume', { xmlns: NS_SM, previd: this.id, h: this.#inbound });
  }

  onEnabled(el: XmlElement): void {
    this.receiving = true;
    this.#inbound = 0;
    const resume = el.attr('resume');
    this.id = resume === 'true' || resume === '1' ? el.attr('id') : undefined;
    this.location = el.attr('location');
  }

  /** <failed/> to <enable/>: no SM on this stream; what was queued is not guaranteed. */
  onEnableFailed(): XmlElement[] {
    this.sending = false;
    return this.#forget();
  }

  /** <resumed/> (§5): the server got `h` of ours; returns the rest, to be sent again in order. */
  onResumed(el: XmlElement): XmlElement[] {
    this.#ack(el.attr('h'));
    this.sending = true;
    this.receiving = true;
    const resend = this.#unacked;
    this.#unacked = [];
    return resend;
  }

  /** <failed/> to <resume/>: a new session follows. Returns the stanzas the server did not
   *  confirm (XEP-0198 §5: <failed/> may carry 'h'), which the application must handle. */
  onResumeFailed(el: XmlElement): XmlElement[] {
    // The old session is gone whatever 'h' says: forget it first, so a bad 'h' can never keep
    // the client resuming a dead session instead of binding a new one. An 'h' that is not a count
    // of what we sent (malformed, too high) confirms nothing: every unacked stanza is reported.
    this.id = undefined;
    this.#inbound = 0;
    if (el.attr('h') !== undefined) {
      try { this.#ack(el.attr('h')); } catch { /* unusable h: report all */ }
    }
    return this.#forget();
  }

  /** Session lost without resumption: the same report. */
  reset(): XmlElement[] {
    this.id = undefined;
    this.#inbound = 0;
    this.sending = this.receiving = false;
    return this.#forget();
  }

  /** An outbound stanza is about to be written. Throws before anything is written if the queue is full. */
  track(el: XmlElement): void {
    if (!this.sending) return;
    if (this.#unacked.length >= this.#max) throw new ConnectionError('resource-constraint', `${this.#max} stanzas await acknowledgement`);
    this.#unacked.push(el);
  }

  /** An <r/> should follow the stanzas just written, unless one is outstanding. */
  wantsRequest(): boolean {
    if (!this.sending || this.#ackRequested || this.#unacked.length === 0) return false;
    this.#ackRequested = true;
    return true;
  }

  /** An inbound stanza was handled (§4: "handled" = processed by the client). */
  countInbound(): void {
    if (this.receiving) this.#inbound = (this.#inbound + 1) % MOD;
  }

  /** SM nonzas on an established stream; returns what to send back (an <a/>, another <r/>). */
  handle(el: XmlElement): XmlElement | undefined {
    if (el.name === 'r') return xml('a', { xmlns: NS_SM, h: this.#inbound });
    if (el.name === 'a') {
      this.#ack(el.attr('h'));
      this.#ackRequested = false;
      if (this.wantsRequest()) return xml('r', { xmlns: NS_SM });
    }
    return undefined;
  }

  ackElement(): XmlElement {
    return xml('a', { xmlns: NS_SM, h: this.#inbound });
  }

  #ack(hAttr: string | undefined): void {
    const h = Number(hAttr);
    if (!Number.isInteger(h) || h < 0 || h >= MOD) throw new StreamError('undefined-condition', `bad SM h="${hAttr}"`, undefined, true);
    const n = (h - this.#acked + MOD) % MOD;
    if (n > this.#unacked.length) {
      // §4: a server acknowledging more than we sent is an error; the stream is closed with
      // <undefined-condition/><handled-count-too-high/>
      throw new StreamError('undefined-condition', `handled-count-too-high: h=${h}, ${this.#unacked.length} unacked after ${this.#acked}`, undefined, true);
    }
    this.#unacked.splice(0, n);
    this.#acked = h;
  }

  #forget(): XmlElement[] {
    const lost = this.#unacked;
    this.#unacked = [];
    this.#acked = 0;
    return lost;
  }
}
