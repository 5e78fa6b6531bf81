// SASL SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), with their -PLUS channel-binding
// variants. Mutual authentication: the server's signature (v=) is verified before the session is
// trusted (RFC 5802 §5 "The client MUST verify ServerSignature").
// Known gap: the password is not SASLprep'd (RFC 4013); ASCII passwords are unaffected.
import type { HashCrypto, HashAlgorithm } from '../crypto/crypto.js';
import { base64Decode, base64Encode, bytesEqual, concatBytes, utf8Decode, utf8Encode } from './bytes.js';
import { SaslError } from './errors.js';
import type { SaslMechanism } from './sasl.js';

/** RFC 5802 §5.1: "the client can cache ... SaltedPassword" keyed by salt and iteration count, so a
 *  re-login (every reconnect of a spime) skips PBKDF2 — seconds of CPU on an ESP32. One entry. */
export interface ScramCache {
  key?: string;
  clientKey?: Uint8Array;
  serverKey?: Uint8Array;
}

export interface ScramOptions {
  crypto: HashCrypto;
  hash: HashAlgorithm;
  username: string;
  password: string;
  /** gs2 header: `n,,`, `y,,` or `p=<type>,,` (RFC 5802 §6). */
  gs2Header: string;
  /** Channel-binding data appended to the gs2 header in c= (only with `p=`). */
  channelBinding?: Uint8Array;
  cache?: ScramCache;
  /** Test hook: fixed client nonce (RFC vectors). Otherwise 18 random bytes, base64. */
  nonce?: string;
  /** Accepted iteration counts. Below RFC 7677 §4's 4096 the proof is cheap to brute-force if it
   *  ever leaks; above the cap PBKDF2 would block the device for as long as the server likes
   *  (RFC 5802 §9). Default 4096..DEFAULT_MAX_SCRAM_ITERATIONS. */
  minIterations?: number;
  maxIterations?: number;
}

/** 10× Prosody 0.12's default (10000; ejabberd 23.01: 4096): room for operators who raise it, and
 *  one blocking PBKDF2 of at most ~25× the 4096-iteration cost (≈620 ms on desktop XS, once per
 *  salt thanks to the cache). */
export const DEFAULT_MAX_SCRAM_ITERATIONS = 100_000;
export const DEFAULT_MIN_SCRAM_ITERATIONS = 4096;

/** RFC 5802 §5.1 saslname: '=' → '=3D', ',' → '=2C'. */
function saslname(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseAttributes(msg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of msg.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new SaslError('malformed-request', `bad SCRAM attribute "${part.slice(0, 16)}"`);
    if (!m.has(part[0])) m.set(part[0], part.slice(2));
  }
  return m;
}

export function scramMechanism(name: string, o: ScramOptions): SaslMechanism {
  const { crypto, hash } = o;
  const nonce = o.nonce ?? base64Encode(crypto.randomBytes(18));
  const clientFirstBare = `n=${saslname(o.username)},r=${nonce}`;
  let serverSignature: Uint8Array | undefined;

  return {
    name,
    initial: () => utf8Encode(o.gs2Header + clientFirstBare),
    challenge(data: Uint8Array): Uint8Array {
      if (serverSignature) throw new SaslError('malformed-request', 'unexpected second SCRAM challenge');
      const serverFirst = utf8Decode(data);
      const a = parseAttributes(serverFirst);
      if (a.has('m')) throw new SaslError('malformed-request', 'unsupported SCRAM extension');
      const r = a.get('r'), s = a.get('s'), iText = a.get('i') ?? '';
      // §5.1 r: the server's nonce MUST start with ours (else a replayed/forged exchange)
      if (!r || !r.startsWith(nonce) || r.length === nonce.length) throw new SaslError('malformed-request', 'server nonce does not extend the client nonce');
      if (!s) throw new SaslError('malformed-request', 'no salt');
      // §7 posit-number: digits only (Number() would take "0x1000", "1e6", " 4096")
      if (!/^[1-9][0-9]{0,9}$/.test(iText)) throw new SaslError('malformed-request', `bad iteration count "${iText.slice(0, 16)}"`);
      const i = Number(iText);
      const max = o.maxIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS, min = o.minIterations ?? DEFAULT_MIN_SCRAM_ITERATIONS;
      if (i > max) throw new SaslError('iteration-count-too-high', `server asks for ${i} PBKDF2 iterations, more than the ${max} allowed (maxScramIterations)`);
      if (i < min) throw new SaslError('iteration-count-too-low', `server asks for ${i} PBKDF2 iterations, fewer than the ${min} required (minScramIterations)`);
      const salt = base64Decode(s);

      const cacheKey = `${hash},${s},${i}`;
      let clientKey: Uint8Array, serverKey: Uint8Array;
      if (o.cache?.key === cacheKey && o.cache.clientKey && o.cache.serverKey) {
        clientKey = o.cache.clientKey;
        serverKey = o.cache.serverKey;
      } else {
        const salted = crypto.pbkdf2(hash, utf8Encode(o.password), salt, i, hash === 'sha1' ? 20 : 32);
        clientKey = crypto.hmac(hash, salted, utf8Encode('Client Key'));
        serverKey = crypto.hmac(hash, salted, utf8Encode('Server Key'));
        if (o.cache) { o.cache.key = cacheKey; o.cache.clientKey = clientKey; o.cache.serverKey = serverKey; }
      }
      const cbind = concatBytes(utf8Encode(o.gs2Header), o.channelBinding ?? new Uint8Array(0));
      const finalWithoutProof = `c=${base64Encode(cbind)},r=${r}`;
      const authMessage = utf8Encode(`${clientFirstBare},${serverFirst},${finalWithoutProof}`);
      const storedKey = crypto.digest(hash, clientKey);
      const signature = crypto.hmac(hash, storedKey, authMessage);
      const proof = new Uint8Array(clientKey.length);
      for (let k = 0; k < proof.length; k++) proof[k] = clientKey[k] ^ signature[k];
      serverSignature = crypto.hmac(hash, serverKey, authMessage);
      return utf8Encode(`${finalWithoutProof},p=${base64Encode(proof)}`);
    },
    success(data: Uint8Array | undefined): void {
      // RFC 6120 §6.4.6: the server-final message rides in <success/>.
      if (!serverSignature || !data || data.length === 0) throw new SaslError('server-signature-mismatch', 'no server-final message');
      const a = parseAttributes(utf8Decode(data));
      if (a.has('e')) throw new SaslError('server-signature-mismatch', `server error ${a.get('e')}`);
      const v = a.get('v');
      if (!v || !bytesEqual(base64Decode(v), serverSignature)) {
        if (o.cache) o.cache.key = undefined; // never reuse keys the server did not confirm
        throw new SaslError('server-signature-mismatch', 'server signature does not verify: not the server that knows our password');
      }
    },
  };
}
