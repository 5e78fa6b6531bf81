// One error base for every layer (xmpp.js style): a machine-readable `condition` named after the
// protocol's own condition (RFC 6120 stream/stanza errors, OpenSpime profile errors, sensor
// faults) and human text. Each layer subclasses it once; callers switch on `condition`.
export class SpimeError extends Error {
  readonly condition: string;

  constructor(condition: string, message?: string) {
    super(message ? `${condition}: ${message}` : condition);
    this.condition = condition;
    // An own property, not an assignment: on the device xsl freezes Error.prototype after
    // preload, and assigning over its read-only `name` would throw in strict code.
    Object.defineProperty(this, 'name', { value: new.target.name, writable: true, configurable: true });
  }
}
