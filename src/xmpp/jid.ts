// RFC 7622 JIDs, parsed just enough for a client: localpart@domainpart/resourcepart.
// No PRECIS enforcement here: the server is authoritative and returns the bound full JID.

export interface Jid { local: string; domain: string; resource: string }

export function parseJid(s: string): Jid {
  const slash = s.indexOf('/');
  const bare = slash < 0 ? s : s.slice(0, slash);
  const resource = slash < 0 ? '' : s.slice(slash + 1);
  const at = bare.indexOf('@');
  const local = at < 0 ? '' : bare.slice(0, at);
  const domain = (at < 0 ? bare : bare.slice(at + 1)).toLowerCase();
  if (!domain || (at >= 0 && !local) || (slash >= 0 && !resource)) throw new RangeError(`invalid JID: ${s}`);
  return { local, domain, resource };
}

export function bareJid(j: Jid): string {
  return j.local ? `${j.local}@${j.domain}` : j.domain;
}

export function formatJid(j: Jid): string {
  return bareJid(j) + (j.resource ? `/${j.resource}` : '');
}

/** RFC 7622 comparison: localpart and domainpart case-insensitively (§3.3, §3.2: PRECIS
 *  UsernameCaseMapped and IDNA both lower-case), the resourcepart exactly (§3.4, OpaqueString is
 *  case-sensitive): `svc@d/keys` is not `svc@d/Keys`. An unparseable JID equals nothing. */
export function sameJid(a: string, b: string): boolean {
  const x = canonicalJid(a), y = canonicalJid(b);
  return x !== undefined && x === y;
}

/** The form two JIDs compare equal in (see sameJid), or undefined if `s` is not a JID. */
export function canonicalJid(s: string): string | undefined {
  let j: Jid;
  try { j = parseJid(s); } catch { return undefined; }
  return formatJid({ local: j.local.toLowerCase(), domain: j.domain, resource: j.resource });
}
