// The XML layer's one error class. `condition` is named after the RFC 6120 §4.9.3 stream error the
// XMPP layer answers with; `offset` is the absolute byte offset of the fault in the input since
// the tokenizer was created or last reset (for the writer: in its output).
import { SpimeError } from '../errors.js';

export type XmlCondition = 'not-well-formed' | 'restricted-xml' | 'policy-violation' | 'unsupported-encoding';

export class XmlError extends SpimeError {
  declare readonly condition: XmlCondition;
  readonly offset: number;

  constructor(condition: XmlCondition, message: string, offset: number) {
    super(condition, `${message} at byte ${offset}`);
    this.offset = offset;
  }
}
