// `node tools/check-paths.js [ROOT]`: no test, tool, bench, host, board or src file (nor a config
// at the top) names a path outside the repository, so a clone anywhere runs the same. Static scan:
// - a `shared/` checkout beside the repository (`../shared/...`, the old vector location);
// - an absolute path into a checkout or a home (`/work/...`, `/home/...`, `/Users/...`, `/root/...`);
// - a relative path literal whose `..` steps leave ROOT, resolved the way its context resolves it:
//   against the file's folder (imports, `new URL(p, import.meta.url)`, tsconfig/manifest entries),
//   against the file itself in `resolve(fileURLToPath(import.meta.url), p)`, against the root in
//   `join(root, p)`.
// The Moddable SDK is the one outside tree allowed: it is named by $MODDABLE (`$(MODDABLE)` in a
// manifest, `process.env.MODDABLE` in a tool), never by a literal path. `.ci/` is CI's own set-up
// and is not scanned. Exits 1 listing `file:line: reason` for each finding.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCANNED_DIRS = ['src', 'hosts', 'boards', 'test', 'tools', 'bench'];
const SCANNED_EXT = /\.(ts|js|mjs|cjs|json|sh)$/;
// Published data (vectors), not code: their strings are not paths.
const DATA = /^test\/vectors\/.*\.json$/;

const SHARED = new RegExp(String.raw`(^|[^\w.])\.\.[/\\]+(\.\.[/\\]+)*shared([/\\]|\b)`);
const ABSOLUTE = /(^|[^\w.:/])(\/work|\/home|\/Users|\/root)\/[\w.-]/;
// A quoted or backquoted literal that starts with `..` steps (up to a `${` in a template).
const RELATIVE = /(['"`])((?:\.\.?\/)*\.\.(?:\/[^'"`$\n]*)?)(?:\1|\$\{)/g;

function files(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (SCANNED_EXT.test(name)) out.push(full);
    }
  };
  for (const d of SCANNED_DIRS) { try { walk(join(root, d)); } catch (e) { if (e.code !== 'ENOENT') throw e; } }
  for (const name of readdirSync(root)) if (/\.(js|mjs|cjs|json)$/.test(name) && name !== 'package-lock.json') out.push(join(root, name));
  return out.filter((f) => !DATA.test(relative(root, f).split(sep).join('/')));
}

// Comments may quote paths (`../../../src/x.js` as XS would see it): drop whole-line comments and
// ` // ` tails, which keeps `http://` inside strings.
function code(line, shell) {
  const t = line.trimStart();
  if (t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || (shell && t.startsWith('#'))) return '';
  return line.replace(/\s\/\/\s.*$/, '');
}

function baseFor(file, root, before) {
  if (/resolve\(\s*(fileURLToPath\(\s*import\.meta\.url\s*\)|new URL\(\s*import\.meta\.url\s*\)\.pathname|__filename)\s*,\s*$/.test(before)) return file;
  if (/(join|resolve)\(\s*(root|repoRoot|ROOT)\s*,\s*$/.test(before)) return root;
  return dirname(file);
}

/** Every place under `root` that names a path outside it: [{file, line, reason}]. */
export function findOutsidePaths(root) {
  root = resolve(root);
  const findings = [];
  for (const file of files(root)) {
    const rel = relative(root, file).split(sep).join('/');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((raw, i) => {
      const line = file.endsWith('.json') ? raw : code(raw, file.endsWith('.sh'));
      const report = (reason) => findings.push({ file: rel, line: i + 1, reason, text: raw.trim() });
      if (SHARED.test(line)) return report('names a shared/ checkout beside the repository');
      if (ABSOLUTE.test(line)) return report('absolute path into a checkout or home directory');
      for (const m of line.matchAll(RELATIVE)) {
        const base = baseFor(file, root, line.slice(0, m.index));
        const target = resolve(base, m[2]);
        const inside = relative(root, target);
        if (inside === '..' || inside.startsWith(`..${sep}`)) return report(`'${m[2]}' resolves outside the repository (${target})`);
      }
    });
  }
  return findings;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const findings = findOutsidePaths(root);
  for (const f of findings) console.log(`${f.file}:${f.line}: ${f.reason}\n    ${f.text}`);
  console.log(findings.length ? `${findings.length} path(s) outside the repository` : 'no path outside the repository');
  process.exit(findings.length ? 1 : 0);
}
