// `npx spimekit provision --jid NAME@DOMAIN --scopenode JID [options]`: a new spime's identity,
// account, published key, provisioning record and label (README "Provisioning a spime").
import { existsSync, readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { labelUri, provisionSpime, writeProvisioningRecord, type Registration } from '../provision.js';

const usage = `usage: spimekit provision --jid NAME@DOMAIN --scopenode JID [options]
  (--scopenode: the full JID the ScopeNode is online as, e.g. scopenode@example.org/scope)
  --server HOST[:PORT]    where to connect (default: the JID's domain, port 5222)
  --ca FILE               PEM trust anchor for the server certificate (default: the system's)
  --key-service JID       the key service (default keys.DOMAIN)
  --register HOW          inband (XEP-0077, default) | prosodyctl | ejabberdctl | none
  --prosody-config FILE   with --register prosodyctl: the server's config
  --password PW           with --register none: the existing account's password
  --out FILE              the provisioning record (default NAME.json; never overwritten)
  --bits N                RSA key size (default 2048)`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) { console.log(usage); process.exit(0); }
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) { console.error(`--${name} needs a value\n${usage}`); process.exit(2); }
  return v;
};
const fail = (msg: string): never => { console.error(`spimekit provision: ${msg}`); process.exit(2); };

const jid = opt('jid') ?? fail(`--jid is required\n${usage}`);
const scopeNode = opt('scopenode') ?? fail(`--scopenode is required\n${usage}`);
// Reports are iqs: one to a bare JID is answered by the server on the account's behalf (RFC 6121
// §8.5.2), never delivered, so the ScopeNode is addressed as the full JID it is online as.
if (!scopeNode.includes('/')) console.error(`spimekit provision: warning: --scopenode ${scopeNode} is a bare JID; reports (iqs) need the ScopeNode's full JID, e.g. ${scopeNode}/scope`);
const domain = jid.slice(jid.indexOf('@') + 1);
const [host, portText] = (opt('server') ?? domain).split(':') as [string, string | undefined];
const port = portText === undefined ? 5222 : Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`bad port '${portText}'`);
const caPath = opt('ca');
if (caPath && !existsSync(caPath)) fail(`no CA file ${caPath}`);
const how = opt('register') ?? 'inband';
let register: Registration;
if (how === 'inband' || how === 'ejabberdctl') register = { kind: how };
else if (how === 'prosodyctl') register = { kind: 'prosodyctl', config: opt('prosody-config') };
else if (how === 'none') register = { kind: 'none', password: opt('password') ?? fail('--register none needs --password') };
else register = fail(`--register: inband, prosodyctl, ejabberdctl or none, not '${how}'`);
const out = opt('out') ?? `${jid.slice(0, jid.indexOf('@'))}.json`;
if (existsSync(out)) fail(`${out} exists: a provisioning record is never overwritten`);
const bits = Number(opt('bits') ?? 2048);

try {
  const record = await provisionSpime({
    jid, host, port, ca: caPath ? readFileSync(caPath, 'utf8') : '', scopeNode, keyService: opt('key-service') ?? `keys.${domain}`, register, bits,
  });
  writeProvisioningRecord(out, record);
  const uri = labelUri(record);
  console.log(`provisioned ${record.jid}: account registered (${how}), key published to ${record.keyService} and found there; record written to ${out} (mode 0600: it holds the device's key and password)`);
  console.log('\nLabel:');
  console.log(`  JID           ${record.jid}`);
  console.log(`  claim secret  ${record.claimSecret}`);
  console.log(`  QR            ${uri}`);
  console.log(await QRCode.toString(uri, { type: 'terminal', small: true }));
} catch (e) {
  const err = e as Error & { condition?: string };
  console.error(`spimekit provision: ${jid}: ${err.condition && !err.message.startsWith(err.condition) ? `${err.condition}: ` : ''}${err.message}`);
  process.exit(1);
}
