// The spime application wired for Node: a file-backed flash partition (persists across runs, so a
// restart — even after kill -9 — sends what was in flash and not acknowledged), Node timers, an
// XMPP client's session events and XEP-0202 time, and a sensor suite. What `npm start` needs to
// run every simulated spime on its own flash (tools/simulation.ts).
import type { Crypto, RsaPrivateKey } from '../../src/crypto/crypto.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { KeyDirectory } from '../../src/openspime/pubkeys.js';
import { SpimeApp, type SpimeAppOptions } from '../../src/spime/app.js';
import { OpenSpimeIqRouter } from '../../src/spime/openspime-iq.js';
import { OwnerPresence, presenceLine } from '../../src/spime/owner-presence.js';
import { Ownership, type OwnershipOptions } from '../../src/spime/ownership.js';
import { FlashRecords } from '../../src/storage/records.js';
import { bareJid } from '../../src/openspime/jid.js';
import { SealedReportSender } from '../../src/spime/report-sender.js';
import { FlashLog } from '../../src/storage/log.js';
import type { Client } from '../../src/xmpp/client.js';
import { nodeClock } from './clock.js';
import { FileFlash, type FileFlashOptions } from './flash.js';

export interface NodeSpimeOptions extends Partial<Omit<SpimeAppOptions, 'log' | 'timers' | 'sender' | 'read'>> {
  client: Client;
  crypto: Crypto;
  key: RsaPrivateKey;
  cert: string;
  scopeNode: string;
  scopeNodeCert: string;
  /** The flash file (created erased if absent). */
  flashPath: string;
  flash?: FileFlashOptions;
  /** The record store's file (owner, claim and configuration records); default flashPath + '.records'. */
  recordsPath?: string;
  /** The label's claim secret, stored if the record store has none yet (provisioning). */
  claimSecret?: string;
  /** Certification services trusted for owners' keys (the spime's own `cert` is always trusted). */
  ownerCertServices?: string[];
  /** Lock-out and claim-key lifetime (defaults in src/spime/ownership.ts). */
  claimPolicy?: Pick<OwnershipOptions, 'freeAttempts' | 'lockBaseMs' | 'lockMaxMs' | 'claimKeyLifetimeMs' | 'skewMs'>;
  /** Presence line checked this often, ms (sent when it changed). */
  presenceRefreshMs?: number;
  /** The sensors: an entry of their fresh samples (SensorManager.entry); its date is ignored. Undefined: no reading. */
  entry: (time: number) => DataEntry | undefined;
}

export interface NodeSpime {
  app: SpimeApp;
  records: FlashRecords;
  ownership: Ownership;
  presence: OwnerPresence;
  /** Where further OpenSpime iq handlers (configuration) are added. */
  router: OpenSpimeIqRouter;
  stop: () => Promise<void>;
}

/** Record-store geometry on the host: two banks of two 4 KiB blocks (the ESP32's NVS page size). */
export const RECORDS_FLASH = { blocks: 4, blockLength: 4096 };

export function startNodeSpime(o: NodeSpimeOptions): NodeSpime {
  const flash = new FileFlash(o.flashPath, o.flash);
  const recordsFlash = new FileFlash(o.recordsPath ?? `${o.flashPath}.records`, RECORDS_FLASH);
  const { client, crypto, key, cert, scopeNode, scopeNodeCert, flashPath: _p, flash: _f, entry, recordsPath: _r, claimSecret, ownerCertServices, presenceRefreshMs, claimPolicy, ...rest } = o;
  const sender = new SealedReportSender({ client, crypto, key, cert, scopeNode, scopeNodeCert, now: Date.now });
  const app = new SpimeApp({
    serverTime: () => client.syncTime(),
    ...rest,
    log: new FlashLog(flash, { writeUnit: o.flash?.writeUnit }),
    timers: nodeClock,
    sender,
    read: () => {
      const e = entry(0);
      if (!e) return undefined;
      const { date: _d, ...values } = e;
      return values;
    },
  });
  const records = new FlashRecords(recordsFlash);
  const t0 = performance.now();
  const ownership = new Ownership({
    records, crypto, self: { jid: bareJid(client.jid), cert, key },
    keys: new KeyDirectory({ iq: client, certServices: [cert, ...(ownerCertServices ?? [])], now: Date.now }),
    utc: () => app.clock.now(), mono: () => performance.now() - t0, ...claimPolicy,
  });
  if (claimSecret && !ownership.hasSecret()) ownership.setSecret(claimSecret);
  const router = new OpenSpimeIqRouter();
  router.add((iq) => ownership.handleIq(iq));
  router.attach(client);
  const presence = new OwnerPresence({ client, ownership, timers: nodeClock, line: () => presenceLine(app.status()), refreshMs: presenceRefreshMs });
  const offs = [client.on('online', () => app.setOnline(true)), client.on('offline', () => app.setOnline(false))];
  app.setOnline(client.status === 'online');
  app.start();
  if (client.status === 'online') void presence.reconcile();
  return {
    app, records, ownership, presence, router,
    stop: async () => { offs.forEach((off) => off()); presence.stop(); await app.stop(); flash.close(); recordsFlash.close(); },
  };
}
