// Provisioning a spime (README "Provisioning a spime"): its identity made on the provisioning
// station — an RSA key, an account password and the label's claim secret — its account created
// on the server, its public key published to the key service (XEP-0189) and checked by a lookup,
// and the provisioning record the device reads at first boot. `spimekit provision` is the CLI.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { exportPrivateKeyPem, generateNodeRsaKeyAsync } from '../hosts/node/crypto.js';
import { nodeClock } from '../hosts/node/clock.js';
import { NodeTransport } from '../hosts/node/transport.js';
import { createClient } from '../hosts/node/xmpp.js';
import { rsaPublicKeyToBase64 } from '../src/crypto/rsa-key.js';
import { parsePubkeys, pubkeysPublishRequest, pubkeysRequest } from '../src/openspime/pubkeys.js';
import { NS_PUBKEY } from '../src/openspime/namespaces.js';
import { StanzaError } from '../src/xmpp/errors.js';
import { registerInBand } from '../src/xmpp/register.js';
import { TransportXmlStream } from '../src/xmpp/xml-stream.js';

const run = promisify(execFile);

/** The device's provisioning record, version 1: one JSON object, written 0600 (it holds the
 *  account password and the private key: the device's secrets, to be deleted from the station
 *  once flashed). */
export interface ProvisioningRecord {
  format: 'spimekit-provisioning-1';
  /** The spime's bare JID (its account, and its OpenSpime identity). */
  jid: string;
  password: string;
  /** Where the device connects (STARTTLS on `port`); the certificate must name the JID's domain. */
  host: string;
  port: number;
  /** PEM trust anchor(s) for the server's certificate; empty: the device's built-in CA bundle. */
  ca: string;
  /** The spime's RSA private key, PKCS #8 PEM. */
  key: string;
  /** The label's claim secret (what an owner types or scans to claim the spime). */
  claimSecret: string;
  /** The ScopeNode the spime reports to. */
  scopeNode: string;
  /** The certification (key) service that vouches for its key (v0.9 `cert`). */
  keyService: string;
}

export type Registration = { kind: 'inband' } | { kind: 'prosodyctl'; config?: string } | { kind: 'ejabberdctl' } | { kind: 'none'; password: string };

export interface ProvisionOptions {
  jid: string;
  host: string;
  port: number;
  ca: string;
  scopeNode: string;
  keyService: string;
  register: Registration;
  /** RSA modulus size; default 2048 (OpenSpime's minimum is checked by the key parser). */
  bits?: number;
  timeoutMs?: number;
}

// Crockford's base32: no I, L, O, U (nothing to misread on a label); read back case-insensitively.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 20 symbols of 5 random bits (100 bits; 256 is a multiple of 32, so `byte & 31` is uniform), in
 *  groups of 5: ABCDE-FGHJK-MNPQR-STVWX. */
export function newClaimSecret(): string {
  const bytes = randomBytes(20);
  let s = '';
  for (let i = 0; i < 20; i++) s += (i && i % 5 === 0 ? '-' : '') + CROCKFORD[bytes[i]! & 31];
  return s;
}

/** A password for the account: 144 random bits, base64url (no characters SASLprep would touch). */
export const newPassword = (): string => randomBytes(18).toString('base64url');

/** What the label carries, as text and in its QR code. */
export const labelUri = (r: Pick<ProvisioningRecord, 'jid' | 'claimSecret'>): string => `xmpp:${r.jid}?claim;secret=${r.claimSecret}`;

export async function provisionSpime(o: ProvisionOptions): Promise<ProvisioningRecord> {
  const at = o.jid.indexOf('@');
  if (at < 1 || o.jid.includes('/') || at === o.jid.length - 1) throw new Error(`--jid needs a bare JID (name@domain), got '${o.jid}'`);
  const local = o.jid.slice(0, at), domain = o.jid.slice(at + 1);
  const timeoutMs = o.timeoutMs ?? 15000;
  // the key pair on libuv's pool while the account is made
  const keyMade = generateNodeRsaKeyAsync(o.bits ?? 2048);
  const password = o.register.kind === 'none' ? o.register.password : newPassword();
  try {
    if (o.register.kind === 'inband') {
      await registerInBand({
        createStream: () => new TransportXmlStream(new NodeTransport({ ca: o.ca || undefined })), clock: nodeClock,
        domain, host: o.host, port: o.port, username: local, password, timeoutMs,
      });
    } else if (o.register.kind === 'prosodyctl') {
      await run('prosodyctl', [...(o.register.config ? ['--config', o.register.config] : []), 'register', local, domain, password], { timeout: timeoutMs });
    } else if (o.register.kind === 'ejabberdctl') {
      await run('ejabberdctl', ['register', local, domain, password], { timeout: timeoutMs });
    }
  } catch (e) {
    await keyMade.catch(() => undefined);
    throw e;
  }
  const key = await keyMade;

  // publish the key from the spime's own session (the key service takes the server-stamped from
  // as proof), then look it up as a ScopeNode would
  const client = createClient({ jid: o.jid, password, resource: 'provision', ca: o.ca || undefined, host: o.host, port: o.port, reconnect: false, presence: false, iqTimeoutMs: timeoutMs });
  client.on('error', () => {}); // start() rejects with it
  try {
    await client.start();
    const published = await client.request(pubkeysPublishRequest(o.keyService, o.jid, [key.publicKey]));
    if (published.attr('type') !== 'result') throw StanzaError.fromElement(published);
    const answer = await client.request(pubkeysRequest(o.keyService, o.jid));
    if (answer.attr('type') !== 'result') throw StanzaError.fromElement(answer);
    const { keys } = parsePubkeys(answer.getChild('pubkeys', NS_PUBKEY)!, o.jid);
    const mine = rsaPublicKeyToBase64(key.publicKey).modulus;
    if (!keys.some((k) => rsaPublicKeyToBase64(k).modulus === mine)) throw new Error(`${o.keyService} does not return the key just published for ${o.jid}`);
  } finally {
    await client.stop();
  }
  return {
    format: 'spimekit-provisioning-1', jid: o.jid, password, host: o.host, port: o.port, ca: o.ca,
    key: exportPrivateKeyPem(key), claimSecret: newClaimSecret(), scopeNode: o.scopeNode, keyService: o.keyService,
  };
}

export function writeProvisioningRecord(path: string, r: ProvisioningRecord): void {
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600, flag: 'wx' }); // never over another spime's
}
