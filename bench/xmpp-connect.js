// Runs bench/xmpp-connect.ts (bundled with esbuild; node: and npm packages stay external).
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const dir = mkdtempSync(join(root, 'bench', '.build-'));
const out = join(dir, 'xmpp-connect.mjs');
await esbuild.build({ entryPoints: [join(root, 'bench/xmpp-connect.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outfile: out, logLevel: 'silent' });
try { await import(pathToFileURL(out).href); } finally { rmSync(dir, { recursive: true, force: true }); }
