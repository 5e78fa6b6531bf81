// `npm run bench:<name>`: bundles bench/<name>.ts with esbuild (packages stay external, resolved
// from node_modules) into .tmp/bench/ and runs it with Node. Extra arguments go to the benchmark.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
if (!name) { console.error('usage: node tools/bench.js <name> [args]   (runs bench/<name>.ts)'); process.exit(2); }
const outfile = join(root, '.tmp', 'bench', `${name}.mjs`);
await build({
  entryPoints: [join(root, 'bench', `${name}.ts`)],
  outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
});
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
