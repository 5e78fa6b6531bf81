// Shape of test/vectors/openspime.json (see generate.ts for how each field is made).

export type EntityName = 'spime' | 'scopenode' | 'owner';

export interface Vector {
  name: string;
  description: string;
  randomSeed: string;
  from: string;
  to: string;
  /** The whole stanza, as a sender would write it (jabber:client). */
  stanza: string;
  /** The <openspime/> element as a tree: {name, ns, attrs, children}. */
  container: unknown;
  osid: string;
  signedInfo?: string;
  signature?: string;
  /** Encrypted transports: the content key, IV (hex) and the canonical payload (UTF-8). */
  contentKey?: string;
  iv?: string;
  plaintext?: string;
  /** Claim keys carried: the body (canonical XML) and the whole key (base64). */
  claimKeyBody?: string;
  claimKey?: string;
  /** Recipient checks at `now`: the verdict with the vector's keys and allow-list. */
  expect: { signed: boolean; encrypted: boolean; payloadName: string };
}

/**
 * A refusal (PROTOCOL.md §10): a stanza a receiver must refuse, and its answer. `receiver`:
 * 'scopenode-report' is the ScopeNode's handler of directly addressed report iqs (answers with an
 * iq error: `error` type and RFC 6120 condition, plus the profile condition); 'scopenode-seek' is
 * the ScopeNode's SpimeSeek path (ignores the request, never answers: `error` absent). Keys,
 * allow-list (the three entities' services) and `now` are the file's; `deliveries` > 1: the same
 * stanza arrives that many times and the last one is refused.
 */
export interface NegativeVector {
  name: string;
  description: string;
  receiver: 'scopenode-report' | 'scopenode-seek';
  randomSeed: string;
  from: string;
  stanza: string;
  deliveries?: number;
  expect: { condition: string; error?: { type: string; defined: string } };
}

export interface VectorFile {
  profile: string;
  generatedBy: string;
  now: string;
  entities: Record<EntityName, { jid: string; cert: string; modulus: string; exponent: string }>;
  vectors: Vector[];
  negative: NegativeVector[];
}

