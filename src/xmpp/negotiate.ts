// Stream negotiation, RFC 6120 §9 in order, with the round trips the RFC allows to save:
//   STARTTLS (§5): header + <starttls/> in one write; refused if not offered
//   SASL (§6): <auth/> in the same write as the post-TLS header when this server's mechanisms are
//     known from the last connection (they are remembered in `memory`)
//   restart + <resume/> (XEP-0198 §5) or <bind/> (§7) in one write; <enable/> and presence as
//     soon as the post-auth features are in (Negotiation.afterFeatures)
// Resolves true when XEP-0198 resumed the previous session, false for a new one (`n.jid` set).
import type { ClientOptions } from './client.js';
import type { XmlElement } from '../xml/element.js';
import { bindElement, bindResult, sessionElement, sessionRequired } from './bind.js';
import { ConnectionError, SaslError, StanzaError, StreamError } from './errors.js';
import type { StreamReader } from './reader.js';
import { authElement, chooseMechanism, offeredMechanisms, saslExchange, type SaslMechanism } from './sasl.js';
import type { ScramCache } from './sasl-scram.js';
import { awaitProceed, starttlsElement } from './starttls.js';
import { NS_SM, type StreamManagement } from './stream-management.js';
import type { XmlStream } from './stream.js';

/** What the last session taught about the server: lets the next login pipeline <auth/>. */
export interface ServerMemory { host: string; mechanisms: string[]; cbTypes: string[] | undefined }

export interface Negotiation {
  stream: XmlStream;
  reader: StreamReader;
  o: ClientOptions;
  starttls: boolean;
  domain: string;
  bare: string;
  local: string;
  sm: StreamManagement;
  scramCache: ScramCache;
  memory: ServerMemory | undefined;
  stats: { roundTrips: number; mechanism: string };
  /** Writes a stanza through the SM queue. */
  write(el: XmlElement): void;
  /** The previous session is gone: these stanzas were not confirmed. */
  lostSession(unconfirmed: XmlElement[]): void;
  /** Post-auth features arrived; `fresh` for a new session (send <enable/>, presence). */
  afterFeatures(features: XmlElement, fresh: boolean): void;
  /** Set to the bound full JID. */
  jid: string;
}

export async function negotiate(n: Negotiation): Promise<boolean> {
const { stream, reader, o, sm, stats } = n;
  const open = () => stream.open({ to: n.domain, from: n.bare, 'xml:lang': 'en' });
  const features = async () => { await reader.header(); return reader.features(); };

  if (n.starttls) {
    open();
    stream.send(starttlsElement());
    stats.roundTrips++;
    await awaitProceed(reader, await features());
    await stream.startTls();
    stats.roundTrips++;
  }
  if (!stream.secure) throw new ConnectionError('tls-required', 'transport is not encrypted');

  // SASL: pipeline <auth/> with the header if we know this server's mechanisms
  const policy = {
    crypto: o.crypto, username: n.local, password: o.password, allowPlain: o.allowPlain, secure: stream.secure,
    channelBinding: stream.channelBinding ? (t: Parameters<NonNullable<XmlStream['channelBinding']>>[0]) => stream.channelBinding!(t) : undefined,
    cache: n.scramCache, minIterations: o.minScramIterations, maxIterations: o.maxScramIterations,
  };
  const host = n.domain;
  let mech: SaslMechanism | undefined;
  open();
  const memory = n.memory?.host === host ? n.memory : undefined;
  if (memory) {
    mech = chooseMechanism(memory.mechanisms, memory.cbTypes, policy);
    stream.send(authElement(mech));
  }
  stats.roundTrips++;
  const saslFeatures = await features();
  const offered = offeredMechanisms(saslFeatures);
  if (offered.mechanisms.length === 0) throw new SaslError('invalid-mechanism', 'server offers no SASL mechanism');
  n.memory = { host, ...offered };
  if (!mech || !offered.mechanisms.includes(mech.name)) {
    if (mech) await reader.element(); // the <failure/> to our optimistic <auth/>
    mech = chooseMechanism(offered.mechanisms, offered.cbTypes, policy);
    stream.send(authElement(mech));
    stats.roundTrips++;
  }
  stats.mechanism = mech.name;
  try {
    await saslExchange(reader, (el) => { stats.roundTrips++; stream.send(el); }, mech);
  } catch (e) {
    n.memory = undefined; // next time negotiate without guessing
    throw e;
  }

  // restart (RFC 6120 §6.4.6) + resume or bind, in one write
  sm.beginStream();
  open();
  const resuming = o.streamManagement !== false && sm.canResume;
  const bindId = 'bind1';
  if (resuming) stream.send(sm.resumeElement());
  else stream.send(bindElement(bindId, o.resource));
  stats.roundTrips++;
  const sessionFeatures = await features();

  if (resuming) {
    const el = await reader.element();
    if (el.ns === NS_SM && el.name === 'resumed') {
      const resend = sm.onResumed(el);
      n.afterFeatures(sessionFeatures, false);
      for (const s of resend) n.write(s);
      return true;
    }
    if (!(el.ns === NS_SM && el.name === 'failed')) throw new StreamError('undefined-condition', `unexpected <${el.name}/> to <resume/>`, undefined, true);
    n.lostSession(sm.onResumeFailed(el));
    stream.send(bindElement(bindId, o.resource));
    stats.roundTrips++;
  }
  n.afterFeatures(sessionFeatures, true);
  const result = await reader.element();
  if (result.name !== 'iq' || result.attr('id') !== bindId) throw new StreamError('undefined-condition', `expected the bind result, got <${result.name}/>`, undefined, true);
  n.jid = bindResult(result);
  if (sessionRequired(sessionFeatures)) {
    stream.send(sessionElement('sess1'));
    stats.roundTrips++;
    const r = await reader.element();
    if (r.attr('type') !== 'result') throw StanzaError.fromElement(r);
  }
  // elements the server sent after the bind result (e.g. <enabled/>) are routed once online
  return false;
}
