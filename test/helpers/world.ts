// Node-only fixture: the vector entities with their fixed private keys, their certification
// services on a fake network, and a ScopeNode-side open() configured like the profile says.
import { readFileSync } from 'node:fs';
import { createNodeCrypto, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import type { RsaPrivateKey } from '../../src/crypto/crypto.js';
import { openContainer, type OpenOptions } from '../../src/openspime/open.js';
import { KeyDirectory } from '../../src/openspime/pubkeys.js';
import type { XmlElement } from '../../src/xml/element.js';
import type { EntityName } from '../vectors/types.js';
import vectors from '../vectors/openspime-vectors.js';
import { CertNetwork, manualClock } from './fake-network.js';
import { parseXmlBytes } from './parse-xml.js';

export const crypto = createNodeCrypto();
export const keysFile = JSON.parse(readFileSync(new URL('../vectors/keys.json', import.meta.url), 'utf8'));
export const keys = Object.fromEntries((['spime', 'scopenode', 'owner'] as EntityName[]).map((n) => [n, nodeRsaPrivateKey(keysFile[n].privateKeyPkcs8Pem)])) as Record<EntityName, RsaPrivateKey>;
export const E = vectors.entities;

export function world(opts: { certServices?: string[]; at?: string } = {}) {
  const net = new CertNetwork();
  for (const n of Object.keys(E) as EntityName[]) net.publish(E[n].cert, E[n].jid, keys[n].publicKey);
  const clock = manualClock(opts.at ?? vectors.now);
  const directory = new KeyDirectory({ iq: net, certServices: opts.certServices ?? [E.spime.cert, E.scopenode.cert, E.owner.cert], now: clock.now });
  const options: OpenOptions = { crypto, keys: directory, now: clock.now, decryptionKey: keys.scopenode, parsePayload: parseXmlBytes };
  const open = (el: XmlElement, from: string, more: Partial<OpenOptions> = {}) => openContainer(el, from, { ...options, ...more });
  return { net, clock, directory, options, open };
}

export async function conditionOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as { condition?: string }).condition ?? `raw ${(e as Error)?.message}`; }
  return 'accepted';
}
