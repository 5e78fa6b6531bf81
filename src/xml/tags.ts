// Start tags' attributes for the tokenizer (tokenizer.ts, and its native path): the checks each
// attribute name must pass as it is added, in document order, so both paths fail alike.
import { XmlError } from './errors.js';

/** [40] STag, WFC: Unique Att Spec, and the attribute limit, for `names[count]` about to be added. */
export function checkAttribute(names: string[], count: number, name: string, max: number, tagStart: number): void {
  for (let k = 0; k < count; k++) if (names[k] === name) throw new XmlError('not-well-formed', `duplicate attribute ${name}`, tagStart);
  if (count >= max) throw new XmlError('policy-violation', `more than ${max} attributes`, tagStart);
}

/** The same for the `count` names of a whole tag taken at once. */
export function checkAttributes(names: string[], count: number, max: number, tagStart: number): void {
  for (let k = 0; k < count; k++) { // inline: a call per attribute costs on XS
    const name = names[k];
    for (let j = 0; j < k; j++) if (names[j] === name) throw new XmlError('not-well-formed', `duplicate attribute ${name}`, tagStart);
    if (k >= max) throw new XmlError('policy-violation', `more than ${max} attributes`, tagStart);
  }
}
