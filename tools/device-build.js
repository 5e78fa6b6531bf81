// `node tools/device-build.js [platform]`: the device build with the Moddable SDK named by
// $MODDABLE, as `npm test` runs it: `mcconfig -m -p lin` (mac on macOS) into a throwaway build dir,
// compile and link. mcconfig compiles every module with its own generated tsconfig and xsl links
// them, which neither the project's tsc nor the XS suites prove.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const host = process.platform === 'darwin' ? 'mac' : 'lin';

/** true: built; false: failed (output shown); undefined: skipped (a line says why). */
export function deviceBuild({ platform = host, skip, env = process.env, log = console.log } = {}) {
  const sdk = env.MODDABLE;
  if (!sdk) {
    log(`\n== device compile skipped: $MODDABLE is not set (point it at a Moddable SDK with its host tools built to run \`mcconfig -m -p ${platform}\`; README "Building for the device")`);
    return undefined;
  }
  if (skip) { log(`\n== device compile skipped: ${skip}`); return undefined; }
  const name = `device: mcconfig -m -p ${platform} with the SDK at ${sdk} (compile and link)`;
  log(`\n== ${name}`);
  const out = mkdtempSync(join(tmpdir(), 'spimekit-mcconfig-'));
  // mcconfig runs `tsc` from PATH: the project's own TypeScript.
  const PATH = [join(sdk, 'build', 'bin', host, 'release'), join(root, 'node_modules', '.bin'), env.PATH].join(delimiter);
  let r;
  try {
    r = spawnSync('mcconfig', ['-m', '-p', platform, '-o', out], { cwd: root, env: { ...env, PATH }, encoding: 'utf8', maxBuffer: 64 << 20 });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (r.status === 0) { log('ok'); return true; }
  // Hundreds of `# cc`/`# tsc` progress lines and the SDK's own C warnings: only the end, on failure.
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  log(text.split('\n').filter((l) => !/^# (cc|tsc|xsc) /.test(l)).slice(-60).join('\n'));
  log(`✕ ${name}`);
  return false;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = deviceBuild({ platform: process.argv[2] ?? host });
  process.exit(result === false ? 1 : result === undefined ? 2 : 0);
}
