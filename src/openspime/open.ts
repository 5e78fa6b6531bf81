// Receiving side of the core container (docs/PROTOCOL.md §4.4), the pipeline of v0.9 §1.0.1 and
// §1.2.1: parse → (claim key: cert allow-listed → claimed spime's key → verify, osid, expdate)
// → originator cert allow-listed → originator's key (XEP-0189, cached) → verify signature over
// SignedInfo → decrypt. Every failure is an OpenSpimeError with the profile's condition.
import type { Crypto, RsaPrivateKey, RsaPublicKey } from '../crypto/crypto.js';
import type { XmlElement } from '../xml/element.js';
import { parseDocument } from '../xml/document.js';
import { verifyClaimKey, type ClaimKeyBody } from './claimkey.js';
import { parseContainer, type Container } from './container.js';
import { OpenSpimeError } from './errors.js';
import { jidCovers } from './jid.js';
import { CONTENT_TYPE_ENCRYPTED, CONTENT_TYPE_V09_AES, SIGN_ALG } from './namespaces.js';
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

async function verifyWith(keys: KeyDirectory, cert: string, jid: string, check: (ks: RsaPublicKey[]) => boolean): Promise<boolean> {
  if (check(await keys.lookup(cert, jid))) return true;
  // The key may have rotated since it was cached: ask once more, rate-limited by the directory.
  if (!keys.canRefresh(cert, jid)) return false;
  return check(await keys.lookup(cert, jid, true));
}

/**
 * Opens a received `<openspime/>` element. `from` is the stanza's sender (for a PubSub event, the
 * item's publisher is unknown: pass the service and rely on originator/@osid).
 */
export async function openContainer(el: XmlElement, from: string, o: OpenOptions): Promise<Opened> {
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
  if (t.kind === 'encrypted' && t.contentType !== CONTENT_TYPE_ENCRYPTED) {
    throw new OpenSpimeError('unsupported-content-type', t.contentType === CONTENT_TYPE_V09_AES ? `${t.contentType}: v0.9 never defined its mode, IV or key wrap` : t.contentType);
  }

  // Checks that need no network first, so a bad container costs no key lookup.
  if (originator?.sign) {
    if (originator.sign.alg !== SIGN_ALG) throw new OpenSpimeError('unsupported-algorithm', `sign/@alg '${originator.sign.alg ?? ''}' (want ${SIGN_ALG})`);
  } else if (o.requireSignature !== false) {
    throw new OpenSpimeError('not-signed', 'container without originator/<sign/>');
  }
  if (originator && !o.keys.isTrusted(originator.cert)) throw new OpenSpimeError('untrusted-cert-service', `${originator.cert} is not an allowed certification service`);

  let claim: ClaimKeyBody | undefined;
  if (originator?.claimkey) {
    const ck = originator.claimkey;
    // v0.9 §1.2.1: the claim key is checked before the request's own signature.
    const keys = await o.keys.lookup(ck.cert, ck.claims);
    try {
      claim = verifyClaimKey(o.crypto, ck.key, keys, { claims: ck.claims, osid, now: o.now(), skewMs: skew });
    } catch (e) {
      if (!(e instanceof OpenSpimeError) || e.condition !== 'claimkey-invalid' || !o.keys.canRefresh(ck.cert, ck.claims)) throw e;
      claim = verifyClaimKey(o.crypto, ck.key, await o.keys.lookup(ck.cert, ck.claims, true), { claims: ck.claims, osid, now: o.now(), skewMs: skew });
    }
  }

  let signed = false;
  if (originator?.sign) {
    const input = signedInfo(el, container, osid);
    const sig = originator.sign.value;
    const ok = await verifyWith(o.keys, originator.cert, osid, (ks) => ks.some((k) => o.crypto.rsaVerify(k, 'sha256', input, sig)));
    if (!ok) throw new OpenSpimeError('bad-signature', `signature of ${osid} does not verify`);
    signed = true;
  }

  let payload: XmlElement;
  if (t.kind === 'plain') payload = t.payload;
  else {
    if (!o.decryptionKey) throw new OpenSpimeError('decryption-failed', 'no decryption key configured');
    // One condition for every failure below: which step failed is not told (no oracle).
    const k = o.crypto.rsaOaepDecrypt(o.decryptionKey, t.transportKey);
    const body = t.body;
    const plain = k && k.length === CONTENT_KEY_BYTES && body.length >= IV_BYTES + 16
      ? o.crypto.aesGcmDecrypt(k, body.subarray(0, IV_BYTES), body.subarray(IV_BYTES), transportAad(osid, t.contentType))
      : undefined;
    if (!plain) throw new OpenSpimeError('decryption-failed', 'transport does not decrypt');
    try {
      payload = (o.parsePayload ?? parseDocument)(plain);
    } catch (e) {
      throw new OpenSpimeError('bad-format', `decrypted payload is not XML: ${(e as Error)?.message ?? e}`);
    }
  }
  return { container, osid, signed, encrypted: t.kind === 'encrypted', payload, claim };
}

/** For a directly addressed stanza: the osid must be the sender (PROTOCOL.md §4.4 step 2). */
export function checkSender(opened: Opened, from: string): void {
  if (!jidCovers(opened.osid, from)) throw new OpenSpimeError('osid-mismatch', `osid ${opened.osid} sent by ${from}`);
}

