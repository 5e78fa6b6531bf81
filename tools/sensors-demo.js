// `npm run sensors:demo [-- --seconds N] [--seed S] [--board esp32|esp32/esp32s3]`: bundles the TypeScript demo
// (hosts/node/sensors/demo.ts) with esbuild — a devDependency, so this works on a fresh clone
// after `npm ci` — into a temporary module, and runs it in real time.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) { console.error(`--${name} needs a positive number`); process.exit(2); }
  return value;
};
const seconds = option('seconds', 10), seed = option('seed', 42);
const boardIndex = args.indexOf('--board');
const board = boardIndex >= 0 ? args[boardIndex + 1] : 'esp32';

const dir = mkdtempSync(join(tmpdir(), 'spimekit-demo-'));
const out = join(dir, 'sensors-demo.mjs');
try {
  await esbuild.build({
    entryPoints: [join(root, 'hosts/node/sensors/demo.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: out, logLevel: 'warning',
  });
  const { runSensorsDemo } = await import(pathToFileURL(out).href);
  process.exitCode = (await runSensorsDemo({ seconds, seed, board })) > 0 ? 0 : 1;
} catch (e) {
  console.error(`sensors:demo: ${e.message}`);
  process.exitCode = 2;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
