// A ScopeNode's scope (PROTOCOL.md §9: "a ScopeNode MAY further restrict fields to its scope"):
// the fields every entry must carry. A report with an entry lacking one is refused as a whole
// with inconsistent-data-with-scope (the spime keeps it and the operator sees the refusal).
import type { DataEntry, NumericField } from '../../../src/openspime/data.js';
import { OpenSpimeError } from '../../../src/openspime/errors.js';

export interface Scope {
  name: string;
  requires: readonly NumericField[];
}

/** The scopes `--scope` names. */
export const SCOPES: Readonly<Record<string, Scope>> = {
  any: { name: 'any', requires: [] },
  co2: { name: 'co2', requires: ['ppm'] },
  climate: { name: 'climate', requires: ['temperature', 'humidity'] },
  tracker: { name: 'tracker', requires: ['lat', 'lon'] },
};

export function scopeByName(name: string): Scope {
  const s = SCOPES[name];
  if (!s) throw new Error(`unknown scope '${name}' (known: ${Object.keys(SCOPES).join(', ')})`);
  return s;
}

export function checkScope(scope: Scope, entries: readonly DataEntry[]): void {
  for (const e of entries) {
    for (const f of scope.requires) {
      if (e[f] === undefined) throw new OpenSpimeError('inconsistent-data-with-scope', `scope '${scope.name}' requires <${f}/>; the entry dated ${e.date} has none`);
    }
  }
}
