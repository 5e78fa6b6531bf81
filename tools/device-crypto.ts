// Builds and runs hosts/moddable/crypto-test, the device crypto host's test program, with the
// Moddable SDK named by $MODDABLE (test/device/crypto.test.ts, bench/device-crypto.ts):
// `mcconfig -p x-cli-lin` generates the makefile, `make` builds with LIBRARIES on its command line
// (x-cli-lin's makefile overwrites the manifest's), and the executable runs on a vector file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the nearest folder up with manifest.json and package.json (this module also
 *  runs bundled from .tmp/run-ts/). */
export const root = ((): string => {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'manifest.json')) && existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error('spimekit repository not found above tools/device-crypto');
  }
})();
const app = join(root, 'hosts', 'moddable', 'crypto-test');
// x-cli-lin.mk's own libraries, then mbedTLS (as in hosts/moddable/crypto/manifest.json).
const LIBRARIES = 'LIBRARIES=-lm -lc $(shell $(PKGCONFIG) --libs gio-2.0) -latomic -lpthread -ldl -Wl,-lmbedtls,-lmbedx509,-lmbedcrypto';

function run(cmd: string, args: string[], { env, timeout, cwd = app }: { env: NodeJS.ProcessEnv; timeout: number; cwd?: string }): string {
  const r = spawnSync('nice', ['-n', '10', cmd, ...args], { cwd, env, timeout, encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) {
    const tail = out.split('\n').filter((l) => !/^# (cc|tsc|xsc|xsid) /.test(l)).slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`}):\n${tail}`);
  }
  return out;
}

/** Builds into `out` (an existing directory); returns the executable's path. */
export function buildCryptoTest(sdk: string, out: string): string {
  const env = { ...process.env, MODDABLE: sdk, PATH: [join(sdk, 'build', 'bin', 'lin', 'release'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) };
  run('mcconfig', ['-p', 'x-cli-lin', '-o', out, join(app, 'manifest.json')], { env, timeout: 5 * 60_000 });
  run('make', ['-f', join(out, 'tmp', 'lin', 'release', 'crypto-test', 'makefile'), LIBRARIES], { env, timeout: 15 * 60_000 });
  const exe = join(out, 'bin', 'lin', 'release', 'crypto-test');
  if (!existsSync(exe)) throw new Error(`no executable at ${exe}`);
  return exe;
}

/** Runs the program on a vector file; its stdout. */
export function runCryptoTest(exe: string, vectorFile: string, timeout = 10 * 60_000): string {
  return run(exe, [vectorFile], { env: process.env, timeout });
}
