// `npm run bench:device-crypto` (needs $MODDABLE): what the device crypto host costs on the
// Moddable lin build (PSA on Debian's mbedTLS 2.28, software only), next to hosts/node (OpenSSL)
// on the same machine. The ESP32's hardware numbers are not measured here.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, nodeRsaPrivateKey } from '../hosts/node/crypto.js';
import { buildCryptoTest, root, runCryptoTest } from '../tools/device-crypto.js';

const sdk = process.env.MODDABLE;
if (!sdk) {
  console.log('bench:device-crypto skipped: $MODDABLE is not set (README "Building for the device")');
  process.exit(0);
}
const budget = 500;
const keys = JSON.parse(readFileSync(join(root, 'test', 'vectors', 'keys.json'), 'utf8'));
const pem: string = keys.scopenode.privateKeyPkcs8Pem;
const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex');

const out = mkdtempSync(join(tmpdir(), 'spimekit-device-crypto-bench-'));
let deviceOutput: string;
try {
  const file = join(out, 'bench.json');
  writeFileSync(file, JSON.stringify({ bench: { key: der, budget } }));
  console.log('building hosts/moddable/crypto-test (x-cli-lin) ...');
  deviceOutput = runCryptoTest(buildCryptoTest(sdk, out), file);
} finally {
  rmSync(out, { recursive: true, force: true });
}

const c = createNodeCrypto();
const key = nodeRsaPrivateKey(pem);
const data = c.randomBytes(1024), k16 = c.randomBytes(16), iv = c.randomBytes(12), none = new Uint8Array(0);
const sig = c.rsaSign(key, 'sha256', data), wrapped = c.rsaOaepEncrypt(key.publicKey, k16);
const nodeOps: Record<string, () => unknown> = {
  'sha256-1KiB': () => c.digest('sha256', data),
  'hmac-sha256-1KiB': () => c.hmac('sha256', k16, data),
  'pbkdf2-sha1-4096': () => c.pbkdf2('sha1', k16, iv, 4096, 20),
  'pbkdf2-sha256-4096': () => c.pbkdf2('sha256', k16, iv, 4096, 32),
  'aes128gcm-encrypt-1KiB': () => c.aesGcmEncrypt(k16, iv, data, none),
  'rsa2048-sign': () => c.rsaSign(key, 'sha256', data),
  'rsa2048-verify': () => c.rsaVerify(key.publicKey, 'sha256', data, sig),
  'rsa2048-oaep-wrap': () => c.rsaOaepEncrypt(key.publicKey, k16),
  'rsa2048-oaep-unwrap': () => c.rsaOaepDecrypt(key, wrapped),
  'rsa2048-import': () => nodeRsaPrivateKey(pem),
};
const perOp = (runs: number, ms: number) => `${(ms / runs).toFixed(3)} ms`;
console.log(`\n${'operation'.padEnd(26)}${'device (lin, PSA)'.padStart(20)}${'node (OpenSSL)'.padStart(20)}`);
for (const line of deviceOutput.split('\n').filter((l) => l.startsWith('BENCH '))) {
  const [, name, runs, ms] = line.split(' ');
  const op = nodeOps[name];
  let node = '';
  if (op) {
    const start = performance.now();
    let n = 0;
    do { op(); n++; } while (performance.now() - start < budget);
    node = perOp(n, performance.now() - start);
  }
  console.log(`${name.padEnd(26)}${perOp(Number(runs), Number(ms)).padStart(20)}${node.padStart(20)}`);
}
