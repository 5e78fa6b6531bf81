// Run bundled JavaScript on Moddable's XS engine (the device's engine), through @agoric/xsnap.
// Shared by the XS test harness (tools/xs-test.js) and the XS benchmarks (bench/).
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
// xsnap's own dependencies need SES (lockdown) in the Node process that drives it.
import '@endo/init';
import { xsnap } from '@agoric/xsnap';
import * as esbuild from 'esbuild';

/** Bundle an entry (TypeScript or JavaScript) to one IIFE script: xsnap evaluates scripts, and a
 *  module error there would fail silently. */
export async function bundleForXs(entryContents, resolveDir, { minify = false } = {}) {
  const result = await esbuild.build({
    stdin: { contents: entryContents, resolveDir, loader: 'ts', sourcefile: 'xs-entry.ts' },
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    write: false,
    minify,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return result.outputFiles[0].text;
}

const decoder = new TextDecoder();

/** Start an XS worker. `onMessage` receives each JSON message the script sends via issueCommand. */
export async function startXs({ name = 'spimekit-xs', onMessage = () => {}, meteringLimit = 0 } = {}) {
  return xsnap({
    os: os.type(),
    spawn,
    fs: { ...fs, ...fsp }, // snapshots are not used, so no temp files
    name,
    meteringLimit,
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (bytes) => {
      onMessage(JSON.parse(decoder.decode(bytes)));
      return new Uint8Array(0);
    },
  });
}
