// Receiving side of the core container (docs/PROTOCOL.md §4.4), the pipeline of v0.9 §1.0.1 and
// §1.2.1: parse → local checks (algorithm, allow-list, osid covers the sender, claim-key body,
// sizes, the extension's precheck) → claimed spime's key → verify claim key → originator's key
// (XEP-0189, cached, per-peer quota) → verify signature over SignedInfo → decrypt. Every failure
// is an OpenSpimeError with the profile's condition. openIqContainer is the shared iq path of the
// report and claim handlers.
import type { Crypto, RsaPrivateKey, RsaPublicKey } from '../crypto/crypto.js';
import { xml, type XmlElement } from '../xml/element.js';
import { parseDocument } from '../xml/document.js';
import { claimKeySignatureValid, precheckClaimKey, type ClaimKeyBody } from './claimkey.js';
import { parseContainer, type Container } from './container.js';
import { OpenSpimeError, stanzaErrorFor } from './errors.js';
import { bareJid, canonicalJid, jidCovers } from './jid.js';
import { NS_CORE, NS_STANZAS, SIGN_ALG } from './namespaces.js';
import type { KeyDirectory } from './pubkeys.js';
import { CONTENT_KEY_BYTES, IV_BYTES, transportAad } from './seal.js';
import { signedInfo } from './signing.js';

/** Default clock-skew tolerance (PROTOCOL.md §7.1). */
export const DEFAULT_SKEW_MS = 300_000;

export interface OpenOptions {
  crypto: Crypto;
  keys: KeyDirectory;
  now: () => number;
  /** Our private key, for encrypted transports addressed to us. */
  decryptionKey?: RsaPrivateKey;
  /** XML parser for decrypted payloads (UTF-8 bytes of one element); default src/xml parseDocument. */
  parsePayload?: (bytes: Uint8Array) => XmlElement;
  /** Refuse containers without a signature (default true; v0.9 §1.0.0's unsigned form is opt-in). */
  requireSignature?: boolean;
  skewMs?: number;
}

export interface Opened {
  container: Container;
  /** Effective osid: originator/@osid, else the stanza's sender. */
  osid: string;
  /** True when the signature verified with a key from an allow-listed certification service. */
  signed: boolean;
  encrypted: boolean;
  payload: XmlElement;
  /** A verified claim key, when one was presented. */
  claim?: ClaimKeyBody;
}

/** How a container arrived, and the checks its extension can make before anything costly. */
export interface OpenContext {
  /**
   * Directly addressed to us (an iq or message, not relayed by PubSub): the osid must cover the
   * stanza's `from` (§4.4 step 2), checked before any lookup, and lookups are paid for by the
   * sender's account. Default false: relayed, lookups are paid for by the osid's account.
   */
  direct?: boolean;
  /**
   * The extension's own cheap checks (parse, dates, replay memory): run on a plain payload before
   * any key lookup or RSA operation, on an encrypted one right after decryption. Throws
   * OpenSpimeError to refuse.
   */
  precheck?: (payload: XmlElement, osid: string, container: Container) => void;
}

async function verifyWith(keys: KeyDirectory, cert: string, jid: string, peer: string, check: (ks: RsaPublicKey[]) => boolean): Promise<boolean> {
  if (check(await keys.lookup(cert, jid, false, peer))) return true;
  // The key may have rotated since it was cached: ask once more, rate-limited by the directory.
  if (!keys.canRefresh(cert, jid)) return false;
  return check(await keys.lookup(cert, jid, true, peer));
}

/** Signature lengths a key inside §3.1's limits (2048–4096 bits) can produce. */
const MIN_SIGNATURE_BYTES = 256;
const MAX_SIGNATURE_BYTES = 512;

/**
 * Opens a received `<openspime/>` element (PROTOCOL.md §4.4). `from` is the stanza's sender (for a
 * PubSub event, the item's publisher is unknown: pass the service and rely on originator/@osid).
 * Order: every check that is local and cheap (structure, versions, algorithms, allow-list, osid
 * against `from`, sizes, the claim key's body, the extension's precheck) before anything that costs
 * a round trip (key lookups) or an RSA operation, so a forged container costs next to nothing.
 */
