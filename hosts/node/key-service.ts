// The certification service (OpenSpime v0.9 `cert`; docs/PROTOCOL.md §5) as an XEP-0114 component:
// answers XEP-0189 <pubkeys/> queries with the keys it holds, through src/openspime answerPubkeys.
// The development SpimeGate's `cert` service; a production one would hold keys registered out of
// band, not handed in by the process that starts it. With `storePath` what it publishes is kept in
// that file (a JSON line appended per publish) and served again after a restart.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RsaPublicKey } from '../../src/crypto/crypto.js';
import { rsaPublicKeyFromBase64, rsaPublicKeyToBase64 } from '../../src/crypto/rsa-key.js';
import { bareJid, canonicalJid } from '../../src/openspime/jid.js';
import { answerPubkeys, answerPubkeysPublish } from '../../src/openspime/pubkeys.js';
import { ExternalComponent, type ComponentOptions } from './component.js';

export interface KeyService {
  readonly domain: string;
  /** Publish (or replace) the keys of `jid`; a bare JID vouches for all its resources. */
  publish(jid: string, keys: readonly RsaPublicKey[]): void;
  /** JIDs with keys published. */
  readonly published: number;
  /** Queries answered so far (for logs and tests). */
  readonly answered: number;
  close(): Promise<void>;
}

export interface KeyServiceOptions extends ComponentOptions {
  /** Keep published keys in this file (created if missing) and load them at start. */
  storePath?: string;
  /** Accounts of these domains may publish their own keys over XMPP (an iq set from their
   *  authenticated session: `spimekit provision`). Default: the server's domain (the component's
   *  parent, e.g. spimekit.test for keys.spimekit.test); [] turns publication off. */
  selfPublishDomains?: readonly string[];
}

interface StoreLine { jid: string; keys: Array<{ modulus: string; exponent: string }> }

/**
 * The keys kept in `path`: one JSON line per publish, a later line replacing an earlier one for
 * the same JID (appending costs one line per publish, whatever the fleet size). A line that is not
 * ours is an error (the store is never silently emptied); a last line cut short by a crash is dropped.
 */
export function loadKeyStore(path: string): Map<string, readonly RsaPublicKey[]> {
  const keys = new Map<string, readonly RsaPublicKey[]>();
  if (!existsSync(path)) return keys;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    let line: StoreLine;
    try {
      line = JSON.parse(text) as StoreLine;
    } catch (e) {
      if (i === lines.length - 1) return; // the unterminated last line of an interrupted append
      throw new Error(`${path}:${i + 1}: ${(e as Error).message}`);
    }
    if (typeof line?.jid !== 'string' || !Array.isArray(line.keys)) throw new Error(`${path}:${i + 1}: not a key service record`);
    keys.set(canonicalJid(line.jid), line.keys.map((k) => {
      const key = rsaPublicKeyFromBase64(String(k?.modulus), String(k?.exponent));
      if (typeof key === 'string') throw new Error(`${path}:${i + 1}: key of ${line.jid}: ${key}`);
      return key;
    }));
  });
  return keys;
}

function appendKeyStore(path: string, jid: string, keys: readonly RsaPublicKey[]): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, JSON.stringify({ jid, keys: keys.map(rsaPublicKeyToBase64) } satisfies StoreLine) + '\n');
}

export async function startKeyService(o: KeyServiceOptions): Promise<KeyService> {
  const keys = o.storePath ? loadKeyStore(o.storePath) : new Map<string, readonly RsaPublicKey[]>();
  const component = await ExternalComponent.connect(o);
  let answered = 0;
  const publishers = new Set((o.selfPublishDomains ?? [o.domain.slice(o.domain.indexOf('.') + 1)]).map(canonicalJid));
  const publish = (jid: string, k: readonly RsaPublicKey[]) => {
    keys.set(canonicalJid(jid), k);
    if (o.storePath) appendKeyStore(o.storePath, jid, k);
  };
  component.onIq((iq) => {
    const published = answerPubkeysPublish(iq, (jid) => jid.includes('@') && publishers.has(canonicalJid(jid.slice(jid.indexOf('@') + 1))), publish);
    if (published) return published;
    const reply = answerPubkeys(iq, (jid) => keys.get(canonicalJid(jid)) ?? keys.get(canonicalJid(bareJid(jid))));
    if (reply) answered++;
    return reply;
  });
  return {
    domain: component.domain,
    publish,
    get published() { return keys.size; },
    get answered() { return answered; },
    close: () => component.close(),
  };
}
