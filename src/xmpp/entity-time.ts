// XEP-0202 Entity Time. A spime without an RTC asks its server for the time (§3 request/response)
// and corrects for half the round trip; it answers others' queries from its own clock only once
// it knows the time (otherwise <service-unavailable/> rather than a wrong date, §3: an entity that
// cannot answer returns an error).
import { xml, type XmlElement } from '../xml/element.js';
import type { Clock } from './clock.js';
import { StanzaError } from './errors.js';
import type { IqHandlers } from './iq-handlers.js';

export const NS_TIME = 'urn:xmpp:time';

export const timeRequest = (to: string): XmlElement => xml('iq', { type: 'get', to }, xml('time', { xmlns: NS_TIME }));

/** XEP-0082 DateTime "CCYY-MM-DDThh:mm:ss[.sss]Z" (or with offset) → ms since the epoch. */
export function parseUtc(result: XmlElement): number {
  const utc = result.getChild('time', NS_TIME)?.getChildText('utc', NS_TIME)?.trim();
  const ms = utc && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(utc) ? Date.parse(utc) : NaN;
  if (!Number.isFinite(ms)) throw new StanzaError('bad-request', 'modify', `bad <utc/> in time response: ${utc}`);
  return ms;
}

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `offset()` gives the correction to add to clock.now() (0 until synchronised, then updated). */
export function registerEntityTime(handlers: IqHandlers, clock: Clock, synced: () => boolean, offset: () => number): void {
  handlers.register('get', 'time', NS_TIME, () => {
    if (!synced()) throw new StanzaError('service-unavailable', 'cancel', 'no clock yet');
    return xml('time', { xmlns: NS_TIME }, xml('tzo', null, '+00:00'), xml('utc', null, formatUtc(clock.now() + offset())));
  });
}
