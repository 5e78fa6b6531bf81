// Configuring a spime over the air, through a real Prosody (PROTOCOL.md §13): the spime (the Node
// host, hosts/node/spime-app.ts: the application on a file-backed flash log, its record store on
// a file), its owner — who claimed it with the label secret — signing <config/> sets with the
// claim key it got, the owner's ordinary XMPP client (xmpp.js) using XEP-0050, a stranger, the
// key service as a component, and a ScopeNode taking the reports. Every refusal is checked
// against the record store's bytes on flash before and after.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, exportPrivateKeyPem, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { runOwnerCommand } from '../../tools/owner/commands.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { startNodeSpime } from '../../hosts/node/spime-app.js';
import { createClient } from '../../hosts/node/xmpp.js';
import type { RsaPrivateKey } from '../../src/crypto/crypto.js';
import { issueClaimKey } from '../../src/openspime/claimkey.js';
import { bareJid } from '../../src/openspime/jid.js';
import { buildConfigGet, buildConfigSet, configErrorOf, parseConfigCurrent } from '../../src/openspime/config.js';
import { formatDateTime } from '../../src/openspime/datetime.js';
import { conditionOfStanzaError } from '../../src/openspime/errors.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { openContainer } from '../../src/openspime/open.js';
import { KeyDirectory } from '../../src/openspime/pubkeys.js';
import { seal } from '../../src/openspime/seal.js';
import { attachScopeNode } from '../../src/roles/scopenode.js';
import { Owner } from '../../src/roles/owner.js';
import type { SpimeApp } from '../../src/spime/app.js';
import type { Ownership } from '../../src/spime/ownership.js';
import { NS_COMMANDS, NS_DATA_FORMS, NS_DISCO_ITEMS, VERSION_FIELD } from '../../src/spime/commands.js';
import type { SpimeConfig } from '../../src/spime/config.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';
import { makeXmppjsClient, xml as xjs, type XjsClient, type XjsElement } from '../servers/xmppjs.js';

const crypto = createNodeCrypto();
const spimeKey = generateNodeRsaKey();
const scopeKey = generateNodeRsaKey();
const ownerKey = generateNodeRsaKey();
const malloryKey = generateNodeRsaKey();
const now = () => Date.now();
const dir = mkdtempSync(join(tmpdir(), 'spimekit-config-'));
const logPath = join(dir, 'spime.flash');
const recordsPath = `${logPath}.records`;
const SECRET = 'K7QF-3MZT-ABCD-EFGH-2345-67XY';

let server: TestServer;
let keyService: KeyService;
let scope: Client, scope2: Client, owner: Client, mallory: Client;
const accepted2: number[] = [];
let ownerXjs: XjsClient, malloryXjs: XjsClient;
let claimKey: Uint8Array;
const accepted: number[] = [];

/** The running spime: its client, configuration, owner record and application. */
interface Spime { client: Client; config: SpimeConfig; ownership: Ownership; app: SpimeApp; sampled: number[]; stop: () => Promise<void> }
let spime: Spime;

const client = (user: string, resource: string) => createClient({
  jid: `${user}@${server.host}`, password: `${user}-pw`, resource, ca: server.caPem,
  host: '127.0.0.1', port: server.c2sPort, reconnect: false,
});

async function startSpime(): Promise<Spime> {
  const c = client('spime', 'device');
  await c.start();
  const sampled: number[] = [];
  const node = startNodeSpime({
    client: c, crypto, key: spimeKey, cert: server.componentDomain, scopeNode: scope.jid, scopeNodeCert: server.componentDomain,
    flashPath: logPath, claimSecret: SECRET, ownerCertServices: [server.componentDomain],
    entry: () => ({ date: '', ppm: 420 + sampled.length }),
    onEvent: (e) => { if (e.type === 'sampled') sampled.push(Date.now()); },
  });
  return { client: c, config: node.config, ownership: node.ownership, app: node.app, sampled, stop: async () => { await node.stop(); await c.stop(); } };
}

const recordBytes = () => readFileSync(recordsPath);

/** Polls until `cond` holds; fails after a generous deadline (a loaded machine). */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SetOptions { version: number; changes: Array<[string, string]>; key?: RsaPrivateKey; osid?: string; claimkey?: Uint8Array | null; claims?: string; from?: Client }

