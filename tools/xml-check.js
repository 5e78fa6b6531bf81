// Checks one file as XMPP XML: `node tools/xml-check.js FILE`. Exits 0 silently when it is a
// well-formed stream (closed or not) or a single well-formed element; otherwise prints
// `CONDITION at byte OFFSET: message` and exits 1. Runs src/ directly (bundled on the fly with
// esbuild), so it needs no build step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(fileURLToPath(import.meta.url), '../..');

async function loadXml() {
  const out = await esbuild.build({
    entryPoints: [resolve(root, 'src/xml/index.ts')],
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'silent',
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

/** Stream mode when the root is <stream:stream> (RFC 6120 §4.7), else one element (document mode). */
export function check(bytes, { XmlTokenizer, STREAM_NS }) {
  let isStream = true;
  const sink = { stanza() {}, streamEnd() {}, streamStart(header) { if (header.ns !== STREAM_NS || header.name !== 'stream') isStream = false; } };
  const stream = new XmlTokenizer(sink);
  try {
    stream.feed(bytes);
    stream.end();
    if (isStream) return null;
  } catch (e) {
    if (isStream) return e;
  }
  const doc = new XmlTokenizer(sink, { mode: 'document' });
  try {
    doc.feed(bytes);
    doc.end();
    return null;
  } catch (e) {
    return e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node tools/xml-check.js FILE');
    process.exit(2);
  }
  const xml = await loadXml();
  const error = check(new Uint8Array(readFileSync(file)), xml);
  if (error) {
    if (!(error instanceof xml.XmlError)) throw error;
    console.log(error.message); // "CONDITION: what at byte OFFSET"
    process.exit(1);
  }
}
