// The device's main module: the spime application (src/spime/app.ts) on the device hosts — the
// XMPP client over the mbedTLS transport (./transport.ts), the PSA crypto host
// (./crypto/crypto.ts), the flash log and the record store (claims, configuration) on the
// platform's flash partitions, and the sensors.
// `spimekit/host/platform` is the target: hosts/moddable/lin/platform.ts (the headless Linux
// build the device tier runs: stdout, a provisioning file, a flash file, simulated sensors) or
// hosts/moddable/esp32/platform.ts (NVS preferences, the `spimelog` partition, I2C sensors).
// Everything device-specific comes from the provisioning record, never from the image.
//
// Output: one line per event, `spimekit: <what> ...`, which the device tier parses
// (tools/device-tier.ts); on the ESP32 it goes to the serial console.
import { createModdableCrypto, moddableRsaPrivateKey } from 'spimekit/host/crypto/crypto';
import { halt, heapPeak, log, openFlash, openRecordFlash, platform, provisioning, startNetwork, startReadings } from 'spimekit/host/platform';
import { ModdableTransport } from 'spimekit/host/transport';
import { base64Decode } from 'spimekit/bytes/base64';
import { toHex } from 'spimekit/bytes/bytes';
import { bareJid } from 'spimekit/openspime/jid';
import { KeyDirectory } from 'spimekit/openspime/pubkeys';
import { SpimeApp } from 'spimekit/spime/app';
import { applyConfig, attachSpimeConfig } from 'spimekit/spime/config-faces';
import { SpimeConfig } from 'spimekit/spime/config';
import { OpenSpimeIqRouter } from 'spimekit/spime/openspime-iq';
import { OwnerPresence, presenceLine } from 'spimekit/spime/owner-presence';
import { Ownership } from 'spimekit/spime/ownership';
import { FlashRecords } from 'spimekit/storage/records';
import { SealedReportSender } from 'spimekit/spime/report-sender';
import { FlashLog } from 'spimekit/storage/log';
import { Client } from 'spimekit/xmpp/client';
import { TransportXmlStream } from 'spimekit/xmpp/xml-stream';
import Time from 'time';
import Timer from 'timer';
import type { Provisioning } from 'spimekit/host/provisioning';

const clock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => Timer.set(fn, ms),
  clearTimeout: (h: unknown) => Timer.clear(h as Timer),
};

/** `condition message` of a typed error (SpimeError's message already starts with its condition). */
function describe(e: unknown): string {
  const condition = (e as { condition?: unknown })?.condition;
  const message = (e as Error)?.message ?? String(e);
  if (typeof condition !== 'string') return `error ${message}`;
  return message.startsWith(condition) ? message : `${condition} ${message}`;
}

/** DER of the first PEM block (the provisioned RSA key). */
function pemBody(pem: string): Uint8Array {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = base64Decode(body);
  if (!der || !der.length) throw new Error('key: not PEM');
  return der;
}

