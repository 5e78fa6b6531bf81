// tools/check-paths.js (run by npm test): finds paths that leave the repository, and only those.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: plain JavaScript tool without declarations
import { findOutsidePaths } from '../../tools/check-paths.js';

type Finding = { file: string; line: number; reason: string };
const up = (n: number) => Array(n).fill('..').join('/'); // kept out of literals: this file is scanned too
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

function scan(files: Record<string, string>): Finding[] {
  const root = mkdtempSync(join(tmpdir(), 'spimekit-check-paths-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    return findOutsidePaths(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('the repository itself has no path outside it', () => {
  expect(findOutsidePaths(repoRoot)).toEqual([]);
});

test('the old Wycheproof loader (vectors read from a shared/ checkout beside the repo) is found', () => {
  const old = `  return JSON.parse(readFileSync(new URL(\`${up(3)}/shared/vectors/wycheproof/\${name}.json\`, import.meta.url), 'utf8'));\n`;
  expect(scan({ 'test/helpers/wycheproof.ts': `import { readFileSync } from 'node:fs';\n${old}` }))
    .toEqual([expect.objectContaining({ file: 'test/helpers/wycheproof.ts', line: 2, reason: expect.stringMatching(/shared/) })]);
});

test('relative escapes are resolved the way their context resolves them', () => {
  const found = scan({
    'test/a.test.ts': `const a = new URL('${up(1)}/README.md', import.meta.url);\nconst b = new URL('${up(3)}/elsewhere/x.json', import.meta.url);\n`,
    'tools/b.js': `const root = resolve(fileURLToPath(import.meta.url), '${up(2)}');\nconst out = resolve(fileURLToPath(import.meta.url), '${up(3)}');\nconst c = join(root, '${up(1)}', 'sdk');\n`,
    'bench/c.ts': `import x from '${up(1)}/src/x.js';\nimport y from '${up(2)}/other/y.js';\n`,
    'hosts/moddable/tsconfig.json': `{ "extends": "${up(2)}/tsconfig.base.json", "paths": { "x": ["${up(3)}/z.ts"] } }\n`,
  });
  expect(found.map((f) => `${f.file}:${f.line}`).sort()).toEqual([
    'bench/c.ts:2', 'hosts/moddable/tsconfig.json:1', 'test/a.test.ts:2', 'tools/b.js:2', 'tools/b.js:3',
  ]);
});

test('absolute checkout paths are found; $MODDABLE, comments and system files are not', () => {
  const found = scan({
    'tools/d.js': [
      `const sdk = '/${'work'}/sdk/moddable';`,
      `const sdk2 = process.env.MODDABLE;`,
      `// XS resolves \`${up(3)}/src/x.js\` against the module name`,
      `const os = readFileSync('/etc/os-release', 'utf8');`,
      `const url = 'https://example.net/a/b';`,
    ].join('\n'),
    'manifest.json': `{ "include": ["$(MODDABLE)/examples/manifest_base.json"] }`,
  });
  expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(['tools/d.js:1']);
});
