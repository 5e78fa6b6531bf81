// `node tools/esp32-check.js [esp32|esp32/esp32s3 ...]`: the ESP32 builds checked as far as they go
// without ESP-IDF (which cannot be installed here). With $MODDABLE's host tools:
// 1. `mcconfig -p PLATFORM` (no make) with a placeholder IDF_PATH: the manifest resolves for that
//    platform (includes, modules, defines, the mbedTLS dependency) and the makefile is generated;
// 2. every TypeScript module of that build compiled as mcconfig would (its generated tsconfig,
//    against the SDK's own typings, in one tsc run with noEmit);
// 3. the partition table mcconfig put in the build (boards/*/partitions.csv): the `spimelog` (flash log) and
//    `spimerec` (record store) data partitions present, 4 KB-aligned, inside 4 MB, no overlaps, the app 64 KB-aligned.
// What is NOT checked: C compilation for the Xtensa/RISC-V targets, linking against ESP-IDF's
// mbedTLS, flashing, and anything at run time on a board (README "Building for the device").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');

/** The partition table's problems (empty: fine). */
export function checkPartitions(csv, { flashBytes = 4 << 20, dataPartitions = ['spimelog', 'spimerec'] } = {}) {
  const problems = [];
  const rows = csv.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').map((f) => f.trim()));
  const parts = rows.map(([name, type, subtype, offset, size]) => ({ name, type, subtype, offset: Number(offset), size: Number(size) }));
  for (const p of parts) {
    if (!Number.isInteger(p.offset) || !Number.isInteger(p.size) || p.size <= 0) problems.push(`${p.name}: offset/size not numbers`);
    if (p.offset % 0x1000) problems.push(`${p.name}: offset ${p.offset.toString(16)} not 4 KB-aligned`);
    if (p.type === 'app' && p.offset % 0x10000) problems.push(`${p.name}: app offset not 64 KB-aligned`);
    if (p.offset + p.size > flashBytes) problems.push(`${p.name}: ends past ${flashBytes} bytes of flash`);
  }
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1].offset + sorted[i - 1].size > sorted[i].offset) problems.push(`${sorted[i - 1].name} overlaps ${sorted[i].name}`);
  }
  for (const name of dataPartitions) {
    const part = parts.find((p) => p.name === name);
    if (!part) { problems.push(`no ${name} partition`); continue; }
    if (part.type !== 'data') problems.push(`${name}: type ${part.type}, not data`);
    if (part.size % 4096 || part.size / 4096 < 4) problems.push(`${name}: not a whole number (>= 4) of 4 KB blocks`);
  }
  if (!parts.some((p) => p.subtype === 'nvs')) problems.push('no nvs partition (the provisioning record lives there)');
  return problems;
}

/** true: every check passed; false: one failed (output shown); undefined: skipped. */
export function esp32Check({ platform = 'esp32', env = process.env, log = console.log } = {}) {
  const sdk = env.MODDABLE;
  if (!sdk) { log(`\n== ESP32 check skipped: $MODDABLE is not set`); return undefined; }
  const name = `device: mcconfig -p ${platform} up to ESP-IDF (manifest, TypeScript on the SDK's typings, partition table)`;
  log(`\n== ${name}`);
  const out = mkdtempSync(join(tmpdir(), 'spimekit-esp32-'));
  try {
    const idf = join(out, 'no-esp-idf'); // mcconfig wants IDF_PATH set; nothing in it is used before make
    mkdirSync(idf);
    const PATH = [join(sdk, 'build', 'bin', process.platform === 'darwin' ? 'mac' : 'lin', 'release'), join(root, 'node_modules', '.bin'), env.PATH].join(delimiter);
    const build = join(out, 'build');
    mkdirSync(build);
    const r = spawnSync('mcconfig', ['-p', platform, '-o', build], { cwd: root, env: { ...env, PATH, IDF_PATH: idf }, encoding: 'utf8' });
    if (r.status !== 0) { log(`${r.stdout}${r.stderr}`.trim()); log(`✕ ${name}: mcconfig`); return false; }
    const sub = platform.split('/')[1] ?? 'esp32';
    const tmpDir = join(build, 'tmp', ...platform.split('/'), 'release');
    const app = existsSync(tmpDir) ? readdirSync(tmpDir).map((d) => join(tmpDir, d)).find((d) => existsSync(join(d, 'makefile'))) : undefined;
    if (!app) { log(`✕ ${name}: no generated makefile under ${tmpDir}`); return false; }
    // 2. TypeScript: the generated per-module tsconfigs, in one program
    const modulesDir = join(app, 'modules');
    const files = [];
    const walk = (dir) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) walk(join(dir, f.name));
        else if (f.name.endsWith('-tsconfig.json')) files.push(...JSON.parse(readFileSync(join(dir, f.name), 'utf8')).files);
      }
    };
    walk(modulesDir);
    const combined = join(modulesDir, 'spimekit-check-tsconfig.json');
    writeFileSync(combined, JSON.stringify({ extends: join(modulesDir, 'tsconfig-base.json'), compilerOptions: { noEmit: true, rootDir: '/' }, files }));
    const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', combined], { cwd: root, encoding: 'utf8' });
    if (tsc.status !== 0) { log(`${tsc.stdout}${tsc.stderr}`.trim().split('\n').slice(0, 40).join('\n')); log(`✕ ${name}: TypeScript (${files.length} modules)`); return false; }
    // 3. the partition table in the build
    const csvPath = join(app, `xsProj-${sub}`, 'partitions.csv');
    if (!existsSync(csvPath)) { log(`✕ ${name}: no partitions.csv in the build`); return false; }
    const problems = checkPartitions(readFileSync(csvPath, 'utf8'));
    if (problems.length) { log(problems.join('\n')); log(`✕ ${name}: partition table`); return false; }
    log(`ok (${files.length} TypeScript modules; partition table with spimelog and spimerec)`);
    return true;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// run as a script (not when bundled into another entry point by run-ts, where import.meta.url is the bundle)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[1].endsWith('esp32-check.js')) {
  const platforms = process.argv.slice(2).length ? process.argv.slice(2) : ['esp32', 'esp32/esp32s3'];
  const results = platforms.map((platform) => esp32Check({ platform }));
  process.exit(results.includes(false) ? 1 : results.includes(undefined) ? 2 : 0);
}
