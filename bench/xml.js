// Benchmark of the XML tokenizer against the parsers XMPP libraries use: ltx's raw SaxLtx
// tokenizer (what @xmpp/xml runs on) and saxes. `npm run bench:xml [-- NODE_MB XS_MB]` (defaults 8 and 1;
// NODE_ONLY=1 or XS_ONLY=1 in the environment runs one half).
// On Node: MB/s (of CPU time) over a generated multi-megabyte stream fed in 4 KB chunks, best of several runs.
// On XS (xsnap): computrons per MB (the meter counts bytecode steps) and wall-clock time, which
// also shows native costs the meter does not, like XS's scans for string indexing.
// Note: the project tokenizer validates fully and builds element trees; SaxLtx only emits events
// (no UTF-8, name, entity or namespace checks). The string peers get pre-decoded strings.
//
// What each change of issue 14 bought (XS: computrons per MB, exact; Node: × ltx, ±10% on the
// loaded 2-core machine it was measured on):
//   XS  36.6 (0.84× ltx)  baseline
//       36.0              text runs searched for their first special character (a greedy match
//                         costs 3 steps per character, a search 1)
//       32.3 (0.75×)      one Latin-1 view per chunk shared by text, tags and values: each byte
//                         converted once (6 steps per byte), no typed-array indexOf (8 per byte)
//       31.5 (0.73×)      plain start tags taken apart by searches and string indexOf; attribute
//                         checks without a call per attribute
//       29.9 (0.69×)      no empty flush before each tag; native text from the first kept byte
//       29.2 (0.67×)      after splitting the tokenizer into its parts (a bit lost, regained)
//       29.16 (0.67×)     stanza bookkeeping (stanza.ts) and the token's bytes (token.ts) split
//                         out (+0.07 for the hops to them), the native text call inlined (−0.11)
//   Node 0.53× ltx        baseline (the regular-expression paths on V8: spimekit/xs-way now)
//       ~1.05×            engine switch: byte loops, interned names, Node's UTF-8 decoder
//       ~1.3×             ASCII tokens as slices of one Latin-1 string per chunk (no copy);
//                         one-element children arrays (V8 gives an empty array room for 17)
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SaxesParser } from 'saxes';
import { bundleForXs, startXs } from '../tools/xs.js';
import { generateStream, toChunks, toStringChunks } from './xml-corpus.js';

const require = createRequire(import.meta.url);
const SaxLtx = require('ltx/lib/parsers/ltx.js');
const root = resolve(fileURLToPath(import.meta.url), '../..');
const CHUNK = 4096;
const nodeMB = Number(process.argv[2] ?? 8);
const xsMB = Number(process.argv[3] ?? 1);