async function run(p: Provisioning): Promise<void> {
  const crypto = createModdableCrypto();
  const der = pemBody(p.key);
  const key = moddableRsaPrivateKey(der);
  der.fill(0); // from here on only the PSA handle holds the key
  const client = new Client({
    // a fresh resource per boot: after a crash the server may still hold the old session
    // (XEP-0198 hibernation), and stanzas for a reused full JID could go to it
    jid: p.jid, password: p.password, resource: `${platform}-${toHex(crypto.randomBytes(3))}`,
    host: p.host, port: p.port, directTls: p.directTls, servername: p.servername,
    clock, crypto,
    createStream: () => new TransportXmlStream(new ModdableTransport({ ca: p.ca })),
    reconnect: { initialMs: 200, maxMs: 5000 },
  });
  let reportMeasured = false;
  client.on('online', (jid, resumed) => {
    log(`spimekit: online ${jid} sasl=${client.lastMechanism}${resumed ? ' resumed' : ''}`);
    log(`spimekit: heap login ${heapPeak()}`); // XS heap peaks since boot: the login
  });
  // a message to the device: the peak while it was received (bench/device-heap.ts sends a maximum-size one)
  client.on('stanza', (el) => { if (el.name === 'message') log(`spimekit: heap stanza ${heapPeak()}`); });
  client.on('offline', (e) => log(`spimekit: offline${e ? ` ${describe(e)}` : ''}`));
  client.on('error', (e) => log(`spimekit: error ${describe(e)}`));

  const flash = openFlash();
  const readings = await startReadings();
  const sender = new SealedReportSender({ client, crypto, key, cert: p.cert, scopeNode: p.scopeNode, scopeNodeCert: p.scopeNodeCert, now: Date.now });
  const app = new SpimeApp({
    log: new FlashLog(flash),
    timers: clock,
    sender,
    serverTime: () => client.syncTime(),
    read: () => {
      const e = readings();
      if (!e) return undefined;
      const { date: _date, ...values } = e;
      return values;
    },
    samplePeriodMs: p.samplePeriodMs,
    maxEntries: p.maxEntries,
    maxWaitMs: p.maxWaitMs,
    onEvent: (e) => {
      // sm: XEP-0198 state, known once <enabled/> has come (after 'online')
      if (e.type === 'acked' && e.entries >= 20 && !reportMeasured) { reportMeasured = true; log(`spimekit: heap report ${heapPeak()}`); }
      if (e.type === 'sent' || e.type === 'acked') log(`spimekit: ${e.type} entries=${e.entries}${'first' in e ? ` first=${e.first}` : ''} last=${e.last} sm=${client.smEnabled}`);
      else if (e.type === 'sampled') log(`spimekit: sampled seq=${e.seq}`);
      else if (e.type === 'halted') log(`spimekit: halted ${describe(e.error)}`);
      else log(`spimekit: ${e.type} ${JSON.stringify(e)}`);
    },
  });
  // claims (PROTOCOL.md §6): owner, claim and configuration records in their own partition
  const records = new FlashRecords(openRecordFlash());
  const t0 = Time.ticks;
  const certServices = [p.cert, ...(p.ownerCerts ?? [])];
  // the configuration (PROTOCOL.md §13): the provisioned cadence is version 0, an owner's set applies live
  const provisioned: Array<[string, string]> = [];
  const clamp = (v: number, lo: number, hi: number) => String(Math.min(hi, Math.max(lo, Math.round(v))));
  if (p.samplePeriodMs !== undefined) provisioned.push(['report.period', clamp(p.samplePeriodMs / 1000, 1, 86_400)]);
  if (p.maxEntries !== undefined) provisioned.push(['report.batch', clamp(p.maxEntries, 1, 200)]);
  if (p.maxWaitMs !== undefined) provisioned.push(['report.wait', clamp(p.maxWaitMs / 1000, 0, 86_400)]);
  const config = new SpimeConfig(records, provisioned);
  const ownership = new Ownership({
    records, crypto, self: { jid: bareJid(p.jid), cert: p.cert, key },
    keys: new KeyDirectory({ iq: client, certServices, now: Date.now }),
    utc: () => app.clock.now(), mono: () => Time.ticks - t0,
    // claim.lifetime (days), read at each claim
    get claimKeyLifetimeMs() { return Number(config.values['claim.lifetime']) * 86_400_000; },
  });
  if (p.claimSecret && !ownership.hasSecret()) ownership.setSecret(p.claimSecret);
  const router = new OpenSpimeIqRouter();
  router.add((iq) => ownership.handleIq(iq));
  const apply = applyConfig({ app, reporter: sender, defaultScopeNode: { jid: p.scopeNode, cert: p.scopeNodeCert } });
  if (config.version > 0) apply(config.values); // a set from before this boot
  config.onChange((values, version) => {
    if (version === 0) return;
    apply(values);
    log(`spimekit: config version=${version} report.period=${String(values['report.period'])}`);
  });
  attachSpimeConfig({
    client, crypto, key, cert: p.cert, certServices, now: Date.now, config, owner: ownership, router,
    status: () => {
      const s = app.status();
      return [['pending', 'Readings not yet acknowledged', String(s.pending)], ['period', 'Report period (s)', String(s.samplePeriodMs / 1000)]];
    },
    release: () => ownership.releaseByOwner(),
  });
  router.attach(client);
  const presence = new OwnerPresence({ client, ownership, timers: clock, line: () => presenceLine(app.status()) });
  client.on('online', () => { app.setOnline(true); void presence.reconcile(); });
  client.on('offline', () => app.setOnline(false));
  const status = app.status();
  const owner = ownership.ownerOf();
  log(`spimekit: boot ${status.boot} pending=${status.pending} owner=${owner ?? 'none'} config=${config.version} report.period=${String(config.values['report.period'])}`);
  app.start(); // samples into flash while the network comes up
  await startNetwork(p);
  await client.start();
}

let record: Provisioning;
try {
  record = provisioning();
} catch (e) {
  halt(`spimekit: provisioning ${describe(e)}`);
}
run(record!).catch((e: unknown) => log(`spimekit: error ${describe(e)}`));
