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
import { applyConfig, attachSpimeConfig } from '../../src/spime/config-faces.js';
import type { SensorSettings } from '../../src/sensors/suite.js';
import type { SpimeCommands } from '../../src/spime/commands.js';
import { SpimeConfig } from '../../src/spime/config.js';
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
  /** Sensor drivers to configure over the air (SensorSuite.configure); none: only the application's settings. */
  sensors?: { configure: (s: SensorSettings) => Promise<boolean> };
  /** The sensors: an entry of their fresh samples (SensorManager.entry); its date is ignored. Undefined: no reading. */
  entry: (time: number) => DataEntry | undefined;
}

export interface NodeSpime {
  app: SpimeApp;
  records: FlashRecords;
  ownership: Ownership;
  presence: OwnerPresence;
  /** Where further OpenSpime iq handlers are added. */
  router: OpenSpimeIqRouter;
  /** The configuration (PROTOCOL.md §13): signed <config/> and XEP-0050, applied live. */
  config: SpimeConfig;
  commands: SpimeCommands;
  stop: () => Promise<void>;
}

/** Record-store geometry on the host: two banks of two 4 KiB blocks (the ESP32's NVS page size). */
export const RECORDS_FLASH = { blocks: 4, blockLength: 4096 };

export function startNodeSpime(o: NodeSpimeOptions): NodeSpime {
  const flash = new FileFlash(o.flashPath, o.flash);
  const recordsFlash = new FileFlash(o.recordsPath ?? `${o.flashPath}.records`, RECORDS_FLASH);
  const { client, crypto, key, cert, scopeNode, scopeNodeCert, flashPath: _p, flash: _f, entry, recordsPath: _r, claimSecret, ownerCertServices, presenceRefreshMs, claimPolicy, sensors, ...rest } = o;
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
  // The host's settings are the configuration until the owner sets one (version 0).
  // (Shown to the owner in the schema's units and bounds; the host's exact values stay in force
  // until a set, see the listener below.)
  const provisioned: Array<[string, string]> = [];
  const clamp = (v: number, lo: number, hi: number) => String(Math.min(hi, Math.max(lo, Math.round(v))));
  if (rest.samplePeriodMs !== undefined) provisioned.push(['report.period', clamp(rest.samplePeriodMs / 1000, 1, 86_400)]);
  if (rest.maxEntries !== undefined) provisioned.push(['report.batch', clamp(rest.maxEntries, 1, 200)]);
  if (rest.maxWaitMs !== undefined) provisioned.push(['report.wait', clamp(rest.maxWaitMs / 1000, 0, 86_400)]);
  if (claimPolicy?.claimKeyLifetimeMs !== undefined) provisioned.push(['claim.lifetime', clamp(claimPolicy.claimKeyLifetimeMs / 86_400_000, 1, 3650)]);
  const config = new SpimeConfig(records, provisioned);
  const { claimKeyLifetimeMs: _l, ...policy } = claimPolicy ?? {};
  const ownership = new Ownership({
    records, crypto, self: { jid: bareJid(client.jid), cert, key },
    keys: new KeyDirectory({ iq: client, certServices: [cert, ...(ownerCertServices ?? [])], now: Date.now }),
    utc: () => app.clock.now(), mono: () => performance.now() - t0, ...policy,
    // claim.lifetime (days), read at each claim: a change applies to the next key issued
    get claimKeyLifetimeMs() { return config.version === 0 && claimPolicy?.claimKeyLifetimeMs !== undefined ? claimPolicy.claimKeyLifetimeMs : Number(config.values['claim.lifetime']) * 86_400_000; },
  });
  if (claimSecret && !ownership.hasSecret()) ownership.setSecret(claimSecret);
  const router = new OpenSpimeIqRouter();
  router.add((iq) => ownership.handleIq(iq));
  // Version 0 is the host's own settings, already in force exactly: only a set (version ≥ 1) is applied.
  const apply = applyConfig({ app, reporter: sender, defaultScopeNode: { jid: scopeNode, cert: scopeNodeCert }, sensors });
  config.onChange((values, version) => { if (version > 0) apply(values); });
  const { commands } = attachSpimeConfig({
    client, crypto, key, cert, certServices: [cert, ...(ownerCertServices ?? [])], now: Date.now, config, owner: ownership, router,
    status: () => statusFacts(app.status()),
    release: () => ownership.releaseByOwner(),
  });
  router.attach(client);
  const presence = new OwnerPresence({ client, ownership, timers: nodeClock, line: () => presenceLine(app.status()), refreshMs: presenceRefreshMs });
  const offs = [client.on('online', () => app.setOnline(true)), client.on('offline', () => app.setOnline(false))];
  app.setOnline(client.status === 'online');
  app.start();
  if (client.status === 'online') void presence.reconcile();
  return {
    app, records, ownership, presence, router, config, commands,
    stop: async () => { offs.forEach((off) => off()); presence.stop(); await app.stop(); flash.close(); recordsFlash.close(); },
  };
}

/** The Status command's facts (XEP-0050): [var, label, value]. */
export function statusFacts(s: ReturnType<SpimeApp['status']>): Array<[string, string, string]> {
  return [
    ['state', 'State', presenceLine(s).status],
    ['online', 'Online', String(s.online)],
    ['pending', 'Readings not yet acknowledged', String(s.pending)],
    ['dropped', 'Readings dropped (flash full)', String(s.dropped)],
    ['period', 'Report period (s)', String(s.samplePeriodMs / 1000)],
    ['faults', 'Sensors in fault', s.sensorFaults.join(', ') || 'none'],
  ];
}
