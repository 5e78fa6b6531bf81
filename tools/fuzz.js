// `npm run fuzz [-- --seconds N] [--cases N] [--seed S] [--replay CASE_SEED] [--max-findings N] [--json] [--verbose]`:
// fuzzes the XMPP client's inbound path (test/xmpp/fuzz.ts) against a scripted hostile server on
// loopback. Default: 60 s with a random seed (printed; `--seed S` repeats the run, `--replay` one
// case). Exits 1 when a case breaks a rule (escape, hang, untyped stop) or the heap grew. Bundled
// with esbuild like the other TypeScript tools; run in this process so its handlers see escapes.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const dir = mkdtempSync(join(tmpdir(), 'spimekit-fuzz-bundle-'));
let code = 2;
try {
  const out = join(dir, 'fuzz.mjs');
  await esbuild.build({
    entryPoints: [join(root, 'test/xmpp/fuzz.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: out, packages: 'external', keepNames: true, logLevel: 'warning',
  });
  const { main } = await import(pathToFileURL(out).href);
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(`npm run fuzz: ${e.stack ?? e}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// the last case's sockets and timers are gone, but do not wait on anything a bug left behind
process.exit(code);
