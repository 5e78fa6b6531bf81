// XEP-0199 XMPP Ping: answer pings (§4.1 "MUST ... return an IQ-result"), and ping the server to
// find a dead link (§4.2, c2s) — a timeout or no answer means the connection is gone.
import { xml } from '../xml/element.js';
import type { IqHandlers } from './iq-handlers.js';

export const NS_PING = 'urn:xmpp:ping';

export function registerPing(handlers: IqHandlers): void {
  handlers.register('get', 'ping', NS_PING, () => undefined);
}

export const pingElement = (to: string) => xml('iq', { type: 'get', to }, xml('ping', { xmlns: NS_PING }));
