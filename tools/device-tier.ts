// The device tier (`npm test` with $MODDABLE set; alone: `node tools/run-ts.js tools/device-tier.ts
// BUILD_DIR`): the firmware built for Moddable's Linux target (tools/device-build.js, kept in
// BUILD_DIR with the headless launcher) runs as its own process against a private Prosody, and a
// Node ScopeNode (src/roles/scopenode.ts) receives its reports. What each check proves:
//  1. a server certificate for another name is refused by the mbedTLS transport (typed
//     `certificate` error, never online, the VM keeps running);
//  1b. a peer that answers the ClientHello after <proceed/> with garbage: a typed `tls-failed`, and
//     the firmware reconnects (no abort);
//  2. STARTTLS through mbedTLS with the certificate verified against the provisioned CA, SCRAM
//     with the PSA PBKDF2/HMAC, bind, stream management enabled;
//  3. batched signed+encrypted reports that the Node ScopeNode verifies and decrypts;
//  4. kill -9 while the ScopeNode is away (entries pile up unacknowledged in the flash file), start
//     again: those entries arrive, none twice, and every entry sampled reaches the ScopeNode;
//  5. a claim from the owner command line (tools/owner/commands.ts) with the label's secret takes
//     effect on the firmware (record store on its file) and is still there after a kill -9;
//  6. a configuration change (report.period) from the owner command line applies on the firmware
//     and is still in force after a kill -9;
//  7. no run of the firmware aborted.
// Prints `device tier: N passed, M failed` last (run-tests.js adds it to npm test's count).
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, exportPrivateKeyPem, generateNodeRsaKey } from '../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../hosts/node/key-service.js';
import { createClient } from '../hosts/node/xmpp.js';
import type { DataEntry } from '../src/openspime/data.js';
import { attachScopeNode } from '../src/roles/scopenode.js';
import type { Client } from '../src/xmpp/client.js';
import { Firmware } from './device-firmware.js';
import { runOwnerCommand, type OwnerConfig } from './owner/commands.js';
import { startProsody } from './servers/prosody.js';
import type { TestServer } from './servers/server.js';

const [buildDir, launcher, library] = process.argv.slice(2);
if (!buildDir || !launcher || !library) {
  console.error('usage: device-tier.ts BUILD_DIR LAUNCHER MC_SO');
  process.exit(64);
}