function signedConfig(payload: XmlElement, o: Partial<SetOptions> = {}): XmlElement {
  const from = o.from ?? owner;
  const ck = o.claimkey === null ? undefined : { cert: server.componentDomain, claims: o.claims ?? bareJid(spime.client.jid), key: o.claimkey ?? claimKey };
  return xml('iq', { type: 'set', to: spime.client.jid }, seal(payload, {
    crypto, osid: o.osid ?? from.jid, cert: server.componentDomain, signingKey: o.key ?? ownerKey, claimkey: ck,
  }));
}

/** Sends a signed iq; the result's <current/> or the refusal's condition(s). */
async function send(iq: XmlElement, from: Client = owner): Promise<{ version?: number; values?: Record<string, string>; condition?: string; config?: string }> {
  try {
    const res = await from.request(iq);
    const container = res.getChild('openspime', NS_CORE)!;
    // the answer is signed by the spime: verify it as the owner would
    const opened = await openContainer(container, res.attr('from')!, { crypto, keys: ownerKeys, now });
    expect(opened.signed).toBe(true);
    return parseConfigCurrent(opened.payload);
  } catch (e) {
    const error = (e as { stanza?: XmlElement }).stanza?.getChild('error');
    if (!error) throw e;
    return { condition: conditionOfStanzaError(error) ?? error.getChildren()[0]?.name, config: configErrorOf(error)?.condition };
  }
}
let ownerKeys: KeyDirectory;

async function xjsIq(c: XjsClient, el: XjsElement): Promise<{ result?: XjsElement; error?: string }> {
  try {
    return { result: await c.iqCaller.request(el, 20_000) };
  } catch (e) {
    const condition = (e as { condition?: string }).condition;
    if (!condition) throw e;
    if (process.env.H11B_DEBUG) console.log(String((e as { element?: unknown }).element ?? ''), (e as { text?: string }).text);
    return { error: condition };
  }
}

