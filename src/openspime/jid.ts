// Just enough JID handling for the profile's identity checks (RFC 7622 §3). JIDs are compared as
// strings: spimekit expects them already in canonical (PRECIS-prepared) form, as servers stamp them.

export function bareJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}

/**
 * Does `authorized` (a claim key's osid, a claim's authorizes) cover `actual`? A full JID covers
 * only itself; a bare JID covers itself and every resource of it (PROTOCOL.md §6.2).
 */
export function jidCovers(authorized: string, actual: string): boolean {
  return authorized.indexOf('/') >= 0 ? authorized === actual : bareJid(actual) === authorized;
}
