// SASL negotiation, RFC 6120 §6. Picks the strongest mechanism both sides have, enforces the
// client's policy (no PLAIN unless allowed and encrypted), runs the exchange and maps <failure/>
// to SaslError. Channel binding (RFC 5056) follows RFC 5802 §6's gs2 flag rules and XEP-0440 for
// the binding type.
import type { HashCrypto } from '../crypto/crypto.js';
import { xml, type XmlElement } from '../xml/element.js';
import { base64Decode, base64Encode } from './bytes.js';
import { NS_SASL, SaslError } from './errors.js';
import type { StreamReader } from './reader.js';
import { plainMechanism } from './sasl-plain.js';
import { scramMechanism, type ScramCache } from './sasl-scram.js';
import type { ChannelBindingType } from './transport.js';

export const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';

export interface SaslMechanism {
  name: string;
  initial(): Uint8Array;
  challenge(data: Uint8Array): Uint8Array;
  /** Verifies the additional data with success (SCRAM server signature); throws SaslError. */
  success(data: Uint8Array | undefined): void;
}

export interface SaslPolicy {
  crypto: HashCrypto;
  username: string;
  password: string;
  /** PLAIN sends the password itself: only if the application says so, and never without TLS. */
  allowPlain?: boolean;
  secure: boolean;
  /** Binding data by type, from the transport; absent when the host cannot give any. */
  channelBinding?: (type: ChannelBindingType) => Uint8Array | undefined;
  cache?: ScramCache;
  nonce?: string;
  /** SCRAM iteration counts accepted (see ScramOptions). */
  minIterations?: number;
  maxIterations?: number;
}

const PREFERENCE = ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const;
const CB_TYPES: ChannelBindingType[] = ['tls-exporter', 'tls-server-end-point'];

/** Mechanism names offered in <mechanisms/> and binding types from XEP-0440's <sasl-channel-binding/>. */
export function offeredMechanisms(features: XmlElement): { mechanisms: string[]; cbTypes: string[] | undefined } {
  const mechs = features.getChild('mechanisms', NS_SASL);
  const mechanisms = mechs ? mechs.getChildren('mechanism', NS_SASL).map((m) => m.text().trim()) : [];
  const cb = features.getChild('sasl-channel-binding', NS_SASL_CB);
  const cbTypes = cb ? cb.getChildren('channel-binding').map((c) => c.attr('type') ?? '') : undefined;
  return { mechanisms, cbTypes };
}

