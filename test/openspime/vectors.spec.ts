// The committed vectors on any engine (XS included): everything that needs no RSA/AES —
// the container parses, SignedInfo (canonical bytes) is recomputed exactly, base64 values
// round-trip to the same text, claim keys decode to their stated bodies, payloads parse.
// Signature verification and decryption of the same vectors: vectors.test.ts (Node).
import { base64Decode, base64Encode } from '../../src/bytes/base64.js';
import { utf8Decode } from '../../src/bytes/utf8.js';
import { canonicalize } from '../../src/openspime/canonical.js';
import { parseClaim } from '../../src/openspime/claim.js';
import { claimKeyBodyBytes, decodeClaimKey } from '../../src/openspime/claimkey.js';
import { parseContainer } from '../../src/openspime/container.js';
import { parseData } from '../../src/openspime/data.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { parseSeekRequest } from '../../src/openspime/spimeseek.js';
import { rsaPublicKeyFromBase64 } from '../../src/crypto/rsa-key.js';
import vectors from '../vectors/openspime-vectors.js';
import { fromTree } from '../helpers/fake-network.js';

describe('OpenSpime vectors (deterministic parts)', () => {
  test('there are the six documented vectors', () => {
    expect(vectors.vectors.map((v) => v.name)).toEqual(['report-signed', 'report-encrypted', 'claim-response', 'seek-request', 'seek-request-claimkey', 'report-signed-jid-case']);
  });
  test('entity keys are acceptable RSA-2048 keys', () => {
    for (const e of Object.values(vectors.entities)) {
      const k = rsaPublicKeyFromBase64(e.modulus, e.exponent);
      expect(typeof k).toBe('object');
    }
  });
  test.each(vectors.vectors.map((v) => [v.name, v]))('%s: SignedInfo is recomputed byte for byte', (_n, v) => {
    const el = fromTree(v.container);
    const parsed = parseContainer(el);
    expect(base64Encode(signedInfo(el, parsed, v.osid))).toBe(v.signedInfo);
    expect(base64Encode(parsed.originator!.sign!.value)).toBe(v.signature);
    expect(parsed.originator!.osid).toBe(v.osid);
    // the stated SignedInfo begins with the label and is the canonical view
    expect(utf8Decode(base64Decode(v.signedInfo!)!)!.startsWith('openspime-sign-1\u0000<openspime xmlns="openspime:protocol:core"')).toBe(true);
  });
  test.each(vectors.vectors.map((v) => [v.name, v]))('%s: payload parses as its extension', (_n, v) => {
    const parsed = parseContainer(fromTree(v.container));
    if (parsed.transport.kind === 'encrypted') {
      expect(parsed.transport.body.length).toBe(12 + v.plaintext!.length + 16); // IV ‖ C ‖ tag, ASCII payload
      expect(parsed.transport.transportKey.length).toBe(256);
      return;
    }
    const p = parsed.transport.payload;
    expect(p.name).toBe(v.expect.payloadName);
    if (p.name === 'data') expect(parseData(p)[0].ppm).toBe(412.5);
    if (p.name === 'spimeseek') expect(parseSeekRequest(p).spimeid).toBe(vectors.entities.spime.jid);
    if (p.name === 'claim') {
      const c = parseClaim(p);
      expect(c.kind === 'response' && base64Encode(c.claimkey)).toBe(v.claimKey);
    }
  });
  test('the encrypted vector\'s plaintext is the canonical form of the signed report\'s payload', () => {
    const plain = vectors.vectors[0];
    const enc = vectors.vectors[1];
    const payload = parseContainer(fromTree(plain.container)).transport;
    expect(payload.kind === 'plain' && utf8Decode(canonicalize(payload.payload))).toBe(enc.plaintext);
  });
  test.each(vectors.vectors.filter((v) => v.claimKey).map((v) => [v.name, v]))('%s: claim key decodes to its stated body', (_n, v) => {
    const d = decodeClaimKey(base64Decode(v.claimKey!)!);
    expect(utf8Decode(d.bodyBytes)).toBe(v.claimKeyBody);
    expect(utf8Decode(claimKeyBodyBytes(d.body))).toBe(v.claimKeyBody);
    expect(d.signature.length).toBe(256);
  });
});
