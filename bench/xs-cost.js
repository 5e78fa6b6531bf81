// `npm run bench:xs`: what the spime's own JavaScript costs on XS, the device's engine (xsnap),
// with the same work timed on Node in the same run (bench/xs-cost-work.ts; crypto stubbed by
// fixed-cost natives):
//   (a) build, canonicalize, seal (sign + encrypt) and serialize a 20-entry report iq,
//   (b) parse one maximum-size incoming stanza (64 KiB, the tokenizer's limit),
//   (c) one SCRAM-SHA-1 login's JavaScript side.
// XS: computrons (xsnap's meter: bytecode steps and metered native work) of one run, and the heap
// slots it took (xsnap's currentHeapCount after the run minus before it, no collection between:
// what the run allocated, an upper bound of its peak; a slot is 16 bytes on the ESP32, 32 in
// xsnap). xsnap reports no chunk (string and buffer) bytes: its `allocate` is the space reserved
// from the system, which these runs never grow. Node: µs per run (best of several), with the Node
// host's XML engine settings (src/xml/engine.ts).
//
// Issue 14, (a) in XS computrons: 4.63 M baseline (after base64Encode stopped overflowing the XS
// stack with 4096-argument calls: before, a sealed report could not be built on XS at all);
// 3.35 M with UTF-8 encoding by encodeURIComponent/unescape (a loop per character cost ~100
// steps) and the writer copying plain ASCII strings after one search; 1.71 M (−63%) with seal
// checking the container's values instead of re-parsing it (which decoded every base64 value)
// and signing the element as built (its own signed view, no copy and no re-encoding).
// (b) 757 k -> 605 k with the tokenizer work (bench:xml); (c) 111 k -> 95 k.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { bundleForXs, startXs } from '../tools/xs.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const WORK = {
  'a: report 20 entries': 'buildReport(batch).length',
  'b: parse 64 KiB stanza': 'parseStanza(stanza)',
  'c: SCRAM login': 'scramLogin()',
};
const SETUP = `import * as w from './bench/xs-cost-work.ts';
  Object.assign(globalThis, w, { batch: w.entries(20), stanza: w.maxStanza() });`;

async function onXs() {
  const setup = await bundleForXs(SETUP, root);
  const out = {};
  for (const [name, expr] of Object.entries(WORK)) {
    let reply = null;
    const worker = await startXs({ name: 'bench-xs-cost', onMessage: (m) => { reply = m; } });
    try {
      await worker.evaluate(setup);
      await worker.evaluate('globalThis.__r = 0; if (typeof gc === "function") gc();');
      const before = (await worker.evaluate('1')).meterUsage;
      const r = (await worker.evaluate(`globalThis.__r = ${expr};`)).meterUsage;
      await worker.evaluate('issueCommand(new Uint8Array(Array.from(JSON.stringify({ r: globalThis.__r }), (c) => c.charCodeAt(0))).buffer)');
      out[name] = { compute: r.compute, slots: r.currentHeapCount - before.currentHeapCount, check: reply?.r };
    } finally {
      await worker.close();
    }
  }
  return out;
}

async function onNode() {
  const built = await esbuild.build({ stdin: { contents: `import './hosts/node/xml-engine.ts'; export * from './bench/xs-cost-work.ts';`, resolveDir: root, loader: 'ts' }, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'silent' });
  const w = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
  const batch = w.entries(20), stanza = w.maxStanza();
  const fns = { 'a: report 20 entries': () => w.buildReport(batch).length, 'b: parse 64 KiB stanza': () => w.parseStanza(stanza), 'c: SCRAM login': () => w.scramLogin() };
  const out = {};
  for (const [name, fn] of Object.entries(fns)) {
    for (let k = 0; k < 20; k++) fn(); // warm up
    let best = Infinity, check;
    for (let r = 0; r < 30; r++) {
      const t0 = process.hrtime.bigint();
      check = fn();
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3);
    }
    out[name] = { us: best, check };
  }
  return out;
}

const xs = await onXs();
const node = await onNode();
console.log('work                     XS computrons   XS slots   Node µs   (check: XS / Node)');
for (const name of Object.keys(WORK)) {
  const x = xs[name], n = node[name];
  console.log(`${name.padEnd(24)} ${String(x.compute).padStart(13)}   ${String(x.slots).padStart(8)}   ${n.us.toFixed(0).padStart(7)}   (${x.check} / ${n.check})`);
}
