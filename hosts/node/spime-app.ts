// The spime application wired for Node: a file-backed flash partition (persists across runs, so a
// restart — even after kill -9 — sends what was in flash and not acknowledged), Node timers, an
// XMPP client's session events and XEP-0202 time, and a sensor suite. What `npm start` needs to
// run every simulated spime on its own flash (tools/simulation.ts).
import type { Crypto, RsaPrivateKey } from '../../src/crypto/crypto.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { SpimeApp, type SpimeAppOptions } from '../../src/spime/app.js';
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
  /** The sensors: an entry of their fresh samples (SensorManager.entry); its date is ignored. Undefined: no reading. */
  entry: (time: number) => DataEntry | undefined;
}

export function startNodeSpime(o: NodeSpimeOptions): { app: SpimeApp; stop: () => Promise<void> } {
  const flash = new FileFlash(o.flashPath, o.flash);
  const { client, crypto, key, cert, scopeNode, scopeNodeCert, flashPath: _p, flash: _f, entry, ...rest } = o;
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
  const offs = [client.on('online', () => app.setOnline(true)), client.on('offline', () => app.setOnline(false))];
  app.setOnline(client.status === 'online');
  app.start();
  return {
    app,
    stop: async () => { offs.forEach((off) => off()); await app.stop(); flash.close(); },
  };
}