beforeAll(async () => {
  server = await startProsody();
  await Promise.all(['spime', 'scopenode', 'scopenode2', 'owner', 'mallory'].map((u) => server.register(u, `${u}-pw`)));
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${server.host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${server.host}`, [scopeKey.publicKey]);
  keyService.publish(`scopenode2@${server.host}`, [scopeKey.publicKey]);
  keyService.publish(`owner@${server.host}`, [ownerKey.publicKey]);
  keyService.publish(`mallory@${server.host}`, [malloryKey.publicKey]);
  scope = client('scopenode', 'scope');
  owner = client('owner', 'cli');
  mallory = client('mallory', 'm');
  scope2 = client('scopenode2', 'scope');
  attachScopeNode({ client: scope2, crypto, key: scopeKey, certServices: [server.componentDomain], now, accept: (_o, entries) => { for (const e of entries) accepted2.push(e.ppm!); } });
  attachScopeNode({ client: scope, crypto, key: scopeKey, certServices: [server.componentDomain], now, accept: (_o, entries) => { for (const e of entries) accepted.push(e.ppm!); } });
  await Promise.all([scope.start(), scope2.start(), owner.start(), mallory.start()]);
  ownerKeys = new KeyDirectory({ iq: owner, certServices: [server.componentDomain], now });
  spime = await startSpime();
  await until(() => spime.app.clock.now() !== undefined, 'the spime knowing the time (XEP-0202), needed to claim');
  // the owner claims it with the label's secret (PROTOCOL.md §6.4): the claim key it gets is the one it signs with
  const claimed = await new Owner({ client: owner, crypto, key: ownerKey, cert: server.componentDomain, certServices: [server.componentDomain], now }).claim(spime.client.jid, SECRET);
  claimKey = claimed.claimkey;
  expect(spime.ownership.ownerOf()).toBe(`owner@${server.host}`);
  ownerXjs = makeXmppjsClient({ server, username: 'owner', password: 'owner-pw', resource: 'phone' });
  malloryXjs = makeXmppjsClient({ server, username: 'mallory', password: 'mallory-pw', resource: 'phone' });
  await Promise.all([ownerXjs.start(), malloryXjs.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([spime?.stop(), scope?.stop(), scope2?.stop(), owner?.stop(), mallory?.stop(), ownerXjs?.stop(), malloryXjs?.stop(), keyService?.close()]);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('configuration over the air through Prosody', () => {
  let replay: XmlElement;

  test('a signed set takes effect live: the report period drops from 60 s to 5 s and readings follow; the answer carries the version', async () => {
    await until(() => spime.sampled.length >= 1, 'the first reading');
    const before = spime.sampled.length;
    const get = await send(signedConfig(buildConfigGet()));
    expect([get.version, get.values!['report.period']]).toEqual([0, '60']);
    expect(spime.app.status().samplePeriodMs).toBe(60_000);
    replay = signedConfig(buildConfigSet(1, [['report.period', '5'], ['exposure', 'indoor'], ['report.batch', '1'], ['report.wait', '0']]));
    const r = await send(replay);
    expect([r.version, r.values!['report.period'], r.values!.exposure]).toEqual([1, '5', 'indoor']);
    // applied without a restart: the application runs on the new period
    expect(spime.app.status().samplePeriodMs).toBe(5_000);
    await until(() => spime.sampled.length >= before + 2, 'readings on the new period');
    await until(() => accepted.length >= 2, 'the ScopeNode receiving them');
  }, 60_000);

  test('a replayed or older-version set → conflict/version-not-newer; the record store is unchanged byte for byte', async () => {
    const before = recordBytes();
    expect(await send(replay)).toEqual({ condition: 'conflict', config: 'version-not-newer' });
    expect(await send(signedConfig(buildConfigSet(1, [['report.period', '6']])))).toEqual({ condition: 'conflict', config: 'version-not-newer' });
    expect(await send(signedConfig(buildConfigSet(0, [['report.period', '6']])))).toEqual({ condition: 'conflict', config: 'version-not-newer' });
    expect(recordBytes()).toEqual(before);
  });

  test('an invalid field → bad-request naming it, nothing applied', async () => {
    const before = recordBytes();
    const iq = signedConfig(buildConfigSet(2, [['report.period', '10'], ['co2.t-offset', '99']]));
    const res = await owner.request(iq).catch((e: { stanza?: XmlElement }) => e.stanza!);
    const error = res.getChild('error')!;
    expect([error.getChildren()[0].name, configErrorOf(error)]).toEqual(['bad-request', { condition: 'invalid-field', field: 'co2.t-offset' }]);
    expect(recordBytes()).toEqual(before);
    expect(spime.config.values['report.period']).toBe(5);
  });

  test('a non-owner, a forged signature, a claim key for another spime, no claim key, an expired claim key: refused, store unchanged', async () => {
    const before = recordBytes();
    const set = (o: Partial<SetOptions>) => signedConfig(buildConfigSet(9, [['report.period', '3600']]), o);
    // mallory, signing with its own (published) key: without a claim key, and with the owner's stolen one
    expect((await send(set({ from: mallory, key: malloryKey, claimkey: null }), mallory)).condition).toBe('not-authorized-for-spime');
    expect((await send(set({ from: mallory, key: malloryKey }), mallory)).condition).toBe('claimkey-not-authorized');
    // mallory claiming to be the owner: the osid does not cover the server-stamped from
    expect((await send(set({ from: mallory, key: malloryKey, osid: owner.jid }), mallory)).condition).toBe('osid-mismatch');
    // the owner's account, but a key nobody vouches for
    expect((await send(set({ key: generateNodeRsaKey() }))).condition).toBe('bad-signature');
    expect((await send(set({ claimkey: null }))).condition).toBe('not-authorized-for-spime');
    const expired = issueClaimKey(crypto, spimeKey, { claims: bareJid(spime.client.jid), osid: `owner@${server.host}`, expdate: formatDateTime(Date.now() - 3600_000) });
    expect((await send(set({ claimkey: expired }))).condition).toBe('claimkey-expired');
    const forgedCk = issueClaimKey(crypto, ownerKey, { claims: bareJid(spime.client.jid), osid: `owner@${server.host}`, expdate: formatDateTime(Date.now() + 3600_000) });
    expect((await send(set({ claimkey: forgedCk }))).condition).toBe('claimkey-invalid');
    expect(recordBytes()).toEqual(before);
    expect(spime.config.version).toBe(1);
  }, 60_000);

  test('JID case variants: the owner record, osid and claim key in other cases are the same JIDs; a resource in another case is not', async () => {
    const upper = (j: string) => j.replace(/^[^/]+/, (b) => b.toUpperCase());
    const ck = issueClaimKey(crypto, spimeKey, { claims: upper(bareJid(spime.client.jid)), osid: `Owner@${server.host}`, expdate: formatDateTime(Date.now() + 3600_000) });
    const r = await send(signedConfig(buildConfigSet(2, [['report.batch', '2']]), { osid: upper(owner.jid), claimkey: ck, claims: upper(bareJid(spime.client.jid)) }));
    expect([r.version, r.values!['report.batch']]).toEqual([2, '2']);
    const before = recordBytes();
    const wrongResource = owner.jid.replace(/\/.*/, '/CLI');
    expect((await send(signedConfig(buildConfigSet(3, [['report.batch', '3']]), { osid: wrongResource }))).condition).toBe('osid-mismatch');
    expect(recordBytes()).toEqual(before);
  }, 60_000);

  test('XEP-0050 from the owner\'s xmpp.js client: disco#items lists the commands; Configure applies live; Status tells the version', async () => {
    const to = spime.client.jid;
    const items = await xjsIq(ownerXjs, xjs('iq', { type: 'get', to }, xjs('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS })));
    expect(items.result!.getChild('query', NS_DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs.node)).toEqual(['configure', 'status', 'release']);
    const start = await xjsIq(ownerXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node: 'configure', action: 'execute' })));
    const cmd = start.result!.getChild('command', NS_COMMANDS)!;
    expect(cmd.attrs.status).toBe('executing');
    const form = cmd.getChild('x', NS_DATA_FORMS)!;
    const version = form.getChildren('field').find((f) => f.attrs.var === VERSION_FIELD)!.getChildText('value');
    expect(version).toBe('3');
    // the owner's client sends the form back with one value changed, as a form-filling client does
    const fields = form.getChildren('field').map((f) => xjs('field', { var: f.attrs.var }, xjs('value', {}, f.attrs.var === 'report.period' ? '2' : f.getChildText('value') ?? '')));
    const before = spime.sampled.length;
    const done = await xjsIq(ownerXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node: 'configure', sessionid: cmd.attrs.sessionid, action: 'complete' },
      xjs('x', { xmlns: NS_DATA_FORMS, type: 'submit' }, ...fields))));
    expect(done.error).toBeUndefined();
    expect(done.result!.getChild('command', NS_COMMANDS)!.attrs.status).toBe('completed');
    expect([spime.config.version, spime.config.values['report.period'], spime.app.status().samplePeriodMs]).toEqual([3, 2, 2000]);
    await until(() => spime.sampled.length >= before + 2, 'readings on the 2 s period');
    const status = await xjsIq(ownerXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node: 'status', action: 'execute' })));
    const sx = status.result!.getChild('command', NS_COMMANDS)!.getChild('x', NS_DATA_FORMS)!;
    expect(sx.getChildren('field').find((f) => f.attrs.var === VERSION_FIELD)!.getChildText('value')).toBe('3');
  }, 60_000);

  test('XEP-0050 from a stranger\'s xmpp.js client: forbidden for the list and every command; store unchanged', async () => {
    const to = spime.client.jid;
    const before = recordBytes();
    expect(await xjsIq(malloryXjs, xjs('iq', { type: 'get', to }, xjs('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS })))).toEqual({ error: 'forbidden' });
    for (const node of ['configure', 'status', 'release', 'unknown']) {
      expect(await xjsIq(malloryXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node, action: 'execute' },
        xjs('x', { xmlns: NS_DATA_FORMS, type: 'submit' }, xjs('field', { var: 'report.period' }, xjs('value', {}, '3600')), xjs('field', { var: 'confirm' }, xjs('value', {}, '1'))))))).toEqual({ error: 'forbidden' });
    }
    expect(recordBytes()).toEqual(before);
    expect(spime.ownership.ownerOf()).toBe(`owner@${server.host}`);
  }, 60_000);

  test('the owner command line: config get and config set key=value… (signed, applied live, the version printed); a bad value is named', async () => {
    writeFileSync(join(dir, 'ca.pem'), server.caPem);
    writeFileSync(join(dir, 'owner.pem'), exportPrivateKeyPem(ownerKey));
    const cli = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await runOwnerCommand(argv, {
        config: { jid: `owner@${server.host}`, password: 'owner-pw', ca: join(dir, 'ca.pem'), host: '127.0.0.1', port: server.c2sPort, key: join(dir, 'owner.pem'), cert: server.componentDomain },
        log: (l) => lines.push(l), error: (l) => lines.push(l),
      });
      return { code, out: lines.join('\n') };
    };
    const v = spime.config.version;
    const set = await cli('config', 'set', spime.client.jid, 'report.period=3', 'co2.asc=false');
    expect(set.code).toBe(0);
    expect(set.out).toContain(`configuration version ${v + 1} (applied)`);
    expect([spime.config.version, spime.config.values['report.period'], spime.app.status().samplePeriodMs]).toEqual([v + 1, 3, 3000]);
    const get = await cli('config', 'get', spime.client.jid);
    expect(get.out).toContain('  report.period=3');
    expect(get.out).toContain('  co2.asc=false');
    const before = recordBytes();
    const bad = await cli('config', 'set', spime.client.jid, 'report.wait=-5');
    expect([bad.code, bad.out]).toEqual([1, expect.stringContaining('invalid value for report.wait')]);
    expect(recordBytes()).toEqual(before);
    // back to the 2 s period the next tests expect
    expect((await cli('config', 'set', spime.client.jid, 'report.period=2')).code).toBe(0);
  }, 60_000);

  test('scopenode: reports go to another ScopeNode from the next report on; empty again: back to the provisioned one', async () => {
    const v = spime.config.version;
    const r = await send(signedConfig(buildConfigSet(v + 1, [['scopenode', scope2.jid], ['scopenode.cert', server.componentDomain]])));
    expect(r.version).toBe(v + 1);
    const n = accepted2.length;
    await until(() => accepted2.length >= n + 2, 'reports reaching the second ScopeNode');
    expect((await send(signedConfig(buildConfigSet(v + 2, [['scopenode', ''], ['scopenode.cert', '']])))).version).toBe(v + 2);
    const m = accepted.length;
    await until(() => accepted.length >= m + 2, 'reports back at the first ScopeNode');
    // one without the other is refused whole
    expect(await send(signedConfig(buildConfigSet(v + 3, [['scopenode', scope2.jid]])))).toEqual({ condition: 'bad-request', config: 'invalid-field' });
  }, 60_000);

  test('the configuration survives a restart: version and values come back from flash and are applied at start', async () => {
    await spime.stop();
    spime = await startSpime();
    expect([spime.config.version, spime.config.values['report.period'], spime.config.values['report.batch'], spime.config.values['co2.asc']]).toEqual([7, 2, 2, false]);
    expect(spime.app.status().samplePeriodMs).toBe(2000);
    const before = spime.sampled.length;
    await until(() => spime.sampled.length >= before + 2, 'readings on the stored period after the restart');
  }, 60_000);

  test('released (XEP-0050 Release): the old claim key no longer authorizes anything; store unchanged', async () => {
    const to = spime.client.jid;
    const start = await xjsIq(ownerXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node: 'release', action: 'execute' })));
    const sid = start.result!.getChild('command', NS_COMMANDS)!.attrs.sessionid;
    const done = await xjsIq(ownerXjs, xjs('iq', { type: 'set', to }, xjs('command', { xmlns: NS_COMMANDS, node: 'release', sessionid: sid, action: 'complete' },
      xjs('x', { xmlns: NS_DATA_FORMS, type: 'submit' }, xjs('field', { var: 'confirm' }, xjs('value', {}, '1'))))));
    expect(done.result!.getChild('command', NS_COMMANDS)!.attrs.status).toBe('completed');
    expect(spime.ownership.ownerOf()).toBeUndefined();
    const before = recordBytes();
    expect((await send(signedConfig(buildConfigSet(99, [['report.period', '3600']])))).condition).toBe('not-authorized-for-spime');
    expect(await xjsIq(ownerXjs, xjs('iq', { type: 'get', to }, xjs('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS })))).toEqual({ error: 'forbidden' });
    expect(recordBytes()).toEqual(before);
  }, 60_000);
});
