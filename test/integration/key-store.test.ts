// The key service's store file (hosts/node/key-service.ts): one JSON line per publish, the last
// for a JID winning; a line cut short by a crash at the end is dropped, anything else not ours is
// an error (never an empty store served as if nothing had been published).
import { afterAll, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { loadKeyStore } from '../../hosts/node/key-service.js';
import { rsaPublicKeyToBase64, rsaPublicKeysEqual } from '../../src/crypto/rsa-key.js';

const dir = mkdtempSync(join(tmpdir(), 'spimekit-keystore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const [a, b, c] = [generateNodeRsaKey().publicKey, generateNodeRsaKey().publicKey, generateNodeRsaKey().publicKey];
const line = (jid: string, ...keys: typeof a[]) => JSON.stringify({ jid, keys: keys.map(rsaPublicKeyToBase64) }) + '\n';

test('the last line for a JID wins; a truncated last line is dropped; a missing file is an empty store', () => {
  const path = join(dir, 'keys.jsonl');
  expect(loadKeyStore(path).size).toBe(0);
  writeFileSync(path, line('s1@x', a) + line('s2@x', b) + line('s1@x', c));
  appendFileSync(path, line('s3@x', a).slice(0, 40)); // the crash mid-append
  const keys = loadKeyStore(path);
  expect([...keys.keys()]).toEqual(['s1@x', 's2@x']);
  expect(rsaPublicKeysEqual(keys.get('s1@x')![0]!, c)).toBe(true);
  expect(rsaPublicKeysEqual(keys.get('s2@x')![0]!, b)).toBe(true);
});

test('a damaged line in the middle, or a key outside the accepted sizes, is an error naming the line', () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, line('s1@x', a) + '{"jid": "s2@x", "keys": [\n' + line('s3@x', b));
  expect(() => loadKeyStore(bad)).toThrow(/bad\.jsonl:2:/);
  writeFileSync(bad, JSON.stringify({ jid: 's1@x', keys: [{ modulus: 'AQAB', exponent: 'AQAB' }] }) + '\n');
  expect(() => loadKeyStore(bad)).toThrow(/bad\.jsonl:1: key of s1@x/);
  writeFileSync(bad, JSON.stringify({ nope: 1 }) + '\n');
  expect(() => loadKeyStore(bad)).toThrow(/not a key service record/);
});