export async function openContainer(el: XmlElement, from: string, o: OpenOptions, ctx: OpenContext = {}): Promise<Opened> {
  const skew = o.skewMs ?? DEFAULT_SKEW_MS;
  let container: Container;
  try {
    container = parseContainer(el);
  } catch (e) {
    if (e instanceof OpenSpimeError) throw e;
    throw new OpenSpimeError('bad-format', String((e as Error)?.message ?? e));
  }
  const originator = container.originator;
  const osid = originator?.osid ?? from;
  const t = container.transport;

  // Checks that need no network and no RSA first, so a bad container costs no key lookup.
  if (originator?.sign) {
    if (originator.sign.alg !== SIGN_ALG) throw new OpenSpimeError('unsupported-algorithm', `sign/@alg '${originator.sign.alg ?? ''}' (want ${SIGN_ALG})`);
  } else if (o.requireSignature !== false) {
    throw new OpenSpimeError('not-signed', 'container without originator/<sign/>');
  }
  if (originator && !o.keys.isTrusted(originator.cert)) throw new OpenSpimeError('untrusted-cert-service', `${originator.cert} is not an allowed certification service`);
  if (ctx.direct) checkSender({ osid }, from);
  const ck = originator?.claimkey;
  if (ck && !o.keys.isTrusted(ck.cert)) throw new OpenSpimeError('untrusted-cert-service', `${ck.cert} is not an allowed certification service`);
  const claimKey = ck && precheckClaimKey(ck.key, { claims: ck.claims, osid, now: o.now(), skewMs: skew });
  const sign = originator?.sign;
  if (sign && (sign.value.length < MIN_SIGNATURE_BYTES || sign.value.length > MAX_SIGNATURE_BYTES)) {
    throw new OpenSpimeError('bad-signature', `signature of ${sign.value.length} bytes (a 2048–4096-bit key makes ${MIN_SIGNATURE_BYTES}–${MAX_SIGNATURE_BYTES})`);
  }
  if (t.kind === 'plain') ctx.precheck?.(t.payload, osid, container);

  // Costly from here: key lookups (paid for by the peer's quota), RSA, AES.
  const peer = canonicalJid(bareJid(ctx.direct ? from : osid));
  let claim: ClaimKeyBody | undefined;
  if (ck && claimKey) {
    // v0.9 §1.2.1: the claim key is checked before the request's own signature.
    const ok = await verifyWith(o.keys, ck.cert, ck.claims, peer, (ks) => claimKeySignatureValid(o.crypto, claimKey, ks));
    if (!ok) throw new OpenSpimeError('claimkey-invalid', 'signature does not verify with the claimed spime\'s key');
    claim = claimKey.body;
  }

  let signed = false;
  if (originator && sign) {
    const input = signedInfo(el, container, osid);
    const ok = await verifyWith(o.keys, originator.cert, osid, peer, (ks) => ks.some((k) => o.crypto.rsaVerify(k, 'sha256', input, sign.value)));
    if (!ok) throw new OpenSpimeError('bad-signature', `signature of ${osid} does not verify`);
    signed = true;
  }

  let payload: XmlElement;
  if (t.kind === 'plain') payload = t.payload;
  else {
    if (!o.decryptionKey) throw new OpenSpimeError('decryption-failed', 'no decryption key configured');
    // One condition for every failure below, parsing included: which step failed is not told (§3.3).
    const k = o.crypto.rsaOaepDecrypt(o.decryptionKey, t.transportKey);
    const body = t.body;
    const plain = k && k.length === CONTENT_KEY_BYTES && body.length >= IV_BYTES + 16
      ? o.crypto.aesGcmDecrypt(k, body.subarray(0, IV_BYTES), body.subarray(IV_BYTES), transportAad(osid, t.contentType))
      : undefined;
    if (!plain) throw new OpenSpimeError('decryption-failed', 'transport does not decrypt');
    try {
      payload = (o.parsePayload ?? parseDocument)(plain);
    } catch {
      throw new OpenSpimeError('decryption-failed', 'transport does not decrypt');
    }
    ctx.precheck?.(payload, osid, container);
  }
  return { container, osid, signed, encrypted: t.kind === 'encrypted', payload, claim };
}

/** For a directly addressed stanza: the osid must be the sender (PROTOCOL.md §4.4 step 2). */
export function checkSender(opened: { osid: string }, from: string): void {
  if (!jidCovers(opened.osid, from)) throw new OpenSpimeError('osid-mismatch', `osid ${opened.osid} sent by ${from}`);
}

/** What an extension's iq handler gives openIqContainer. */
export interface IqPayloadHandler {
  /** Is this payload this handler's (by name and namespace)? If not, the iq is left to others. */
  matches: (payload: XmlElement) => boolean;
  /** Cheap checks (see OpenContext.precheck). */
  precheck?: (payload: XmlElement, osid: string, container: Container) => void;
  /** The opened container → the result iq's child (null: an empty result). */
  handle: (opened: Opened, from: string) => Promise<XmlElement | null> | XmlElement | null;
}

/** Thrown by the precheck when the payload belongs to another handler. */
const NOT_OURS = new Error('not this handler\'s payload');

/**
 * The shared path of directly addressed OpenSpime iqs (reports, claims): an `iq type='set'`
 * carrying `<openspime/>` → open it as a direct container (osid covers `from`, cheap checks
 * first) → the handler → a result, or an error iq with the profile's condition (§8). Undefined
 * when the iq is not such a container or its payload is not the handler's.
 */
export async function openIqContainer(iq: XmlElement, o: OpenOptions, h: IqPayloadHandler): Promise<XmlElement | undefined> {
  const container = iq.getChild('openspime', NS_CORE);
  if (iq.name !== 'iq' || iq.attr('type') !== 'set' || !container) return undefined;
  const from = iq.attr('from') ?? '';
  const reply = { id: iq.attr('id'), to: from, from: iq.attr('to') };
  try {
    const precheck = (p: XmlElement, osid: string, c: Container): void => {
      if (!h.matches(p)) throw NOT_OURS;
      h.precheck?.(p, osid, c);
    };
    const opened = await openContainer(container, from, o, { direct: true, precheck });
    const child = await h.handle(opened, from);
    return xml('iq', { type: 'result', ...reply }, child);
  } catch (e) {
    if (e === NOT_OURS) return undefined;
    // Anything else (the handler's store failing, a bug) is ours, not the sender's: no profile condition.
    const error = e instanceof OpenSpimeError ? stanzaErrorFor(e) : xml('error', { type: 'wait' }, xml('internal-server-error', { xmlns: NS_STANZAS }));
    return xml('iq', { type: 'error', ...reply }, error);
  }
}
