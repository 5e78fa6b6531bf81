// Sending side of the core container (docs/PROTOCOL.md §4.3): optionally encrypt the payload to
// the recipient's key, then sign. Encrypt-then-sign, as v0.9 §1.0.1 verifies the signature over
// the transport before decrypting.
//   content key k = 16 random bytes, IV = 12 random bytes (fresh per container)
//   transport text = base64(IV ‖ AES-128-GCM(k, IV, C(payload), AAD) ‖ tag)
//   transport-key  = base64(RSAES-OAEP-SHA256(recipient key, k))
//   AAD = "openspime-transport-1" 0x00 ‖ osid ‖ 0x00 ‖ content-type
// The AAD binds the sender: re-signing a captured ciphertext under another osid breaks the tag.
import { base64Encode } from '../bytes/base64.js';
import { concatBytes } from '../bytes/bytes.js';
import { utf8Encode } from '../bytes/utf8.js';
import { CryptoError, type Crypto, type RsaPrivateKey, type RsaPublicKey } from '../crypto/crypto.js';
import type { XmlElement } from '../xml/element.js';
import { canonicalize } from './canonical.js';
import { buildContainer, checkContainer, type ClaimKeyRef, type Container, type Transport } from './container.js';
import { OpenSpimeError } from './errors.js';
import { CONTENT_TYPE_ENCRYPTED, NS_CORE, SIGN_ALG, VERSION } from './namespaces.js';
import { SIGN_LABEL } from './signing.js';

export const TRANSPORT_AAD_LABEL = 'openspime-transport-1';
export const CONTENT_KEY_BYTES = 16;
export const IV_BYTES = 12;

export function transportAad(osid: string, contentType: string): Uint8Array {
  return utf8Encode(`${TRANSPORT_AAD_LABEL}\u0000${osid}\u0000${contentType}`);
}

export interface SealOptions {
  crypto: Crypto;
  /** The sender's OpenSpime id (its full JID), always emitted as originator/@osid. */
  osid: string;
  /** The certification service that publishes the sender's key. */
  cert: string;
  /** Sign with this key (omit only for the unsigned v0.9 §1.0.0 form). */
  signingKey?: RsaPrivateKey;
  /** Encrypt to this key (the recipient's, from KeyDirectory). */
  encryptTo?: RsaPublicKey;
  /** A claim key to present (v0.9 §1.2.1). */
  claimkey?: ClaimKeyRef;
}

export function encryptTransport(crypto: Crypto, payload: XmlElement, recipient: RsaPublicKey, osid: string): Transport {
  const k = crypto.randomBytes(CONTENT_KEY_BYTES);
  const iv = crypto.randomBytes(IV_BYTES);
  const sealed = crypto.aesGcmEncrypt(k, iv, canonicalize(payload), transportAad(osid, CONTENT_TYPE_ENCRYPTED));
  let transportKey: Uint8Array;
  try {
    transportKey = crypto.rsaOaepEncrypt(recipient, k);
  } catch (e) {
    if (e instanceof CryptoError) throw new OpenSpimeError('bad-key', `recipient key: ${e.message}`);
    throw e;
  }
  return { kind: 'encrypted', contentType: CONTENT_TYPE_ENCRYPTED, transportKey, body: concatBytes(iv, sealed) };
}

/** The `<openspime/>` element carrying `payload` (one extension element). */
export function seal(payload: XmlElement, o: SealOptions): XmlElement {
  const transport = o.encryptTo ? encryptTransport(o.crypto, payload, o.encryptTo, o.osid) : { kind: 'plain' as const, payload };
  if (!o.signingKey) {
    const unsigned: Container = { version: VERSION, transport };
    if (o.claimkey) unsigned.originator = { cert: o.cert, osid: o.osid, claimkey: o.claimkey };
    return buildContainer(unsigned);
  }
  const container: Container = {
    version: VERSION,
    originator: { cert: o.cert, osid: o.osid, sign: { alg: SIGN_ALG, value: new Uint8Array(0) }, claimkey: o.claimkey },
    transport,
  };
  // What parseContainer would refuse, checked on the values before anything is signed (parsing
  // the element again would decode every base64 value: most of a report's cost on the device).
  checkContainer(container);
  const el = buildContainer(container);
  // Sign what a receiver will reconstruct (signing.ts). As built here — osid set, sign empty,
  // base64 without whitespace — the element is its own signed view.
  const signature = o.crypto.rsaSign(o.signingKey, 'sha256', concatBytes(SIGN_LABEL, canonicalize(el)));
  if (signature.length === 0) throw new OpenSpimeError('bad-format', '<sign/> is empty');
  const sign = el.getChild('originator', NS_CORE)!.getChild('sign', NS_CORE)!;
  sign.children = [base64Encode(signature)];
  return el;
}
