// Loads a Wycheproof vector file vendored in test/vectors/wycheproof/ (Node-only helper; its
// SOURCE names the upstream commit, LICENSE is upstream's).
import { readFileSync } from 'node:fs';

export interface WycheproofFile<G, T> { algorithm: string; numberOfTests: number; testGroups: Array<G & { tests: Array<T & WycheproofTest> }> }
export interface WycheproofTest { tcId: number; comment: string; flags: string[]; result: 'valid' | 'invalid' | 'acceptable' }

export function loadWycheproof<G, T>(name: string): WycheproofFile<G, T> {
  return JSON.parse(readFileSync(new URL(`../vectors/wycheproof/${name}.json`, import.meta.url), 'utf8'));
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
