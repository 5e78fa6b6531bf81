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

export interface VectorFile {
  profile: string;
  generatedBy: string;
  now: string;
  entities: Record<EntityName, { jid: string; cert: string; modulus: string; exponent: string }>;
  vectors: Vector[];
}