let passed = 0, failed = 0;
async function check(name: string, body: () => Promise<void>): Promise<boolean> {
  const t0 = Date.now();
  try {
    await body();
    passed++;
    console.log(`✓ device: ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    failed++;
    console.log(`✕ device: ${name}\n  ${(e as Error).stack ?? e}`);
    return false;
  }
}
function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestServer | undefined;
let keyService: KeyService | undefined;
let scope: Client | undefined;
const running: Firmware[] = [];
const dir = mkdtempSync(join(tmpdir(), 'spimekit-device-'));

try {
  server = await startProsody();
  const host = server.host;
  await Promise.all(['spime', 'scopenode', 'alice'].map((u) => server!.register(u, `${u}-pw`)));
  const crypto = createNodeCrypto();
  const spimeKey = generateNodeRsaKey();
  const scopeKey = generateNodeRsaKey();
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${host}`, [scopeKey.publicKey]);
  const aliceKey = generateNodeRsaKey();
  keyService.publish(`alice@${host}`, [aliceKey.publicKey]);
  writeFileSync(join(dir, 'alice.pem'), exportPrivateKeyPem(aliceKey));
  writeFileSync(join(dir, 'ca.pem'), server.caPem);
  const SECRET = 'K7QF-3MZT-ABCD-EFGH-2345-67XY';

  // the ScopeNode stores by (osid, date), PROTOCOL.md §7.4
  const stored = new Map<string, DataEntry>();
  let duplicates = 0;
  const rejected: string[] = [];
  const scopeClient = () => {
    const c = createClient({ jid: `scopenode@${host}`, password: 'scopenode-pw', resource: 'scope', ca: server!.caPem, host: '127.0.0.1', port: server!.c2sPort, reconnect: { initialMs: 50, maxMs: 500 } });
    attachScopeNode({
      client: c, crypto, key: scopeKey, certServices: [server!.componentDomain], now: Date.now,
      accept: (osid, entries) => {
        for (const e of entries) {
          const k = `${osid}\u0000${e.date}`;
          if (stored.has(k)) duplicates++;
          else stored.set(k, e);
        }
      },
      rejected: (_from, condition) => rejected.push(condition),
    });
    return c;
  };
  scope = scopeClient();
  await scope.start();

  const pem = (spimeKey.opaque as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string;
  const provision = (name: string, extra: Record<string, unknown> = {}) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({
      jid: `spime@${host}`, password: 'spime-pw', host: '127.0.0.1', port: server!.c2sPort, ca: server!.caPem, key: pem,
      // the shape `spimekit provision` writes (tools/provision.ts), plus the reporting cadence
      format: 'spimekit-provisioning-1', keyService: server!.componentDomain, scopeNode: `scopenode@${host}/scope`,
      samplePeriodMs: 300, maxEntries: 5, maxWaitMs: 1000,
      claimSecret: SECRET, ownerCerts: [server!.componentDomain], ...extra,
    }));
    return path;
  };
  const flashPath = join(dir, 'spime.flash');
  const boot = (provisionPath: string, flash = flashPath) => {
    const f = new Firmware(launcher!, library!, { SPIMEKIT_PROVISION: provisionPath, SPIMEKIT_FLASH: flash, SPIMEKIT_FLASH_BLOCKS: '8' });
    running.push(f);
    return f;
  };

  await check('a server certificate for another name is refused (typed `certificate` error; the VM keeps running)', async () => {
    const f = boot(provision('wrong-name', { servername: 'not-the-server.example' }), join(dir, 'wrong-name.flash'));
    const m = await f.waitFor(/^spimekit: error certificate:? (.*)$/, 60_000);
    assert(/-0x2700|verif/i.test(m[1]!), `unexpected detail: ${m[1]}`);
    await sleep(1500); // still alive, retrying at the slow cadence: not online, no abort
    assert(f.count(/^spimekit: online/) === 0, 'went online with a wrong-name certificate');
    assert(!f.lines.some((l) => /XS abort/.test(l)), 'the VM aborted');
    await f.kill9();
  });

  await check('garbage instead of a ServerHello after <proceed/>: typed `tls-failed`, the firmware reconnects', async () => {
    let connections = 0;
    const sockets: Socket[] = [];
    const peer = createServer((socket) => {
      connections++;
      sockets.push(socket);
      let text = '';
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.includes('<stream:stream') && !text.includes('#header-sent')) {
          text += '#header-sent';
          socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='${host}' id='hostile' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`);
        }
        if (text.includes('<starttls') && !text.includes('#proceed-sent')) {
          text += '#proceed-sent';
          socket.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
        } else if (text.includes('#proceed-sent') && chunk[0] === 0x16) {
          socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n\x16\x03\x03\xff\xffnot a handshake', 'latin1'));
        }
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
    const port = (peer.address() as { port: number }).port;
    try {
      const f = boot(provision('hostile', { port }), join(dir, 'hostile.flash'));
      const m = await f.waitFor(/^spimekit: error tls-failed:? (.*)$/, 60_000);
      assert(!/certificate/.test(m[1]!), `classified as a certificate failure: ${m[1]}`);
      const deadline = Date.now() + 30_000;
      while (connections < 2 && Date.now() < deadline) await sleep(100);
      assert(connections >= 2, `no reconnect after the TLS failure (${connections} connection)`);
      assert(!f.lines.some((l) => /XS abort/.test(l)), 'the VM aborted');
      await f.kill9();
    } finally {
      for (const s of sockets) s.destroy();
      peer.close();
    }
  });

  const good = provision('good');
  const first = boot(good);
  await check('STARTTLS via mbedTLS (CA and name verified), SCRAM via PSA PBKDF2/HMAC, bind, stream management', async () => {
    const m = await first.waitFor(/^spimekit: online (\S+) sasl=(\S+)/, 90_000);
    assert(m[1]!.startsWith(`spime@${host}/`), `bound JID ${m[1]}`);
    assert(/^SCRAM-SHA-(1|256)$/.test(m[2]!), `mechanism ${m[2]}`);
    // XEP-0198 <enabled/> comes after 'online': the first acknowledged report says
    const sm = await first.waitFor(/^spimekit: acked .* sm=(\S+)/, 60_000);
    assert(sm[1] === 'true', 'stream management not enabled');
  });

  await check('batched signed+encrypted reports verified and decrypted by a Node ScopeNode', async () => {
    const deadline = Date.now() + 90_000;
    while (stored.size < 10 && Date.now() < deadline) await sleep(200);
    assert(stored.size >= 10, `the ScopeNode accepted ${stored.size} entries (want >= 10); rejected: ${rejected.join(', ')}`);
    const batches = first.lines.filter((l) => /^spimekit: acked entries=(\d+)/.test(l)).map((l) => Number(/entries=(\d+)/.exec(l)![1]));
    assert(batches.some((n) => n > 1), `no report carried more than one entry: ${batches.join(',')}`);
    assert(rejected.length === 0, `the ScopeNode rejected: ${rejected.join(', ')}`);
    const e = [...stored.values()][0]!;
    assert(Object.keys(e).some((k) => k !== 'date'), `entries carry no readings: ${JSON.stringify(e)}`);
  });

  await check('kill -9 with unacknowledged entries in the flash file, start again: they arrive, none twice', async () => {
    await scope!.stop(); // the ScopeNode away: reports fail, entries stay in flash
    scope = undefined;
    const from = first.lines.length;
    await first.waitFor(/^spimekit: sampled seq=/, 20_000, from);
    await sleep(3000);
    await first.kill9();
    const sampled = new Set(first.lines.map((l) => /^spimekit: sampled seq=(\d+)/.exec(l)?.[1]).filter(Boolean));
    const before = stored.size;
    scope = scopeClient();
    await scope.start();
    const second = boot(good);
    const m = await second.waitFor(/^spimekit: boot (\d+) pending=(\d+)/, 30_000);
    const pending = Number(m[2]);
    assert(pending > 0, 'nothing was pending in flash after the kill');
    await second.waitFor(/^spimekit: online /, 90_000);
    // every entry sampled by the first run reaches the ScopeNode; the second run keeps sampling
    const deadline = Date.now() + 90_000;
    while (stored.size < before + pending && Date.now() < deadline) await sleep(200);
    assert(stored.size >= before + pending, `after restart ${stored.size - before} of ${pending} pending entries arrived`);
    await sleep(2000);
    await second.kill9();
    const firstRun = sampled.size;
    assert(duplicates === 0, `${duplicates} entries reached the ScopeNode twice`);
    // the device side: the restarted firmware resends nothing the first run had acknowledged
    const ackedBefore = Math.max(-1, ...first.lines.map((l) => Number(/^spimekit: acked .*last=(\d+)/.exec(l)?.[1] ?? -1)));
    const resent = second.lines.map((l) => /^spimekit: sent entries=\d+ first=(\d+)/.exec(l)).filter(Boolean).map((x) => Number(x![1]));
    assert(resent.length > 0 && Math.min(...resent) > ackedBefore, `after restart the firmware sent from seq ${Math.min(...resent)}, but ${ackedBefore} was acknowledged before the kill`);
    assert(stored.size <= firstRun + second.count(/^spimekit: sampled seq=/), `more entries stored (${stored.size}) than sampled`);
    assert(stored.size >= firstRun, `entries of the first run lost: ${firstRun} sampled, ${stored.size} stored`);
  });
  await check('a claim from the owner command line takes effect on the firmware and survives kill -9', async () => {
    const f = boot(good);
    const m = await f.waitFor(/^spimekit: boot \d+ pending=\d+ owner=(\S+)/, 30_000);
    assert(m[1] === 'none', `owned before any claim: ${m[1]}`);
    const online = await f.waitFor(/^spimekit: online (\S+)/, 90_000);
    await f.waitFor(/^spimekit: clock /, 30_000); // claims need the spime's clock (XEP-0202)
    const alice: OwnerConfig = { jid: `alice@${host}`, password: 'alice-pw', ca: join(dir, 'ca.pem'), host: '127.0.0.1', port: server!.c2sPort, key: join(dir, 'alice.pem'), cert: server!.componentDomain };
    const lines: string[] = [];
    const code = await runOwnerCommand(['claim', online[1]!, '--secret', SECRET.toLowerCase()], { config: alice, log: (l) => lines.push(l), error: (l) => lines.push(l) });
    assert(code === 0 && lines.join('\n').includes(`claimed spime@${host}`), `claim: exit ${code}: ${lines.join(' / ')}`);
    await f.kill9();
    const again = boot(good);
    const after = await again.waitFor(/^spimekit: boot \d+ pending=\d+ owner=(\S+)/, 30_000);
    assert(after[1] === `alice@${host}`, `after kill -9 the owner is ${after[1]}`);
    await again.kill9();
  });

  await check('a configuration change from the owner command line applies live and survives kill -9', async () => {
    const f = boot(good);
    const online = await f.waitFor(/^spimekit: online (\S+)/, 90_000);
    await f.waitFor(/^spimekit: clock /, 30_000);
    const alice: OwnerConfig = { jid: `alice@${host}`, password: 'alice-pw', ca: join(dir, 'ca.pem'), host: '127.0.0.1', port: server!.c2sPort, key: join(dir, 'alice.pem'), cert: server!.componentDomain };
    const lines: string[] = [];
    const code = await runOwnerCommand(['config', 'set', online[1]!, 'report.period=7'], { config: alice, log: (l) => lines.push(l), error: (l) => lines.push(l) });
    assert(code === 0, `config set: exit ${code}: ${lines.join(' / ')}`);
    const applied = await f.waitFor(/^spimekit: config version=(\d+) report.period=(\S+)/, 30_000);
    assert(Number(applied[1]) >= 1 && applied[2] === '7', `applied: ${applied[0]}`);
    await f.kill9();
    const again = boot(good);
    const after = await again.waitFor(/^spimekit: boot \d+ pending=\d+ owner=\S+ config=(\d+) report.period=(\S+)/, 30_000);
    assert(Number(after[1]) >= 1 && after[2] === '7', `after kill -9: ${after[0]}`);
    await again.kill9();
  });
  await check('no firmware run aborted (XS stack or memory exhausted, an unhandled exception)', async () => {
    const aborts = running.flatMap((f) => f.lines.filter((l) => /XS abort|stack overflow/.test(l)));
    assert(aborts.length === 0, aborts.join(' / '));
  });
} catch (e) {
  failed++;
  console.log(`✕ device tier: ${(e as Error).stack ?? e}`);
} finally {
  for (const f of running) await f.kill9().catch(() => undefined);
  await Promise.allSettled([scope?.stop(), keyService?.close()]);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`device tier: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