export function chooseMechanism(mechanisms: string[], cbTypes: string[] | undefined, p: SaslPolicy): SaslMechanism {
  // Binding type: one the server lists (XEP-0440) and the host can produce. Without a list we do
  // not guess: servers without XEP-0440 (ejabberd 23.01, Prosody 0.12) bind with tls-unique,
  // which RFC 9266 leaves undefined on TLS 1.3, and a wrong guess fails the login.
  let cbType: ChannelBindingType | undefined, cbData: Uint8Array | undefined;
  // "supports channel binding" (RFC 5802 §6) means: this connection can produce binding data
  const available = p.secure && p.channelBinding ? CB_TYPES.filter((t) => p.channelBinding!(t)) : [];
  const hostCanBind = available.length > 0;
  if (cbTypes) {
    for (const t of available) {
      if (!cbTypes.includes(t)) continue;
      cbType = t;
      cbData = p.channelBinding!(t);
      break;
    }
  }
  const serverOffersPlus = mechanisms.some((m) => m.endsWith('-PLUS'));
  for (const base of PREFERENCE) {
    const hash = base === 'SCRAM-SHA-256' ? 'sha256' : 'sha1';
    const common = { crypto: p.crypto, hash, username: p.username, password: p.password, cache: p.cache, nonce: p.nonce, minIterations: p.minIterations, maxIterations: p.maxIterations } as const;
    if (cbType && mechanisms.includes(`${base}-PLUS`)) {
      return scramMechanism(`${base}-PLUS`, { ...common, gs2Header: `p=${cbType},,`, channelBinding: cbData });
    }
  }
  for (const base of PREFERENCE) {
    const hash = base === 'SCRAM-SHA-256' ? 'sha256' : 'sha1';
    if (!mechanisms.includes(base)) continue;
    // RFC 5802 §6 (downgrade policy, README "Connecting to a server"): "y" = the client can bind
    // but saw no -PLUS; a server that does support binding then fails the login, which is how
    // stripping -PLUS on the path is caught. When -PLUS was seen but no type is usable (the
    // XEP-0440 list absent — it may have been stripped — or naming only types this connection
    // cannot produce), "y" would be false and fail every login to such servers (ejabberd 23.01):
    // RFC 5802 §6 allows "n" there. Protection then rests on the verified certificate.
    const gs2Header = hostCanBind && !serverOffersPlus ? 'y,,' : 'n,,';
    return scramMechanism(base, { crypto: p.crypto, hash, username: p.username, password: p.password, cache: p.cache, nonce: p.nonce, minIterations: p.minIterations, maxIterations: p.maxIterations, gs2Header });
  }
  if (mechanisms.includes('PLAIN')) {
    if (!p.allowPlain) throw new SaslError('invalid-mechanism', 'server offers only PLAIN and PLAIN is not allowed (options.allowPlain)');
    if (!p.secure) throw new SaslError('encryption-required', 'PLAIN refused without TLS');
    return plainMechanism(p.username, p.password);
  }
  throw new SaslError('invalid-mechanism', `no common SASL mechanism (server offers ${mechanisms.join(' ') || 'none'})`);
}

/** RFC 6120 §6.4.2: initial response in <auth/>; empty response is "=". */
export function authElement(mech: SaslMechanism): XmlElement {
  const initial = mech.initial();
  return xml('auth', { xmlns: NS_SASL, mechanism: mech.name }, initial.length ? base64Encode(initial) : '=');
}

/** Runs the exchange after <auth/> was sent, until <success/> (verified) or <failure/>. A challenge
 *  the client refuses (e.g. an iteration count past the cap) is answered with <abort/> (RFC 6120
 *  §6.4.4) before the SaslError is thrown. */
export async function saslExchange(reader: StreamReader, send: (el: XmlElement) => void, mech: SaslMechanism): Promise<void> {
  for (let rounds = 0; rounds < 4; rounds++) {
    const el = await reader.element('sasl');
    if (el.ns !== NS_SASL) throw new SaslError('malformed-request', `unexpected <${el.name}/> during SASL`);
    const data = el.text().trim();
    if (el.name === 'challenge') {
      let response: Uint8Array;
      try {
        response = mech.challenge(data ? decodePayload(data) : new Uint8Array(0));
      } catch (e) {
        send(xml('abort', { xmlns: NS_SASL }));
        throw asSaslError(e);
      }
      send(xml('response', { xmlns: NS_SASL }, base64Encode(response)));
    } else if (el.name === 'success') {
      try {
        mech.success(data && data !== '=' ? decodePayload(data) : undefined);
      } catch (e) {
        throw asSaslError(e);
      }
      return;
    } else if (el.name === 'failure') {
      throw SaslError.fromElement(el);
    } else throw new SaslError('malformed-request', `unexpected <${el.name}/> during SASL`);
  }
  throw new SaslError('malformed-request', 'too many SASL challenges');
}

/** RFC 6120 §6.5.2: SASL data that is not base64 is `incorrect-encoding`. */
function decodePayload(data: string): Uint8Array {
  try { return base64Decode(data); } catch { throw new SaslError('incorrect-encoding', 'SASL data from the server is not base64'); }
}

/** A mechanism's parse fault on the server's message (bad UTF-8 or base64 inside SCRAM attributes)
 *  is `malformed-request`, typed like every other SASL failure. */
function asSaslError(e: unknown): unknown {
  if (e instanceof SaslError || !(e instanceof RangeError)) return e;
  return new SaslError('malformed-request', `bad SASL message from the server (${e.message})`);
}
