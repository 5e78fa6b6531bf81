// OpenSpime profile errors (docs/PROTOCOL.md §8): one subclass of SpimeError, its conditions, and
// their stanza-error form (RFC 6120 §8.3: a defined condition plus an application condition).
import { SpimeError } from '../errors.js';
import { xml, type XmlElement } from '../xml/element.js';
import { NS_CORE_ERROR, NS_DATA_ERROR, NS_STANZAS, VERSION } from './namespaces.js';

export type OpenSpimeCondition =
  | 'bad-format'
  | 'unsupported-version'
  | 'unsupported-content-type'
  | 'unsupported-algorithm'
  | 'not-signed'
  | 'untrusted-cert-service'
  | 'key-unavailable'
  | 'bad-key'
  | 'bad-signature'
  | 'osid-mismatch'
  | 'decryption-failed'
  | 'claimkey-invalid'
  | 'claimkey-expired'
  | 'claimkey-not-authorized'
  | 'request-expired'
  | 'request-replayed'
  | 'not-authorized-for-spime'
  | 'inconsistent-data-with-scope'
  | 'rate-limited';

export class OpenSpimeError extends SpimeError {
  declare readonly condition: OpenSpimeCondition;
  constructor(condition: OpenSpimeCondition, message?: string) {
    super(condition, message);
  }
}

/** [error type, RFC 6120 defined condition] for each profile condition (PROTOCOL.md §8). */
const STANZA_ERROR: Record<OpenSpimeCondition, [string, string]> = {
  'bad-format': ['modify', 'bad-request'],
  'unsupported-version': ['cancel', 'feature-not-implemented'],
  'unsupported-content-type': ['cancel', 'feature-not-implemented'],
  'unsupported-algorithm': ['cancel', 'feature-not-implemented'],
  'not-signed': ['auth', 'not-authorized'],
  'untrusted-cert-service': ['auth', 'not-authorized'],
  'key-unavailable': ['wait', 'remote-server-timeout'],
  'bad-key': ['auth', 'not-authorized'],
  'bad-signature': ['auth', 'not-authorized'],
  'osid-mismatch': ['auth', 'not-authorized'],
  'decryption-failed': ['modify', 'bad-request'],
  'claimkey-invalid': ['auth', 'forbidden'],
  'claimkey-expired': ['auth', 'forbidden'],
  'claimkey-not-authorized': ['auth', 'forbidden'],
  'request-expired': ['cancel', 'not-acceptable'],
  'request-replayed': ['cancel', 'conflict'],
  'not-authorized-for-spime': ['auth', 'forbidden'],
  'inconsistent-data-with-scope': ['modify', 'bad-request'],
  'rate-limited': ['wait', 'resource-constraint'],
};

/** The `<error/>` child for an iq/message of type 'error'. */
export function stanzaErrorFor(err: OpenSpimeError): XmlElement {
  const [type, defined] = STANZA_ERROR[err.condition] ?? ['cancel', 'undefined-condition'];
  // inconsistent-data-with-scope lives in the data extension's error namespace (v0.9 §1.0.0)
  const ns = err.condition === 'inconsistent-data-with-scope' ? NS_DATA_ERROR : NS_CORE_ERROR;
  return xml('error', { type }, xml(defined, { xmlns: NS_STANZAS }), xml(err.condition, { xmlns: ns }));
}

/** Reads the profile condition back from a received `<error/>` element, if it carries one. */
export function conditionOfStanzaError(error: XmlElement): OpenSpimeCondition | undefined {
  for (const c of error.getChildren()) {
    if ((c.ns === NS_CORE_ERROR || c.ns === NS_DATA_ERROR) && c.name in STANZA_ERROR) return c.name as OpenSpimeCondition;
  }
  return undefined;
}

/**
 * The `version` attribute of `<openspime/>` or an extension element (PROTOCOL.md §2): absent is
 * `bad-format` (the attribute is REQUIRED, so the element is not in the grammar), another value
 * is `unsupported-version`.
 */
export function checkVersion(el: XmlElement, what: string): void {
  const v = el.attr('version');
  if (v === undefined) throw new OpenSpimeError('bad-format', `${what} without version`);
  if (v.trim() !== VERSION) throw new OpenSpimeError('unsupported-version', `${what} version '${v}'`);
}
