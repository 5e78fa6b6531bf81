// What the host's JavaScript engine does fast, which decides how the tokenizer scans. The default
// is the device's: XS interprets bytecode, so a JavaScript loop costs dozens of steps per byte and
// the tokenizer hands whole tags and text runs to native regular expressions (native.ts). An engine
// with a JIT (V8) runs the byte loops at memory speed, and there building Latin-1 strings for the
// regular expressions is the main cost: such a host (hosts/node/xml-engine.ts) turns the regular
// expressions off and lends its native UTF-8 decoder. Both ways check and deliver the same things.
// Set once at start-up, before any tokenizer is made (a preloaded module is frozen on the device).

export interface XmlEngine {
  /** Byte loops are cheap (a JIT): scan byte by byte instead of through regular expressions. */
  cheapLoops: boolean;
  /** The host's native decoder of well-formed UTF-8 bytes [start, end) (the tokenizer validates first), or null. */
  decodeUtf8: ((bytes: Uint8Array, start: number, end: number) => string) | null;
  /** With cheap loops: bytes [start, end) as Latin-1 code units, natively (ASCII text is taken
   *  as slices of one such string per chunk), or null. */
  decodeLatin1: ((bytes: Uint8Array, start: number, end: number) => string) | null;
}

export const xmlEngine: XmlEngine = { cheapLoops: false, decodeUtf8: null, decodeLatin1: null };

/** Called by a host at start-up; tokenizers made afterwards use it. */
export function useXmlEngine(engine: Partial<XmlEngine>): void {
  if (engine.cheapLoops !== undefined) xmlEngine.cheapLoops = engine.cheapLoops;
  if (engine.decodeUtf8 !== undefined) xmlEngine.decodeUtf8 = engine.decodeUtf8;
  if (engine.decodeLatin1 !== undefined) xmlEngine.decodeLatin1 = engine.decodeLatin1;
}
