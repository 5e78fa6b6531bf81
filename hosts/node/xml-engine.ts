// V8 for the XML tokenizer (src/xml/engine.ts): a JIT runs byte loops at memory speed, and Node's
// native UTF-8 decoder builds strings straight from a byte range. Imported for its effect by the
// Node wiring (xmpp.ts, component.ts) before any tokenizer exists.
import { useXmlEngine } from '../../src/xml/engine.js';

// Buffer's utf8Slice decodes a range of any Uint8Array without a view object (TextDecoder needs
// one per call, which costs more than the decoding for names and short values).
type Slice = (this: Uint8Array, start: number, end: number) => string;
const { utf8Slice, latin1Slice } = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
const textDecoder = new TextDecoder();

export function useNodeXmlEngine(): void {
  useXmlEngine({
    cheapLoops: true,
    decodeUtf8: utf8Slice ? (bytes, start, end) => utf8Slice.call(bytes, start, end) : (bytes, start, end) => textDecoder.decode(bytes.subarray(start, end)),
    decodeLatin1: latin1Slice ? (bytes, start, end) => latin1Slice.call(bytes, start, end) : null,
  });
}

useNodeXmlEngine();
