// `node tools/check-manifest.js [platform]`: checks manifest.json the way the Moddable SDK will use
// it, without the SDK. For every module the manifest maps (wildcards expanded like mcconfig:
// `.ts`/`.js` files of that one folder), each import that survives compilation is resolved the way
// XS does (relative to the importing module's *name*, `.js` dropped) and must land on a manifest
// module that is the same file Node/tsc resolve it to. Also: `spimekit/...` specifiers must exist,
// and `preload` wildcards (mcconfig matches them against .js modules only) are flagged.
// Moddable's own modules (`embedded:io/i2c`, `timer`, ...) are listed, not checked.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve, relative } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const platform = process.argv[2] ?? 'esp32';

const modules = new Map(); // name -> absolute file
const preload = [];
const errors = [];

function addManifest(file) {
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  const base = dirname(file);
  const sections = [manifest];
  // The most specific platform entry wins (mcconfig: `esp32/esp32s3` before `esp32`).
  const keys = Object.keys(manifest.platforms ?? {});
  const match = keys.find((k) => k === platform) ?? keys.find((k) => k === platform.split('/')[0]);
  if (match) sections.push(manifest.platforms[match]);
  for (const section of sections) {
    for (const include of [].concat(section.include ?? [])) {
      if (include.startsWith('./') || include.startsWith('../')) addManifest(resolve(base, include));
    }
    for (const [name, target] of Object.entries(section.modules ?? {})) {
      for (const t of [].concat(target)) {
        if (t.startsWith('$(')) continue;
        addModule(name, resolve(base, t));
      }
    }
    preload.push(...(section.preload ?? []));
  }
}

function addModule(name, target) {
  if (target.endsWith('/*')) {
    const dir = target.slice(0, -2);
    if (!existsSync(dir)) { errors.push(`${name}: no folder ${relative(root, dir)}`); return; }
    for (const f of readdirSync(dir)) {
      const m = /^(.*)\.(ts|js)$/.exec(f);
      if (!m || f.endsWith('.d.ts')) continue;
      const moduleName = name === '*' ? m[1] : name.slice(0, -1) + m[1];
      modules.set(moduleName, join(dir, f));
    }
    return;
  }
  const file = [target + '.ts', target + '.js'].find(existsSync);
  // `"*": ["./native"]` also names C sources (mcconfig compiles a .c of that name)
  if (!file && name === '*' && existsSync(target + '.c')) return;
  if (!file) { errors.push(`${name}: no file ${relative(root, target)}.ts`); return; }
  modules.set(name, file);
}

// Specifiers that remain after TypeScript erases `import type` / `export type`.
function runtimeSpecifiers(source) {
  const out = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(re)) {
    if (m[2]) continue; // import type / export type
    out.push(m[4] ?? m[5] ?? m[6]);
  }
  return out;
}

// xs/platforms/mc/xsHosts.c fxFindModule, for names with '/' separators.
function xsResolve(referrer, specifier) {
  let name = specifier.replace(/\.(m?js)$/, '');
  let dot = 0;
  let i = 0;
  if (name.startsWith('./')) { dot = 1; i = 1; } else if (name.startsWith('../')) {
    dot = 2; i = 2;
    while (name.slice(i + 1, i + 4) === '../') { dot++; i += 3; }
  } else return name;
  let buffer = '/' + referrer;
  for (; dot > 0; dot--) {
    const slash = buffer.lastIndexOf('/');
    if (slash < 0) return undefined;
    buffer = buffer.slice(0, slash);
  }
  return (buffer + name.slice(i)).slice(1);
}

addManifest(join(root, 'manifest.json'));
const external = new Set();
for (const [name, file] of modules) {
  for (const specifier of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
    const where = `${name} (${relative(root, file)}): '${specifier}'`;
    if (specifier.startsWith('.')) {
      const resolved = xsResolve(name, specifier);
      const onDisk = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (!resolved || !modules.has(resolved)) {
        errors.push(`${where} resolves on XS to '${resolved}', which the manifest does not define (Node finds ${relative(root, onDisk)}); import it by its manifest name`);
      } else if (modules.get(resolved) !== onDisk && modules.get(resolved) !== onDisk.replace(/\.ts$/, '.js')) {
        errors.push(`${where} resolves on XS to '${resolved}' = ${relative(root, modules.get(resolved))}, but Node/tsc to ${relative(root, onDisk)}`);
      }
    } else if (specifier.startsWith('spimekit/')) {
      if (!modules.has(specifier)) errors.push(`${where}: no such module in the manifest`);
    } else if (!modules.has(specifier)) external.add(specifier);
  }
}
for (const p of preload) {
  if (p.includes('*')) errors.push(`preload '${p}': mcconfig matches preload wildcards against .js modules only; list TypeScript modules by name`);
  else if (p.startsWith('spimekit/') && !modules.has(p)) errors.push(`preload '${p}': no such module`);
}

// mcconfig compiles each module with its own generated tsconfig plus the manifest's
// `typescript.tsconfig.compilerOptions`: every checking option of the project's tsconfig.base.json
// must be there with the same value, or the device build narrows differently from `tsc`. Only the
// module system (mcconfig's `preserve`), target/lib (set for TS5, above) and outputs differ.
const NOT_FOR_MCCONFIG = new Set(['module', 'moduleResolution', 'target', 'lib', 'declaration', 'sourceMap', 'resolveJsonModule']);
const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const device = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')).typescript?.tsconfig?.compilerOptions ?? {};
for (const [option, value] of Object.entries(base)) {
  if (NOT_FOR_MCCONFIG.has(option)) continue;
  if (JSON.stringify(device[option]) !== JSON.stringify(value)) errors.push(`typescript.tsconfig.compilerOptions.${option} is ${JSON.stringify(device[option])}, tsconfig.base.json has ${JSON.stringify(value)}`);
}

console.log(`manifest.json (${platform}): ${modules.size} modules; Moddable modules imported: ${[...external].sort().join(', ') || 'none'}`);
for (const e of errors) console.log(`error: ${e}`);
console.log(errors.length ? `${errors.length} problems` : 'ok');
process.exit(errors.length ? 1 : 0);
