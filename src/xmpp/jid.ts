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
