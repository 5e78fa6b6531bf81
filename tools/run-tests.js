// `npm test`: type-check (src/ alone, with no Node types, then everything), the jest suites on
// Node, the portable suites on XS, and, with $MODDABLE set, the device build with that SDK. Ends
// with one line `N passed, N failed` for CI.
// Extra arguments are passed to jest (e.g. a path filter) and used as the XS suite filter.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runXsTests } from './xs-test.js';
import { ensureServers } from './ensure-servers.js';
import { deviceBuild, deviceTier } from './device-build.js';
import { esp32Check } from './esp32-check.js';

// The server suites need Prosody and ejabberd, the ScopeNode store's PostgreSQL, the dashboard's
// browser: install them now, or stop before running anything.
if (!ensureServers(['prosody', 'ejabberd', 'openssl', 'postgresql', 'chromium'], { command: 'npm test' })) process.exit(1);

const args = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;

function step(name, cmd, cmdArgs) {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  return r.status === 0;
}

const checks = [
  ['tsc: src/ on ES2022 alone (no Node, no DOM)', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.src.json']],
  ['tsc: all', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json']],
  ['tsc: device glue against the Moddable module declarations', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'hosts/moddable']],
  ['tsc: device glue, ESP32 platform files', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'hosts/moddable/tsconfig.esp32.json']],
  ['tsc: device crypto host and its test program (hosts/moddable/crypto, crypto-test)', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'hosts/moddable/crypto-test']],
  ['manifest: module names and imports resolve as XS resolves them', process.execPath, ['tools/check-manifest.js']],
  ['manifest: the same for the lin target (the device tier)', process.execPath, ['tools/check-manifest.js', 'lin']],
  ['manifest: the same for ESP32-S3', process.execPath, ['tools/check-manifest.js', 'esp32/esp32s3']],
  ['paths: no test, tool, bench or host file names a path outside the repository', process.execPath, ['tools/check-paths.js']],
];
for (const [name, cmd, cmdArgs] of checks) {
  if (step(name, cmd, cmdArgs)) passed++;
  else { failed++; console.log(`✕ ${name}`); }
}

const dir = mkdtempSync(join(tmpdir(), 'spimekit-jest-'));
const out = join(dir, 'jest.json');
step('jest (Node)', process.execPath, ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', '--json', `--outputFile=${out}`, ...args]);
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests;
  // A suite that fails to load has no failing test of its own: count it.
  failed += r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.every((a) => a.status !== 'failed')).length;
  if (r.numTotalTests === 0) { failed++; console.log('✕ jest ran no test'); }
} catch (e) {
  failed++; console.log(`✕ jest produced no result: ${e.message}`);
}
rmSync(dir, { recursive: true, force: true });

console.log('\n== XS (Moddable engine, via xsnap)');
const xs = await runXsTests(args.find((a) => !a.startsWith('-')) ?? '');
passed += xs.passed; failed += xs.failed; skipped += xs.skipped;

// The device build with the real SDK ($MODDABLE), one check; a line saying why when skipped. On
// Linux the build is kept for the device tier, which adds its own counts.
const linOut = process.platform === 'linux' && process.env.MODDABLE && !args.length ? mkdtempSync(join(tmpdir(), 'spimekit-device-build-')) : undefined;
try {
  const device = deviceBuild({ skip: args.length ? 'filtered run' : undefined, out: linOut });
  if (device === true) passed++;
  else if (device === false) failed++;
  if (device === true && linOut) {
    const tier = deviceTier(linOut);
    passed += tier.passed; failed += tier.failed;
  }
} finally {
  if (linOut) rmSync(linOut, { recursive: true, force: true });
}
// ESP32 and ESP32-S3 as far as they go without ESP-IDF (tools/esp32-check.js)
if (process.env.MODDABLE && !args.length) {
  for (const platform of ['esp32', 'esp32/esp32s3']) {
    const r = esp32Check({ platform });
    if (r === true) passed++;
    else if (r === false) failed++;
  }
}


console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
