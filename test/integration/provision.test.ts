// `spimekit provision` against a real Prosody with XEP-0077 in-band registration open: the
// account is created, the key is published to the key service (keys.<host>) and another account
// retrieves it there, the record holds what the device needs (and its key and password work), the
// label is printed as text and as a terminal QR code. The admin-command path (prosodyctl), a name
// taken and a server without registration fail with a message, never a record.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNodeCrypto, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { rsaPublicKeyToBase64 } from '../../src/crypto/rsa-key.js';
import { NS_PUBKEY } from '../../src/openspime/namespaces.js';
import { parsePubkeys, pubkeysPublishRequest, pubkeysRequest } from '../../src/openspime/pubkeys.js';
import { utf8Encode } from '../../src/xmpp/bytes.js';
import { startProsody, type ProsodyServer } from '../../tools/servers/prosody.js';

const exec = promisify(execFile);
let server: ProsodyServer;
let closed: ProsodyServer;
let keyService: KeyService;
let dir: string;

beforeAll(async () => {
  [server, closed] = await Promise.all([startProsody({ inBandRegistration: true }), startProsody()]);
  await server.register('scopenode', 'scopenode-pw');
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  dir = mkdtempSync(join(tmpdir(), 'spimekit-provision-'));
}, 60_000);

afterAll(async () => {
  await keyService?.close();
  await Promise.all([server?.stop(), closed?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npx spimekit provision …` (bin/spimekit.js) the way a user does; never rejects. */
async function provision(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/spimekit.js', 'provision', ...args], { timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
const on = (s: ProsodyServer) => ['--server', `127.0.0.1:${s.c2sPort}`, '--ca', s.caPath, '--scopenode', `scopenode@${s.host}/scope`];

/** The keys.<host> answer for `jid`, asked by another account (as a ScopeNode does). */
async function lookUp(jid: string) {
  const c = createClient({ jid: `scopenode@${server.host}`, password: 'scopenode-pw', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort, reconnect: false });
  try {
    await c.start();
    const answer = await c.request(pubkeysRequest(server.componentDomain, jid)).catch((e: { condition?: string }) => {
      if (e.condition === 'item-not-found') return undefined;
      throw e;
    });
    return answer ? parsePubkeys(answer.getChild('pubkeys', NS_PUBKEY)!, jid).keys : [];
  } finally { await c.stop(); }
}

describe('spimekit provision', () => {
  test('in-band registration: account, key published and retrievable, record, label with QR', async () => {
    const jid = `spime-7@${server.host}`;
    const out = join(dir, 'spime-7.json');
    const r = await provision(['--jid', jid, ...on(server), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const record = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(record).sort()).toEqual(['ca', 'claimSecret', 'format', 'host', 'jid', 'key', 'keyService', 'password', 'port', 'scopeNode']);
    expect(record).toMatchObject({ format: 'spimekit-provisioning-1', jid, host: '127.0.0.1', port: server.c2sPort, ca: server.caPem, scopeNode: `scopenode@${server.host}/scope`, keyService: server.componentDomain });
    expect(record.claimSecret).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    expect(record.password.length).toBeGreaterThanOrEqual(20);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    // the label: JID and claim secret as text, and a QR code of them drawn in block characters
    expect(r.stdout).toContain(`JID           ${jid}`);
    expect(r.stdout).toContain(`claim secret  ${record.claimSecret}`);
    expect(r.stdout).toContain(`xmpp:${jid}?claim;secret=${record.claimSecret}`);
    // (qrcode's terminal renderer: black on white, half blocks, two modules a character row)
    const qrRows = r.stdout.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')).filter((l) => /^[ ▀▄█]{20,}$/.test(l));
    expect(qrRows.length).toBeGreaterThanOrEqual(10);

    // the key service vouches for the record's key: another account finds it there
    const key = nodeRsaPrivateKey(record.key);
    const found = await lookUp(jid);
    expect(found.map((k) => rsaPublicKeyToBase64(k).modulus)).toEqual([rsaPublicKeyToBase64(key.publicKey).modulus]);
    // and it is a working key pair: a signature by the record's key verifies with the published one
    const crypto = createNodeCrypto();
    const sig = crypto.rsaSign(key, 'sha256', utf8Encode('label'));
    expect(crypto.rsaVerify(found[0]!, 'sha256', utf8Encode('label'), sig)).toBe(true);

    // the account exists with the record's password
    const device = createClient({ jid, password: record.password, ca: record.ca, host: record.host, port: record.port, reconnect: false });
    await expect(device.start()).resolves.toMatch(new RegExp(`^${jid}/`));
    // and may not publish keys for another account
    await expect(device.request(pubkeysPublishRequest(server.componentDomain, `scopenode@${server.host}`, [key.publicKey]))).rejects.toMatchObject({ condition: 'forbidden' });
    await device.stop();
    expect(await lookUp(`scopenode@${server.host}`)).toEqual([]);
  }, 120_000);

  test('the same name again: refused (conflict), no record written, the first key stays', async () => {
    const before = await lookUp(`spime-7@${server.host}`);
    const out = join(dir, 'spime-7-again.json');
    const r = await provision(['--jid', `spime-7@${server.host}`, ...on(server), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict/);
    expect(existsSync(out)).toBe(false);
    expect(await lookUp(`spime-7@${server.host}`)).toEqual(before);
  }, 120_000);

  test('the admin command (prosodyctl) where registration is closed; in-band there fails clearly', async () => {
    const refused = await provision(['--jid', `spime-8@${closed.host}`, ...on(closed), '--out', join(dir, 'no.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/registration-unavailable/);
    expect(existsSync(join(dir, 'no.json'))).toBe(false);

    // the closed server's key service is not running: publishing there must fail, not hang
    const out = join(dir, 'spime-8.json');
    const noKeys = await provision(['--jid', `spime-8@${closed.host}`, ...on(closed), '--register', 'prosodyctl', '--prosody-config', closed.configPath, '--out', out]);
    expect(noKeys.code).toBe(1);
    expect(existsSync(out)).toBe(false);

    // on the open server, through prosodyctl
    const out9 = join(dir, 'spime-9.json');
    const ok = await provision(['--jid', `spime-9@${server.host}`, ...on(server), '--register', 'prosodyctl', '--prosody-config', server.configPath, '--out', out9]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const record = JSON.parse(readFileSync(out9, 'utf8'));
    expect((await lookUp(record.jid)).length).toBe(1);
  }, 180_000);
});
