// JID handling for the profile's identity checks (RFC 7622 §3). Every comparison of JIDs in the
// profile — osid against the server-stamped `from`, claim-key osids and `claims`, `spimeid`, the
// certification-service allow-list, key-service look-ups — goes through canonicalJid/sameJid, so
// an osid written `4A6B-…` (the seeds' form) matches the server's `4a6b-…` (PROTOCOL.md §4.1).
// Canonical form: localpart and domainpart case-folded (ASCII lower case: the JIDs the profile
// deals with are ASCII; full PRECIS is the server's job), a trailing dot of the domain dropped,
// the resourcepart exact.

export function bareJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}

/** RFC 7622 canonical form: local and domain parts case-folded, resource exact. */
export function canonicalJid(jid: string): string {
  const slash = jid.indexOf('/');
  let bare = (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase();
  if (bare.endsWith('.')) bare = bare.slice(0, -1);
  return slash < 0 ? bare : bare + jid.slice(slash);
}

/** The same entity (PROTOCOL.md §4.1: compare canonical forms). */
export function sameJid(a: string, b: string): boolean {
  return canonicalJid(a) === canonicalJid(b);
}

/**
 * Does `authorized` (a claim key's osid, a claim's authorizes) cover `actual`? A full JID covers
 * only itself; a bare JID covers itself and every resource of it (PROTOCOL.md §6.3). Canonical.
 */
export function jidCovers(authorized: string, actual: string): boolean {
  return authorized.indexOf('/') >= 0 ? sameJid(authorized, actual) : sameJid(bareJid(actual), authorized);
}
