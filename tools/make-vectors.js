// Writes test/vectors/openspime.json (and the same data as test/vectors/openspime-vectors.ts, for
// the portable suites on XS) from test/vectors/keys.json and fixed random bytes.
// Usage: node tools/make-vectors.js [--new-keys]   (--new-keys replaces the fixed test keys)
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const keysPath = join(root, 'test/vectors/keys.json');

if (process.argv.includes('--new-keys') || !existsSync(keysPath)) {
  const keys = {};
  for (const name of ['spime', 'scopenode', 'owner']) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    keys[name] = { privateKeyPkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) };
  }
  writeFileSync(keysPath, JSON.stringify({ '//': 'TEST KEYS ONLY, published on purpose: they make the vectors reproducible.', ...keys }, null, 2) + '\n');
}

const dir = mkdtempSync(join(tmpdir(), 'spimekit-vectors-'));
try {
  const out = join(dir, 'generate.mjs');
  await esbuild.build({ entryPoints: [join(root, 'test/vectors/generate.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, external: ['node:*'], logLevel: 'silent' });
  const { generateVectors, vectorFileText, vectorModuleText } = await import(pathToFileURL(out).href);
  const file = generateVectors(JSON.parse(readFileSync(keysPath, 'utf8')));
  writeFileSync(join(root, 'test/vectors/openspime.json'), vectorFileText(file));
  writeFileSync(join(root, 'test/vectors/openspime-vectors.ts'), vectorModuleText(file));
  console.log(`wrote ${file.vectors.length} vectors`);
  // the claim-proof vectors (PROTOCOL.md §6.4–6.6), their own files
  const claimOut = join(dir, 'generate-claim-proof.mjs');
  await esbuild.build({ entryPoints: [join(root, 'test/vectors/generate-claim-proof.ts')], bundle: true, platform: 'node', format: 'esm', outfile: claimOut, external: ['node:*'], logLevel: 'silent' });
  const claim = await import(pathToFileURL(claimOut).href);
  const claimVectors = claim.generateClaimProofVectors(JSON.parse(readFileSync(keysPath, 'utf8')));
  writeFileSync(join(root, 'test/vectors/claim-proof.json'), claim.claimProofFileText(claimVectors));
  writeFileSync(join(root, 'test/vectors/claim-proof-vectors.ts'), claim.claimProofModuleText(claimVectors));
  console.log(`wrote the claim-proof vectors (${claimVectors.refusals.length} refusals)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
