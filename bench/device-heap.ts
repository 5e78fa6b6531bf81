// XS heap peaks of the firmware on Moddable's Linux target (the device build, run headless):
// chunk bytes and slot bytes at their highest during (1) boot and login (STARTTLS through mbedTLS,
// SCRAM, bind), (2) a 20-entry signed+encrypted report until it is acknowledged, (3) receipt of a
// message stanza of the maximum size the client accepts (DEFAULT_XML_LIMITS.stanzaBytes). The
// firmware prints `spimekit: heap <phase> chunks=… slots=…` (hosts/moddable/lin/host_heap.c: the
// machine's own counters, the peak reset after each phase). Needs $MODDABLE (builds first).
//
//   npm run bench:device-heap [-- BUILD_DIR]   (a kept `-p lin` build, else one is made)
//
// What it does not give: the ESP32's numbers (its allocator and mbedTLS's buffers differ; the
// `creation` section per board is to be sized from a board), and the mbedTLS/PSA C heap.
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, generateNodeRsaKey } from '../hosts/node/crypto.js';
import { startKeyService } from '../hosts/node/key-service.js';
import { createClient } from '../hosts/node/xmpp.js';
import { attachScopeNode } from '../src/roles/scopenode.js';
import { DEFAULT_XML_LIMITS, xml } from '../src/xml/index.js';
import { buildLauncher, deviceBuild, linLibrary } from '../tools/device-build.js';
import { Firmware } from '../tools/device-firmware.js';
import { startProsody } from '../tools/servers/prosody.js';

if (!process.env.MODDABLE) {
  console.error('bench:device-heap needs $MODDABLE (README "Building for the device")');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'spimekit-heap-'));
const prebuilt = process.argv[2];
const out = prebuilt ?? join(dir, 'build');
const server = await startProsody();
let firmware: Firmware | undefined;
try {
  if (!prebuilt && deviceBuild({ platform: 'lin', out }) !== true) throw new Error('device build failed');
  const launcher = buildLauncher(out);
  const library = linLibrary(out);
  if (launcher instanceof Error) throw launcher;
  if (!library) throw new Error('no mc.so');

  const host = server.host;
  await Promise.all(['spime', 'scopenode'].map((u) => server.register(u, `${u}-pw`)));
  const spimeKey = generateNodeRsaKey();
  const scopeKey = generateNodeRsaKey();
  const keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${host}`, [scopeKey.publicKey]);
  const scope = createClient({ jid: `scopenode@${host}`, password: 'scopenode-pw', resource: 'scope', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort });
  attachScopeNode({ client: scope, crypto: createNodeCrypto(), key: scopeKey, certServices: [server.componentDomain], now: Date.now, accept: () => undefined });
  await scope.start();

  const provision = join(dir, 'spime.json');
  writeFileSync(provision, JSON.stringify({
    jid: `spime@${host}`, password: 'spime-pw', host: '127.0.0.1', port: server.c2sPort, ca: server.caPem,
    key: (spimeKey.opaque as KeyObject).export({ type: 'pkcs8', format: 'pem' }),
    cert: server.componentDomain, scopeNode: `scopenode@${host}/scope`, scopeNodeCert: server.componentDomain,
    samplePeriodMs: 100, maxEntries: 20, maxWaitMs: 60_000,
  }));
  firmware = new Firmware(launcher, library, { SPIMEKIT_PROVISION: provision, SPIMEKIT_FLASH: join(dir, 'spime.flash') });
  const login = await firmware.waitFor(/^spimekit: heap login (.*)$/, 120_000);
  const online = await firmware.waitFor(/^spimekit: online (\S+)/, 1000);
  const report = await firmware.waitFor(/^spimekit: heap report (.*)$/, 120_000);
  // a message whose serialized size is just under the limit (the element and its attributes take ~200 bytes)
  const body = 'x'.repeat(DEFAULT_XML_LIMITS.stanzaBytes - 400);
  await scope.send(xml('message', { to: online[1]!, type: 'normal', id: 'big' }, xml('body', {}, body)));
  const stanza = await firmware.waitFor(/^spimekit: heap stanza (.*)$/, 60_000);
  console.log(`XS heap peaks on lin (Moddable ${process.env.MODDABLE}), bytes:`);
  console.log(`  login (STARTTLS, SCRAM, bind):         ${login[1]}`);
  console.log(`  20-entry report until acknowledged:    ${report[1]}`);
  console.log(`  a ${DEFAULT_XML_LIMITS.stanzaBytes}-byte-limit message stanza: ${stanza[1]}`);
  await scope.stop();
  await keyService.close();
} finally {
  await firmware?.kill9();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
