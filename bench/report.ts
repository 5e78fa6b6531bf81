// `npm run bench:report`: what a report costs. Wire bytes per entry of a sealed report (signed and
// encrypted to the ScopeNode: PROTOCOL.md §3.3) for 1, 5, 20 and 50 entries, against the plain
// <entry/> XML of the same entries (goal ≤ 1.5× at 20); CPU per report on Node (the spime's seal:
// one RSA-2048 signature and one key wrap; the ScopeNode's open: verify, unwrap, decrypt, parse);
// flash bytes per entry; block erases per 1,000 readings on a 64 KiB partition.
import { performance } from 'node:perf_hooks';
import { createNodeCrypto, generateNodeRsaKey } from '../hosts/node/crypto.js';
import { SimFlash } from '../hosts/sim/flash.js';
import { Prng } from '../hosts/sim/sensors/prng.js';
import { buildEntry, type DataEntry } from '../src/openspime/data.js';
import { NS_CORE } from '../src/openspime/namespaces.js';
import { openContainer } from '../src/openspime/open.js';
import { answerPubkeys, KeyDirectory } from '../src/openspime/pubkeys.js';
import { seal } from '../src/openspime/seal.js';
import { formatEntryDate } from '../src/spime/clock.js';
import { encodeReading, quantizeValues } from '../src/spime/entry-codec.js';
import { reportData } from '../src/openspime/report.js';
import { FlashLog, recordBytes } from '../src/storage/log.js';
import { writeElement } from '../src/xml/writer.js';
import { xml } from '../src/xml/element.js';

const crypto = createNodeCrypto();
const spimeKey = generateNodeRsaKey();
const scopeKey = generateNodeRsaKey();
const osid = 'spime-1@spimekit.test/sim';
const cert = 'keys.spimekit.test';
const keys = new KeyDirectory({ iq: { request: async (iq) => answerPubkeys(iq, () => [spimeKey.publicKey])! }, certServices: [cert], now: Date.now });

const prng = new Prng(1);
const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const entries: DataEntry[] = Array.from({ length: 50 }, (_, i) => ({
  date: formatEntryDate(t0 + i * 60_000),
  ...quantizeValues({ lat: 45.4642 + prng.noise(0.01), lon: 9.19 + prng.noise(0.01), ele: 122 + prng.noise(5), ppm: 420 + prng.next() * 800, temperature: 21 + prng.noise(3), humidity: 45 + prng.noise(10), pressure: 100800 + prng.noise(300) }),
}));

console.log('entries/report  plain <entry/> B/entry  sealed stanza B/entry  ratio  seal ms/report  open ms/report');
for (const n of [1, 5, 20, 50]) {
  const batch = entries.slice(0, n);
  const plain = batch.reduce((sum, e) => sum + writeElement(buildEntry(e)).length, 0);
  const stanza = () => xml('iq', { type: 'set', to: 'scopenode@spimekit.test/scope', id: 'r1', from: osid }, seal(reportData(batch, 0), { crypto, osid, cert, signingKey: spimeKey, encryptTo: scopeKey.publicKey }));
  const wire = writeElement(stanza(), 'jabber:client').length;
  const rounds = 30;
  let t = performance.now();
  for (let i = 0; i < rounds; i++) stanza();
  const sealMs = (performance.now() - t) / rounds;
  const sealed = stanza().getChild('openspime', NS_CORE)!;
  await openContainer(sealed, osid, { crypto, keys, now: Date.now, decryptionKey: scopeKey });
  t = performance.now();
  for (let i = 0; i < rounds; i++) await openContainer(sealed, osid, { crypto, keys, now: Date.now, decryptionKey: scopeKey });
  const openMs = (performance.now() - t) / rounds;
  console.log(`${String(n).padStart(14)}  ${(plain / n).toFixed(0).padStart(20)}  ${(wire / n).toFixed(0).padStart(21)}  ${(wire / plain).toFixed(2).padStart(5)}  ${sealMs.toFixed(2).padStart(14)}  ${openMs.toFixed(2).padStart(14)}`);
}

console.log('(the sealed transport is base64: 4/3 of the plaintext before any container; the fixed part — signature, wrapped key, IV, tag, JIDs — is ~1.2 KB per report)');

const stored = encodeReading({ time: t0, values: { exposure: 'outdoor', ...entries[0] } as never });
console.log(`\nflash: ${stored.length} B per reading encoded, ${recordBytes(stored.length)} B in the log (${recordBytes(stored.length, 16)} B with 16-byte write units)`);

const flash = new SimFlash({ blocks: 16, blockLength: 4096 });
const log = new FlashLog(flash);
const append = (n: number) => {
  for (let i = 0; i < n; i++) {
    log.append(stored);
    if (log.pending === 20) { log.setState(new Uint8Array(41)); log.acknowledge(log.nextSeq - 1); }
  }
};
append(3000);
const before = flash.eraseCounts.reduce((a, b) => a + b, 0);
append(1000);
console.log(`wear: ${flash.eraseCounts.reduce((a, b) => a + b, 0) - before} block erases per 1,000 readings (16 × 4 KiB, acknowledged 20 at a time), spread ${Math.min(...flash.eraseCounts)}–${Math.max(...flash.eraseCounts)} per block`);
