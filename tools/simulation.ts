// `npm start`: the host simulation. A private Prosody on loopback (tools/servers/prosody.ts), the
// key service as its XEP-0114 component keys.<host>, a ScopeNode and a few spimes — each spime on
// its own simulated sensors (hosts/sim, seeded), sending a signed, encrypted report every few
// seconds, and the ScopeNode printing each entry once it has verified and decrypted it. The same
// src/ code the device runs; only the transport, crypto, clock and sensors are the host's.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createNodeCrypto, generateNodeRsaKey } from '../hosts/node/crypto.js';
import { startKeyService } from '../hosts/node/key-service.js';
import { nodeClock as sensorClock } from '../hosts/node/sensors/clock.js';
import { createClient } from '../hosts/node/xmpp.js';
import { simulatedSpime } from '../hosts/sim/sensors/spime.js';
import type { DataEntry } from '../src/openspime/data.js';
import { attachScopeNode } from '../src/roles/scopenode.js';
import { SpimeReporter } from '../src/roles/spime.js';
import { entryFields } from '../src/sensors/reading.js';
import type { Client } from '../src/xmpp/client.js';
import { startProsody } from './servers/prosody.js';
import type { TestServer } from './servers/server.js';

export interface SimulationOptions {
  /** Run this long, then clean up and return; default: until stop() (Ctrl-C). */
  seconds?: number;
  spimes?: number;
  seed?: number;
  /** Each spime reports this often, ms. */
  intervalMs?: number;
  log?: (line: string) => void;
}

export function prosodyInstalled(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'prosody')));
}

/** Runs the simulation; resolves with the number of verified reports per spime JID. */
export async function runSimulation(o: SimulationOptions = {}, stopSignal?: Promise<void>): Promise<Map<string, number>> {
  const log = o.log ?? console.log;
  const count = o.spimes ?? 3;
  const seed = o.seed ?? 42;
  const intervalMs = o.intervalMs ?? 3000;
  const crypto = createNodeCrypto();
  const verified = new Map<string, number>();
  const cleanups: Array<() => Promise<unknown>> = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const after = (ms: number, fn: () => void) => { const t = setTimeout(() => { timers.delete(t); fn(); }, ms); timers.add(t); };
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;

  try {
    const server: TestServer = await startProsody();
    cleanups.push(() => server.stop());
    const names = Array.from({ length: count }, (_, i) => `spime-${i + 1}`);
    await Promise.all(['scopenode', ...names].map((u) => server.register(u, `${u}-pw`)));
    log(`${stamp()} prosody ${server.host} on 127.0.0.1:${server.c2sPort} (pid ${server.pid}), log ${server.logPath}`);

    const keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
    cleanups.unshift(() => keyService.close());
    const cert = keyService.domain;
    const keyOf = new Map([['scopenode', generateNodeRsaKey()], ...names.map((n) => [n, generateNodeRsaKey()] as const)]);
    for (const [user, key] of keyOf) keyService.publish(`${user}@${server.host}`, [key.publicKey]);
    log(`${stamp()} key service ${cert} (XEP-0114) holds the RSA keys of scopenode and ${names.join(', ')}`);

    const client = (user: string, resource: string): Client => {
      const c = createClient({ jid: `${user}@${server.host}`, password: `${user}-pw`, resource, ca: server.caPem, host: '127.0.0.1', port: server.c2sPort });
      c.on('error', (e) => log(`${stamp()} ${user}: ${e.message}`));
      cleanups.unshift(() => c.stop());
      return c;
    };

    const scope = client('scopenode', 'scope');
    attachScopeNode({
      client: scope, crypto, key: keyOf.get('scopenode')!, certServices: [cert], now: Date.now,
      accept: (osid, entries, info) => {
        verified.set(osid, (verified.get(osid) ?? 0) + 1);
        for (const e of entries) {
          const fields = entryFields(e).map(([name, text, unit]) => `${name}=${text}${unit ? ` ${unit}` : ''}`).join('  ');
          log(`${stamp()} verified ${osid} (${info.signed ? 'signed' : 'unsigned'}, ${info.encrypted ? 'encrypted' : 'plain'})  ${fields}`);
        }
      },
      rejected: (from, condition) => log(`${stamp()} REJECTED report from ${from}: ${condition}`),
    });
    log(`${stamp()} scopenode online as ${await scope.start()}`);

    const spimes = await Promise.all(names.map(async (user, i) => {
      const c = client(user, 'sim');
      const jid = await c.start();
      const tSensors = sensorClock.now();
      const sim = simulatedSpime({ clock: sensorClock, seed: seed + i, epoch: Date.now() - tSensors, outages: [[tSensors + 20_000, tSensors + 30_000]] });
      await sim.start();
      cleanups.unshift(() => sim.stop());
      const reporter = new SpimeReporter({ client: c, crypto, key: keyOf.get(user)!, cert, scopeNode: scope.jid, scopeNodeCert: cert, now: Date.now });
      log(`${stamp()} ${jid} online, sensors on ${sim.board.name} (seed ${seed + i})`);
      return { jid, sim, reporter };
    }));

    let stopping = false;
    for (const [i, s] of spimes.entries()) {
      const tick = () => {
        if (stopping) return;
        const entry: DataEntry = s.sim.manager.entry(s.sim.time());
        s.reporter.report([entry]).catch((e) => log(`${stamp()} ${s.jid}: report refused: ${(e as { condition?: string }).condition ?? (e as Error).message}`));
        after(intervalMs, tick);
      };
      // staggered, so the reports do not all arrive in the same instant
      after(1000 + (i * intervalMs) / count, tick);
    }

    const deadline = o.seconds !== undefined ? new Promise<void>((r) => after(o.seconds! * 1000, r)) : new Promise<void>(() => {});
    await Promise.race([deadline, stopSignal ?? new Promise<void>(() => {})]);
    stopping = true;
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const c of cleanups) await c().catch((e) => log(`cleanup: ${(e as Error).message}`));
  }
  return verified;
}
