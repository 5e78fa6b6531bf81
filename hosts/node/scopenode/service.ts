// The ScopeNode service: the ScopeNode role (src/roles/scopenode.ts: verify, decrypt, dedupe,
// answer) with the scope's rules and a durable store behind it, and the SpimeSeek answerer
// (PROTOCOL.md §7): subscribed to the PubSub node `spimeseek`, it admits requests through
// openSeekRequest (expiry, replay, authorization, claim key, signature — cheap checks first) and
// answers the spime itself or its authorized claimer from the store, signed, and encrypted to the
// requester when it asked. Requests that fail are ignored (v0.9 §1.2.0), only counted and logged.
import type { Crypto, RsaPrivateKey } from '../../../src/crypto/crypto.js';
import type { DataEntry } from '../../../src/openspime/data.js';
import { OpenSpimeError } from '../../../src/openspime/errors.js';
import { bareJid } from '../../../src/openspime/jid.js';
import { NS_CORE, NS_PUBSUB, NS_PUBSUB_EVENT } from '../../../src/openspime/namespaces.js';
import type { KeyDirectoryOptions } from '../../../src/openspime/pubkeys.js';
import { seal } from '../../../src/openspime/seal.js';
import { buildSeekResponse, openSeekRequest, SeekGuard } from '../../../src/openspime/spimeseek.js';
import type { ReportInfo } from '../../../src/openspime/report.js';
import { attachScopeNode } from '../../../src/roles/scopenode.js';
import { xml, type XmlElement } from '../../../src/xml/element.js';
import type { Client } from '../../../src/xmpp/client.js';
import { checkScope, type Scope } from './scope.js';
import type { ScopeStore, SpimeRecord } from './store.js';

const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
const NS_DATA_FORMS = 'jabber:x:data';
export const DEFAULT_SEEK_NODE = 'spimeseek';

export interface FleetRow extends SpimeRecord {
  /** A report arrived within the online window. */
  online: boolean;
}

export type ScopeNodeEvent =
  | { type: 'report'; osid: string; entries: DataEntry[]; spime: FleetRow }
  | { type: 'rejected'; from: string; condition: string }
  | { type: 'seek-answered'; requester: string; spimeid: string; entries: number; encrypted: boolean }
  | { type: 'seek-ignored'; condition: string; message: string }
  | { type: 'owner'; spime: string; owner: string };

export interface ScopeNodeServiceOptions {
  client: Client;
  crypto: Crypto;
  /** Our private key: reports are encrypted to its public half, our answers signed with it. */
  key: RsaPrivateKey;
  /** The certification service that publishes our key (named in our answers' originator). */
  cert: string;
  /** Certification services whose keys we believe. */
  certServices: readonly string[];
  store: ScopeStore;
  scope?: Scope;
  now?: () => number;
  /** The PubSub service (and node, default `spimeseek`) SpimeSeek requests are published to. */
  seek?: { service: string; node?: string; maxEntries?: number };
  /** A spime counts as online this long after its last report (ms). Default 120 s. */
  onlineWindowMs?: number;
  keyDirectory?: Partial<Omit<KeyDirectoryOptions, 'iq' | 'certServices' | 'now'>>;
  dedupeEntries?: number;
  /** A report committed: the entries passed on by the role, and those of them new in the store. */
  accepted?: (osid: string, entries: DataEntry[], fresh: DataEntry[], info: ReportInfo) => void;
  /** Entries of a report the role's memory knew (not passed on to the store at all). */
  duplicates?: (osid: string, count: number) => void;
}

export interface ScopeNodeService {
  readonly store: ScopeStore;
  readonly onlineWindowMs: number;
  readonly counts: { reports: number; entries: number; duplicates: number; rejected: number; seeksAnswered: number; seeksIgnored: number };
  /** Listens to what happens; returns the unsubscribe. */
  on(listener: (e: ScopeNodeEvent) => void): () => void;
  fleet(): Promise<FleetRow[]>;
  /** Once the client is online: creates (or re-configures) the SpimeSeek node, open to every
   *  publisher, and subscribes to it. */
  subscribeSeek(): Promise<void>;
  /** Waits for the SpimeSeek answers under way. */
  stop(): Promise<void>;
}

