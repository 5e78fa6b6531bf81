// Runs a TypeScript entry point under Node without a TS loader: bundles it with esbuild (packages
// stay external, resolved from node_modules) into .tmp/run-ts/ and runs the bundle. Used by
// `npm run bench:session` and to start a test server by hand (README "Test servers").
//   node tools/run-ts.js <file.ts> [args…]
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) { console.error('usage: node tools/run-ts.js <file.ts> [args…]'); process.exit(2); }
// One bundle per run (pid in the name): two runs of the same entry at once must not overwrite each other's.
const outfile = join(root, '.tmp', 'run-ts', basename(entry).replace(/\.ts$/, `-${process.pid}.mjs`));
await build({
  entryPoints: [resolve(entry)],
  outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
});
// The caller's directory: relative paths on a command line (`spimekit owner --config ./o.json`) mean theirs.
const child = spawn(process.execPath, [outfile, ...args], { stdio: 'inherit' });
// Pass signals on and wait for the child to clean up its servers (on a terminal's ^C the child
// gets SIGINT twice: directly and from here — its handlers are idempotent).
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => { rmSync(outfile, { force: true }); process.exit(code ?? (signal ? 1 : 0)); });
