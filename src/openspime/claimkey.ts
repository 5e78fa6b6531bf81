// Claim keys (docs/PROTOCOL.md §6): what a spime hands its owner in a claim response and what the
// owner shows a ScopeNode in originator/<claimkey/> (v0.9 §1.1.0, §1.2.1).
//   claimkey = u16be(len(body)) ‖ body ‖ RSASSA-PKCS1-v1_5-SHA256(spime key, "openspime-claimkey-1" 0x00 ‖ body)
//   body     = UTF-8 canonical XML (./canonical) of
//              <claimkey xmlns="openspime:protocol:core:claimkey" version="0.9">
//                <claims>spime JID</claims><osid>authorized JID</osid><expdate>XEP-0082</expdate>
//              </claimkey>
// The spime signs it; a ScopeNode fetches the claimed spime's key (XEP-0189) and checks it
// (§1.2.1: osid, expdate in the future).
import { concatBytes } from '../bytes/bytes.js';
import { utf8Decode, utf8Encode } from '../bytes/utf8.js';
import type { Crypto, RsaPrivateKey, RsaPublicKey } from '../crypto/crypto.js';
import { xml } from '../xml/element.js';
import { canonicalize } from './canonical.js';
import { parseDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { jidCovers, sameJid } from './jid.js';
import { NS_CLAIMKEY, VERSION } from './namespaces.js';

export const CLAIMKEY_LABEL = utf8Encode('openspime-claimkey-1\u0000');

export interface ClaimKeyBody {
  claims: string;
  osid: string;
  expdate: string;
}

export function claimKeyBodyBytes(body: ClaimKeyBody): Uint8Array {
  return canonicalize(xml('claimkey', { xmlns: NS_CLAIMKEY, version: VERSION },
    xml('claims', null, body.claims), xml('osid', null, body.osid), xml('expdate', null, body.expdate)));
}

/** Made by the claimed spime with its own key. */
export function issueClaimKey(crypto: Crypto, spimeKey: RsaPrivateKey, body: ClaimKeyBody): Uint8Array {
  if (parseDateTime(body.expdate) === undefined) throw new OpenSpimeError('bad-format', 'claim key expdate is not an XEP-0082 DateTime');
  const b = claimKeyBodyBytes(body);
  const sig = crypto.rsaSign(spimeKey, 'sha256', concatBytes(CLAIMKEY_LABEL, b));
  return concatBytes(new Uint8Array([b.length >> 8, b.length & 255]), b, sig);
}

const unescape = (s: string): string => s.replace(/&(amp|lt|gt|#xD);/g, (_m, e) => (e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : '\r'));
const BODY_RE = /^<claimkey xmlns="openspime:protocol:core:claimkey" version="0\.9"><claims>([^<]+)<\/claims><osid>([^<]+)<\/osid><expdate>([^<]+)<\/expdate><\/claimkey>$/;

export interface DecodedClaimKey {
  body: ClaimKeyBody;
  bodyBytes: Uint8Array;
  signature: Uint8Array;
}

/** Splits and parses a claim key; the body must be exactly in canonical form. */
export function decodeClaimKey(key: Uint8Array): DecodedClaimKey {
  if (key.length < 2) throw new OpenSpimeError('claimkey-invalid', 'too short');
  const len = (key[0] << 8) | key[1];
  if (key.length < 2 + len + 1) throw new OpenSpimeError('claimkey-invalid', 'truncated');
  const bodyBytes = key.subarray(2, 2 + len);
  const text = utf8Decode(bodyBytes);
  const m = text === undefined ? null : BODY_RE.exec(text);
  if (!m) throw new OpenSpimeError('claimkey-invalid', 'body is not a canonical <claimkey/>');
  return { body: { claims: unescape(m[1]), osid: unescape(m[2]), expdate: unescape(m[3]) }, bodyBytes, signature: key.subarray(2 + len) };
}

export interface ClaimKeyCheck {
  /** The claimkey element's claims attribute: the spime whose key is expected. */
  claims: string;
  /** The originator's (effective) osid: whom the key must authorize. */
  osid: string;
  now: number;
  skewMs: number;
}

/**
 * The checks of PROTOCOL.md §6.3 that need neither the network nor RSA (steps 4–6: format,
 * `claims`, osid, expiry), so that a forged claim key costs no key lookup.
 */
export function precheckClaimKey(key: Uint8Array, check: ClaimKeyCheck): DecodedClaimKey {
  const d = decodeClaimKey(key);
  if (d.signature.length < 256 || d.signature.length > 512) throw new OpenSpimeError('claimkey-invalid', `signature of ${d.signature.length} bytes (a 2048–4096-bit key makes 256–512)`);
  if (!sameJid(d.body.claims, check.claims)) throw new OpenSpimeError('claimkey-invalid', `key claims ${d.body.claims}, element says ${check.claims}`);
  if (!jidCovers(d.body.osid, check.osid)) throw new OpenSpimeError('claimkey-not-authorized', `key authorizes ${d.body.osid}, not ${check.osid}`);
  const exp = parseDateTime(d.body.expdate);
  if (exp === undefined) throw new OpenSpimeError('claimkey-invalid', 'expdate is not an XEP-0082 DateTime');
  if (check.now > exp + check.skewMs) throw new OpenSpimeError('claimkey-expired', `expired ${d.body.expdate}`);
  return d;
}

/** Step 3 of PROTOCOL.md §6.3 on a prechecked key: the claimed spime's signature. */
export function claimKeySignatureValid(crypto: Crypto, d: DecodedClaimKey, spimeKeys: readonly RsaPublicKey[]): boolean {
  const input = concatBytes(CLAIMKEY_LABEL, d.bodyBytes);
  return spimeKeys.some((k) => crypto.rsaVerify(k, 'sha256', input, d.signature));
}

/** Verifies a claim key against the claimed spime's published keys (PROTOCOL.md §6.3), cheap checks first. */
export function verifyClaimKey(crypto: Crypto, key: Uint8Array, spimeKeys: readonly RsaPublicKey[], check: ClaimKeyCheck): ClaimKeyBody {
  const d = precheckClaimKey(key, check);
  if (!claimKeySignatureValid(crypto, d, spimeKeys)) throw new OpenSpimeError('claimkey-invalid', 'signature does not verify with the claimed spime\'s key');
  return d.body;
}