export function startScopeNodeService(o: ScopeNodeServiceOptions): ScopeNodeService {
  const now = o.now ?? Date.now;
  const window = o.onlineWindowMs ?? 120_000;
  const listeners = new Set<(e: ScopeNodeEvent) => void>();
  const emit = (e: ScopeNodeEvent) => { for (const l of listeners) l(e); };
  const counts = { reports: 0, entries: 0, duplicates: 0, rejected: 0, seeksAnswered: 0, seeksIgnored: 0 };
  const row = (r: SpimeRecord): FleetRow => ({ ...r, online: now() - r.lastReportAt <= window });

  const keys = attachScopeNode({
    client: o.client, crypto: o.crypto, key: o.key, certServices: o.certServices, now, keyDirectory: o.keyDirectory, dedupeEntries: o.dedupeEntries,
    // Stored before the spime is answered: an acknowledged entry is committed.
    accept: async (osid, entries, info) => {
      if (o.scope) checkScope(o.scope, entries);
      const fresh = await o.store.addReport({ osid, entries, dropped: info.dropped, queued: info.queued, receivedAt: now() });
      counts.reports++;
      counts.entries += fresh.length;
      counts.duplicates += entries.length - fresh.length;
      o.accepted?.(osid, entries, fresh, info);
      if (!listeners.size) return;
      const record = await o.store.spime(osid);
      if (record) emit({ type: 'report', osid, entries: fresh, spime: row(record) });
    },
    duplicates: (osid, n) => { counts.duplicates += n; o.duplicates?.(osid, n); },
    rejected: (from, condition) => { counts.rejected++; emit({ type: 'rejected', from, condition }); },
  });

  const seekNode = o.seek?.node ?? DEFAULT_SEEK_NODE;
  const guard = new SeekGuard(now);
  const answering = new Set<Promise<void>>();
  const ignore = (e: unknown) => {
    counts.seeksIgnored++;
    const condition = e instanceof OpenSpimeError ? e.condition : 'internal';
    emit({ type: 'seek-ignored', condition, message: (e as Error)?.message ?? String(e) });
  };

  const answer = async (container: XmlElement, from: string) => {
    const { opened, request } = await openSeekRequest(container, from, { crypto: o.crypto, keys, now, decryptionKey: o.key }, guard);
    if (opened.claim) {
      // a verified claim key: its owner is the spime's claimer (as far as this ScopeNode knows)
      const owner = bareJid(opened.claim.osid);
      const known = await o.store.spime(opened.claim.claims);
      if (known && known.owner !== owner) {
        await o.store.setOwner(opened.claim.claims, owner, now());
        emit({ type: 'owner', spime: bareJid(opened.claim.claims), owner });
      }
    }
    const entries = await o.store.entries(request.spimeid, { limit: o.seek?.maxEntries ?? 100 });
    const cert = opened.container.originator?.cert;
    let encryptTo;
    if (request.encrequired) {
      // §7.3: encrypted to the requester's key, from the service that vouched for its signature
      if (!cert) throw new OpenSpimeError('not-signed', 'an encrypted answer needs the requester\'s certification service');
      [encryptTo] = await keys.lookup(cert, opened.osid, false, bareJid(opened.osid));
    }
    const sealed = seal(buildSeekResponse({ id: request.id, entries }), { crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key, encryptTo });
    o.client.send(xml('message', { to: opened.osid, type: 'normal' }, sealed));
    counts.seeksAnswered++;
    emit({ type: 'seek-answered', requester: opened.osid, spimeid: request.spimeid, entries: entries.length, encrypted: !!encryptTo });
  };

  let stopped = false;
  if (o.seek) {
    const service = o.seek.service;
    o.client.on('stanza', (el) => {
      if (stopped || el.name !== 'message' || bareJid(el.attr('from') ?? '') !== service) return;
      const items = el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
      if (!items || items.attr('node') !== seekNode) return;
      for (const item of items.getChildren('item')) {
        const container = item.getChild('openspime', NS_CORE);
        if (!container) continue;
        const p = answer(container, service).catch(ignore).finally(() => answering.delete(p));
        answering.add(p);
      }
    });
  }

  return {
    store: o.store,
    onlineWindowMs: window,
    counts,
    on(listener) { listeners.add(listener); return () => { listeners.delete(listener); }; },
    fleet: async () => (await o.store.spimes()).map(row),
    async subscribeSeek() {
      if (!o.seek) throw new Error('no SpimeSeek service configured');
      const service = o.seek.service;
      const pubsub = (ns: string, ...children: XmlElement[]) => xml('iq', { type: 'set', to: service }, xml('pubsub', { xmlns: ns }, ...children));
      // Prosody's default publish model is "publishers" (owner only): requests come from any
      // spime or owner, so the node is open to every publisher (they are signed and checked here).
      const form = xml('x', { xmlns: NS_DATA_FORMS, type: 'submit' },
        field('FORM_TYPE', 'http://jabber.org/protocol/pubsub#node_config', 'hidden'),
        field('pubsub#publish_model', 'open'), field('pubsub#access_model', 'open'), field('pubsub#deliver_payloads', '1'),
        field('pubsub#max_items', '1'));
      try {
        await o.client.request(pubsub(NS_PUBSUB, xml('create', { node: seekNode }), xml('configure', null, form)));
      } catch (e) {
        if ((e as { condition?: string }).condition !== 'conflict') throw e;
        // it exists (an earlier run): make sure it is open to publishers
        await o.client.request(pubsub(NS_PUBSUB_OWNER, xml('configure', { node: seekNode }, form)));
      }
      await o.client.request(pubsub(NS_PUBSUB, xml('subscribe', { node: seekNode, jid: o.client.jid })));
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...answering]);
    },
  };
}

function field(v: string, value: string, type?: string): XmlElement {
  return xml('field', type ? { var: v, type } : { var: v }, xml('value', null, value));
}
