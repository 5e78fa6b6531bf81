// What a failed report means for the entries it carried (issue 10's failure policy):
// - transient: the link, the server or the key service; keep them, retry with backoff;
// - content: the ScopeNode refuses what the report says; split the batch to find the bad entry,
//   drop only that one (counted);
// - own-fault: our key, certificate or configuration is wrong; retrying soon cannot help, so a
//   long backoff and a status the owner sees.
export type FailureKind = 'transient' | 'content' | 'own-fault';

const CONTENT = new Set(['inconsistent-data-with-scope', 'bad-format']);
const OWN_FAULT = new Set([
  'bad-signature', 'osid-mismatch', 'untrusted-cert-service', 'bad-key', 'not-signed', 'decryption-failed',
  'unsupported-version', 'unsupported-content-type', 'unsupported-algorithm',
  'claimkey-invalid', 'claimkey-expired', 'claimkey-not-authorized',
  // RFC 6120 conditions without a profile condition: refused for who we are
  'not-authorized', 'forbidden', 'not-allowed', 'registration-required', 'feature-not-implemented',
]);

export function conditionOf(e: unknown): string {
  const c = (e as { condition?: unknown })?.condition;
  return typeof c === 'string' ? c : 'internal-error';
}

/** Anything not known to be content or our fault is transient: entries are kept, never lost. */
export function classifyFailure(e: unknown): FailureKind {
  const c = conditionOf(e);
  if (CONTENT.has(c)) return 'content';
  if (OWN_FAULT.has(c)) return 'own-fault';
  return 'transient';
}
