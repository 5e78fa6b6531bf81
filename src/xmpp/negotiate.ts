// Stream negotiation, RFC 6120 §9 in order, with the round trips the RFC allows to save:
//   STARTTLS (§5): header + <starttls/> in one write; refused if not offered
//   SASL (§6): <auth/> in the same write as the post-TLS header when this server's mechanisms are
//     known from the last connection (they are remembered in `memory`)
//   restart + <resume/> (XEP-0198 §5) or <bind/> (§7) in one write; <enable/> and presence as
//     soon as the post-auth features are in (Negotiation.afterFeatures) — except on a server that
//     still requires RFC 3921 <session/>: there they follow the session result, so nothing the
//     server sends in reply (<enabled/>, presence, offline messages) can be read as that result
// Every wait has a deadline: each read (StreamReader), the TLS handshake (withDeadline). The
// reader is told which element ends negotiation, so what the server sends right behind it (the
// resent queue after <resumed/>) goes to the router, never into a bounded negotiation queue.
// Resolves true when XEP-0198 resumed the previous session, false for a new one (`n.jid` set).
import type { ClientOptions } from './client.js';
import type { XmlElement } from '../xml/element.js';
import { bindElement, bindResult, sessionElement, sessionRequired } from './bind.js';
import { withDeadline } from './deadline.js';
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
  /** An unpredictable id for the bind and session iqs. */
  newId(): string;
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
    await withDeadline(o.clock, o.tlsTimeoutMs ?? 15000, 'tls', stream.startTls());
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
    if (mech) await reader.element('sasl'); // the <failure/> to our optimistic <auth/>
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
  const resuming = o.streamManagement !== false && sm.canResume;
  const bindId = n.newId();
  const isBindResult = (el: XmlElement) => el.name === 'iq' && el.attr('id') === bindId;
  reader.endsWith(resuming ? (el) => el.ns === NS_SM && el.name === 'resumed' : isBindResult);
  open();
  if (resuming) stream.send(sm.resumeElement());
  else stream.send(bindElement(bindId, o.resource));
  stats.roundTrips++;
  const sessionFeatures = await features();
  const sessionId = sessionRequired(sessionFeatures) ? n.newId() : undefined;
  const isSessionResult = (el: XmlElement) => el.name === 'iq' && el.attr('id') === sessionId && (el.attr('type') === 'result' || el.attr('type') === 'error');
  const last = sessionId ? isSessionResult : isBindResult;
  if (!resuming) reader.endsWith(last);

  if (resuming) {
    const el = await reader.element('resume');
    if (el.ns === NS_SM && el.name === 'resumed') {
      const resend = sm.onResumed(el);
      n.afterFeatures(sessionFeatures, false);
      for (const s of resend) n.write(s);
      return true;
    }
    if (!(el.ns === NS_SM && el.name === 'failed')) throw new StreamError('undefined-condition', `unexpected <${el.name}/> to <resume/>`, undefined, true);
    n.lostSession(sm.onResumeFailed(el));
    reader.endsWith(last);
    stream.send(bindElement(bindId, o.resource));
    stats.roundTrips++;
  }
  if (!sessionId) n.afterFeatures(sessionFeatures, true);
  const result = await reader.element('bind');
  if (!isBindResult(result)) throw new StreamError('undefined-condition', `expected the bind result, got <${result.name}/>`, undefined, true);
  n.jid = bindResult(result);
  if (sessionId) {
    stream.send(sessionElement(sessionId));
    stats.roundTrips++;
    // anything else before the answer (a stanza to the new full JID) stays queued for the router
    const r = await reader.find('session', isSessionResult);
    if (r.attr('type') !== 'result') throw StanzaError.fromElement(r);
    n.afterFeatures(sessionFeatures, true);
  }
  // elements the server sent after the last negotiation read (e.g. <enabled/>) are routed once online
  return false;
}
