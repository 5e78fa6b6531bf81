// SASL PLAIN (RFC 4616): authzid NUL authcid NUL password. Offered only over TLS and only when the
// application explicitly allows it (sasl.ts enforces both).
import { utf8Encode } from './bytes.js';
import { SaslError } from './errors.js';
import type { SaslMechanism } from './sasl.js';

export function plainMechanism(username: string, password: string): SaslMechanism {
  return {
    name: 'PLAIN',
    initial: () => utf8Encode(`\u0000${username}\u0000${password}`),
    challenge: () => { throw new SaslError('malformed-request', 'PLAIN has no challenge'); },
    success: () => {},
  };
}