// The XML layer with the engine switch (src/xml/engine.ts) and the Node host's settings for it.
async function loadXml() {
  const out = await esbuild.build({
    stdin: {
      contents: `export * from './src/xml/index.ts'; export { useXmlEngine } from './src/xml/engine.ts'; export { useNodeXmlEngine } from './hosts/node/xml-engine.ts';`,
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'silent',
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

// Each runner returns the number of stanzas (depth-1 elements) it saw, as a cross-check.
const runners = {
  spimekit: ({ XmlTokenizer, useNodeXmlEngine }) => (chunks) => {
    useNodeXmlEngine(); // as hosts/node/xmpp.ts runs it
    let n = 0;
    const t = new XmlTokenizer({ streamStart() {}, stanza() { n++; }, streamEnd() {} });
    for (const c of chunks) t.feed(c);
    return n;
  },
  // The device's way on V8: regular expressions over Latin-1 windows, the JavaScript decoder.
  'spimekit/xs-way': ({ XmlTokenizer, useXmlEngine }) => (chunks) => {
    useXmlEngine({ cheapLoops: false, decodeUtf8: null, decodeLatin1: null });
    let n = 0;
    const t = new XmlTokenizer({ streamStart() {}, stanza() { n++; }, streamEnd() {} });
    for (const c of chunks) t.feed(c);
    return n;
  },
  ltx: () => (strings) => {
    let depth = 0, n = 0;
    const p = new SaxLtx();
    p.on('startElement', () => { depth++; });
    p.on('endElement', () => { if (--depth === 1) n++; });
    p.on('text', () => {});
    for (const s of strings) p.write(s);
    return n;
  },
  // ltx as @xmpp/xml gets it from a socket: bytes decoded by a streaming TextDecoder first.
  'ltx+utf8': () => (chunks) => {
    let depth = 0, n = 0;
    const p = new SaxLtx();
    const decoder = new TextDecoder();
    p.on('startElement', () => { depth++; });
    p.on('endElement', () => { if (--depth === 1) n++; });
    p.on('text', () => {});
    for (const c of chunks) p.write(decoder.decode(c, { stream: true }));
    return n;
  },
  saxes: () => (strings) => {
    let depth = 0, n = 0;
    const p = new SaxesParser({ xmlns: true });
    p.on('opentag', () => { depth++; });
    p.on('closetag', () => { if (--depth === 1) n++; });
    p.on('text', () => {});
    for (const s of strings) p.write(s);
    return n;
  },
};

// Best of several runs, the runners interleaved, in CPU time (user + system) of this process:
// on a shared machine the load drifts and preempts, and the ratios between runners are what this
// measures. (The CPU time includes V8's collector threads: the work a parser causes.)
function bestOf(entries, bytes, runs = 10) {
  const bestMs = {}, counts = {};
  for (const [name, fn, input] of entries) { fn(input); bestMs[name] = Infinity; } // warm up
  for (let r = 0; r < runs; r++) {
    for (const [name, fn, input] of entries) {
      const t0 = process.cpuUsage();
      counts[name] = fn(input);
      const t = process.cpuUsage(t0);
      bestMs[name] = Math.min(bestMs[name], (t.user + t.system) / 1e3);
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, { mbps: bytes / 1e6 / (bestMs[name] / 1000), count: counts[name] }]));
}

async function node() {
  const xmlModule = await loadXml();
  const text = generateStream(nodeMB * 1e6);
  const chunks = toChunks(text, CHUNK);
  const strings = toStringChunks(chunks);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  console.log(`Node ${process.version}: ${(bytes / 1e6).toFixed(1)} MB stream, ${chunks.length} chunks of ${CHUNK} bytes`);
  const results = bestOf([
    ['spimekit', runners.spimekit(xmlModule), chunks],
    ['spimekit/xs-way', runners['spimekit/xs-way'](xmlModule), chunks],
    ['ltx', runners.ltx(), strings],
    ['ltx+utf8', runners['ltx+utf8'](), chunks],
    ['saxes', runners.saxes(), strings],
  ], bytes);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(15)} ${r.mbps.toFixed(1).padStart(7)} MB/s  ${(r.mbps / results.ltx.mbps).toFixed(2)}× ltx  (${r.count} stanzas)`);
  }
  return results;
}

async function xs() {
  const setup = await bundleForXs(`
    import { XmlTokenizer } from './src/xml/index.ts';
    import SaxLtx from 'ltx/lib/parsers/ltx.js';
    import { generateStream, toChunks, toStringChunks } from './bench/xml-corpus.js';
    const chunks = toChunks(generateStream(${xsMB * 1e6}), ${CHUNK});
    Object.assign(globalThis, { XmlTokenizer, SaxLtx, chunks, strings: toStringChunks(chunks), bytes: chunks.reduce((n, c) => n + c.length, 0) });
  `, root);
  const scripts = {
    spimekit: `{ let n = 0; const t = new XmlTokenizer({ streamStart() {}, stanza() { n++; }, streamEnd() {} });
      for (const c of chunks) t.feed(c); globalThis.count = n; }`,
    ltx: `{ let depth = 0, n = 0; const p = new SaxLtx();
      p.on('startElement', () => { depth++; }); p.on('endElement', () => { if (--depth === 1) n++; }); p.on('text', () => {});
      for (const s of strings) p.write(s); globalThis.count = n; }`,
  };
  const results = {};
  let mb = 0;
  for (const [name, script] of Object.entries(scripts)) {
    const worker = await startXs({ name: `bench-${name}`, onMessage: (m) => { mb = m.bytes / 1e6; } });
    try {
      await worker.evaluate(setup);
      await worker.evaluate(`issueCommand(new Uint8Array(Array.from(JSON.stringify({ bytes }), (c) => c.charCodeAt(0))).buffer)`);
      const t0 = process.hrtime.bigint();
      const r = await worker.evaluate(script);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      results[name] = { computePerMB: r.meterUsage.compute / mb, ms };
    } finally {
      await worker.close();
    }
  }
  console.log(`XS (xsnap): ${mb.toFixed(1)} MB stream in ${CHUNK}-byte chunks`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(15)} ${(r.computePerMB / 1e6).toFixed(2).padStart(7)} M computrons/MB  ${(r.computePerMB / results.ltx.computePerMB).toFixed(2)}× ltx   wall ${r.ms.toFixed(0)} ms (${(mb / (r.ms / 1000)).toFixed(2)} MB/s, ${(results.ltx.ms / r.ms).toFixed(2)}× ltx speed)`);
  }
  return results;
}

if (!process.env.XS_ONLY) await node();
if (!process.env.NODE_ONLY) await xs();
