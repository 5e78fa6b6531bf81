// The provisioning record: what makes one device this spime (its account, its RSA key, the CA its
// server's certificate must chain to, its ScopeNode). Written to the device — a JSON file on the
// Linux target, NVS preferences (domain `spimekit`, one key per field) on the ESP32 — and never
// compiled into the firmware image. Checked here so that a bad record is one typed error at boot.
import { SpimeError } from 'spimekit/errors';

export class ProvisioningError extends SpimeError {
  constructor(message: string) { super('bad-provisioning', message); }
}

export interface Provisioning {
  jid: string;
  password: string;
  /** Where to connect (default: the JID's domain) and the name the certificate must carry (default: the domain). */
  host?: string;
  port?: number;
  directTls?: boolean;
  servername?: string;
  /** PEM of the trust anchor for the server certificate. */
  ca: string;
  /** The spime's RSA private key, PEM (PKCS#1 or PKCS#8): imported by the crypto host, then kept there. */
  key: string;
  /** The certificate service holding the spime's public key (XEP-0189), and the ScopeNode's. */
  cert: string;
  scopeNode: string;
  scopeNodeCert: string;
  /** The label's claim secret (stored in the record store at first boot), and the certification
   *  services trusted for owners' keys besides `cert`. */
  claimSecret?: string;
  ownerCerts?: string[];
  /** ESP32: the Wi-Fi network and the SNTP server (default pool.ntp.org). */
  wifiSsid?: string;
  wifiPassword?: string;
  ntp?: string;
  /** Reporting cadence (defaults: the application's). */
  samplePeriodMs?: number;
  maxEntries?: number;
  maxWaitMs?: number;
}

// Field names are NVS keys on the ESP32: 15 bytes at most.
const STRINGS = ['jid', 'password', 'ca', 'key', 'scopeNode'] as const;
const OPTIONAL_STRINGS = ['host', 'servername', 'claimSecret', 'wifiSsid', 'wifiPassword', 'ntp'] as const;
const OPTIONAL_NUMBERS = ['port', 'samplePeriodMs', 'maxEntries', 'maxWaitMs'] as const;

/** The record from its fields (`get(name)`: the stored value, undefined if absent). */
export function readProvisioning(get: (name: string) => unknown): Provisioning {
  const out: Record<string, unknown> = {};
  for (const name of STRINGS) {
    const v = get(name);
    if (typeof v !== 'string' || !v) throw new ProvisioningError(`${name} missing`);
    out[name] = v;
  }
  for (const name of OPTIONAL_STRINGS) {
    const v = get(name);
    if (v === undefined) continue;
    if (typeof v !== 'string' || !v) throw new ProvisioningError(`${name} must be a non-empty string`);
    out[name] = v;
  }
  for (const name of OPTIONAL_NUMBERS) {
    const v = get(name);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ProvisioningError(`${name} must be a positive integer`);
    out[name] = v;
  }
  // `spimekit provision`'s record (tools/provision.ts, format spimekit-provisioning-1) names the
  // key service `keyService`; the ScopeNode's key defaults to the same service
  const format = get('format');
  if (format !== undefined && format !== 'spimekit-provisioning-1') throw new ProvisioningError(`unknown format ${String(format)}`);
  const cert = get('cert') ?? get('keyService');
  if (typeof cert !== 'string' || !cert) throw new ProvisioningError('cert (or keyService) missing');
  out.cert = cert;
  const scopeNodeCert = get('scopeNodeCert') ?? cert;
  if (typeof scopeNodeCert !== 'string' || !scopeNodeCert) throw new ProvisioningError('scopeNodeCert must be a non-empty string');
  out.scopeNodeCert = scopeNodeCert;
  const services = get('ownerCerts');
  if (services !== undefined) {
    // JSON: an array; NVS: one comma-separated string
    const list = typeof services === 'string' ? services.split(',') : services;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x)) throw new ProvisioningError('ownerCerts must be JIDs');
    out.ownerCerts = list;
  }
  const directTls = get('directTls');
  if (directTls !== undefined) {
    if (typeof directTls !== 'boolean') throw new ProvisioningError('directTls must be a boolean');
    out.directTls = directTls;
  }
  const p = out as unknown as Provisioning;
  if (!/^[^@/\s]+@[^@/\s]+$/.test(p.jid)) throw new ProvisioningError('jid must be a bare JID (local@domain)');
  if (p.port !== undefined && p.port > 65535) throw new ProvisioningError('port out of range');
  // the device has no CA bundle of its own: the record must carry the trust anchor
  if (!p.ca.includes('-----BEGIN CERTIFICATE-----')) throw new ProvisioningError('ca must be a PEM certificate (the device has no built-in CA bundle)');
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(p.key)) throw new ProvisioningError('key must be a PEM RSA private key');
  return p;
}

/** The record from JSON text (the Linux target's provisioning file). */
export function parseProvisioning(text: string): Provisioning {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ProvisioningError(`not JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ProvisioningError('not a JSON object');
  const record = value as Record<string, unknown>;
  return readProvisioning((name) => record[name]);
}
