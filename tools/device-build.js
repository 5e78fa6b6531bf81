// `node tools/device-build.js [platform]`: the device build with the Moddable SDK named by
// $MODDABLE, as `npm test` runs it: `mcconfig -m -p lin` (mac on macOS) into a throwaway build dir,
// compile and link. mcconfig compiles every module with its own generated tsconfig and xsl links
// them, which neither the project's tsc nor the XS suites prove.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The clone: the nearest folder up with manifest.json (this file may run bundled from .tmp/run-ts/).
function findRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(fileURLToPath(import.meta.url), '../..');
  }
}
const root = findRoot(dirname(fileURLToPath(import.meta.url)));
const host = process.platform === 'darwin' ? 'mac' : 'lin';

/** The lin target's simulated sensors: hosts/sim bundled into one module (its relative imports of
 *  src/ cannot be resolved by module name on XS), with its typings, into `dir`. */
export function bundleSim(dir) {
  mkdirSync(dir, { recursive: true });
  buildSync({ entryPoints: [join(root, 'hosts/sim/sensors/spime.ts')], outfile: join(dir, 'sim.js'), bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', logLevel: 'warning' });
  copyFileSync(join(root, 'hosts/moddable/lin/sim.d.ts'), join(dir, 'sim.d.ts'));
}

/** The `-p lin` build's mc.so under an mcconfig output dir (mcconfig names the app after the
 *  project's folder), or undefined. */
export function linLibrary(out) {
  const dir = join(out, 'bin', 'lin', 'mc', 'release');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).map((name) => join(dir, name, 'mc.so')).find(existsSync);
}

/** The headless launcher (hosts/moddable/lin/launcher.c) built into `out`: its path, or an Error. */
export function buildLauncher(out, env = process.env) {
  const sdk = env.MODDABLE;
  const exe = join(out, 'spimekit-lin');
  const glib = spawnSync('pkg-config', ['--cflags', '--libs', 'glib-2.0'], { encoding: 'utf8' });
  if (glib.status !== 0) return new Error(`pkg-config glib-2.0: ${glib.stderr || glib.error?.message}`);
  const r = spawnSync('cc', ['-O1', '-o', exe, join(root, 'hosts/moddable/lin/launcher.c'), `-I${join(sdk, 'build', 'simulators', 'modules')}`, '-DmxLinux=1', ...glib.stdout.trim().split(/\s+/), '-ldl'], { encoding: 'utf8' });
  if (r.status !== 0) return new Error(`cc launcher.c: ${r.stderr || r.error?.message}`);
  return exe;
}

/** true: built; false: failed (output shown); undefined: skipped (a line says why). `out`: keep
 *  the build there (default: a throwaway dir). */
export function deviceBuild({ platform = host, skip, env = process.env, log = console.log, out: keep } = {}) {
  const sdk = env.MODDABLE;
  if (!sdk) {
    log(`\n== device compile skipped: $MODDABLE is not set (point it at a Moddable SDK with its host tools built to run \`mcconfig -m -p ${platform}\`; README "Building for the device")`);
    return undefined;
  }
  if (skip) { log(`\n== device compile skipped: ${skip}`); return undefined; }
  const name = `device: mcconfig -m -p ${platform} with the SDK at ${sdk} (compile and link)`;
  log(`\n== ${name}`);
  const out = keep ?? mkdtempSync(join(tmpdir(), 'spimekit-mcconfig-'));
  // mcconfig runs `tsc` from PATH: the project's own TypeScript.
  const PATH = [join(sdk, 'build', 'bin', host, 'release'), join(root, 'node_modules', '.bin'), env.PATH].join(delimiter);
  let r;
  try {
    const SPIMEKIT_SIM = join(out, 'spimekit-sim');
    bundleSim(SPIMEKIT_SIM);
    r = spawnSync('mcconfig', ['-m', '-p', platform, '-o', out], { cwd: root, env: { ...env, PATH, SPIMEKIT_SIM }, encoding: 'utf8', maxBuffer: 64 << 20 });
  } finally {
    if (!keep) rmSync(out, { recursive: true, force: true });
  }
  if (r.status === 0) { log('ok'); return true; }
  // Hundreds of `# cc`/`# tsc` progress lines and the SDK's own C warnings: only the end, on failure.
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  log(text.split('\n').filter((l) => !/^# (cc|tsc|xsc) /.test(l)).slice(-60).join('\n'));
  log(`✕ ${name}`);
  return false;
}

/** The device tier (tools/device-tier.ts) on a kept `-p lin` build in `out`: its own counts. */
export function deviceTier(out, { env = process.env, log = console.log } = {}) {
  log('\n== device tier: the lin firmware headless against Prosody, a Node ScopeNode receiving');
  const launcher = buildLauncher(out, env);
  const library = linLibrary(out);
  if (launcher instanceof Error || !library) {
    log(`✕ device tier: ${launcher instanceof Error ? launcher.message : `no mc.so under ${out}`}`);
    return { passed: 0, failed: 1 };
  }
  const r = spawnSync(process.execPath, [join(root, 'tools/run-ts.js'), join(root, 'tools/device-tier.ts'), out, launcher, library], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  log(text.trimEnd());
  const m = /device tier: (\d+) passed, (\d+) failed/.exec(text);
  if (!m) { log(`✕ device tier: no result line (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''})`); return { passed: 0, failed: 1 }; }
  return { passed: Number(m[1]), failed: Number(m[2]) };
}

// run as a script (not when bundled into another entry point by run-ts, where import.meta.url is the bundle)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[1].endsWith('device-build.js')) {
  // `node tools/device-build.js lin --tier`: build, then run the device tier on it
  const tier = process.argv.includes('--tier');
  const platform = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? host;
  const out = tier ? mkdtempSync(join(tmpdir(), 'spimekit-device-build-')) : undefined;
  try {
    const result = deviceBuild({ platform, out });
    if (result !== true || !tier) process.exit(result === false ? 1 : result === undefined ? 2 : 0);
    const counts = deviceTier(out);
    process.exitCode = counts.failed ? 1 : 0;
  } finally {
    if (out) rmSync(out, { recursive: true, force: true });
  }
}
