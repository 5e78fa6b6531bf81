// `npx spimekit scopenode --jid JID --password-file F --key KEY.pem --cert-service keys.HOST [options]`:
// the ScopeNode service (hosts/node/scopenode/): logs in with its own account and key, verifies,
// decrypts and checks reports against its scope, stores them (SQLite in the data dir, or the
// PostgreSQL of --store postgres://…), answers SpimeSeek from the store, and serves the dashboard
// on loopback. Runs until Ctrl-C / SIGTERM (then commits what is queued and logs out).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createNodeCrypto, exportPrivateKeyPem, generateNodeRsaKeyAsync, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import { startDashboard, type Dashboard } from '../../hosts/node/scopenode/dashboard.js';
import { scopeByName, SCOPES } from '../../hosts/node/scopenode/scope.js';
import { DEFAULT_SEEK_NODE, startScopeNodeService } from '../../hosts/node/scopenode/service.js';
import { openScopeStore } from '../../hosts/node/scopenode/store.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { rsaPublicKeyToBase64 } from '../../src/crypto/rsa-key.js';
import { entryFields } from '../../src/sensors/reading.js';

const USAGE = `usage: spimekit scopenode --jid JID (--password PW | --password-file FILE) --key KEY.pem --cert-service DOMAIN [options]
  --jid JID               the ScopeNode's account (its own; reports are sent to JID/RESOURCE)
  --resource R            default scope
  --password PW | --password-file FILE
  --key FILE              its RSA private key (PEM); with --new-key created (0600) if missing
  --cert-service DOMAIN   the certification service that publishes its key; repeat to trust more
                          (the first is its own); keys.<domain of JID> by default
  --server HOST --port N  where to connect (default: the JID's domain, 5222)
  --ca FILE               PEM trust anchors for the server's certificate (default: system CAs)
  --data-dir DIR          default ./.spimekit/scopenode
  --store TARGET          a SQLite file (default DATA-DIR/scopenode.sqlite) or postgres://user@host/db
  --scope NAME            ${Object.keys(SCOPES).join(' | ')} (default co2: every entry needs <ppm/>)
  --seek-service DOMAIN   the PubSub service for SpimeSeek (default pubsub.<domain of JID>); --no-seek: none
  --seek-node NAME        default ${DEFAULT_SEEK_NODE}
  --dashboard-port N      default 8080 (0: any free port); --dashboard-host H (default 127.0.0.1); --no-dashboard
  --online-window S       a spime is online this long after its last report (default 120)
  --quiet                 no line per report`;

const args = process.argv.slice(2);
const flags = new Set(['--no-seek', '--no-dashboard', '--new-key', '--quiet', '--help', '-h']);
const values = new Map<string, string[]>();
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (flags.has(a)) { values.set(a, ['']); continue; }
  if (!a.startsWith('--') || i + 1 >= args.length) fail(`unexpected '${a}'`);
  values.set(a, [...(values.get(a) ?? []), args[++i]!]);
}
function fail(message: string): never {
  console.error(`spimekit scopenode: ${message}\n${USAGE}`);
  process.exit(2);
}
const opt = (name: string) => values.get(`--${name}`)?.at(-1);
const has = (name: string) => values.has(`--${name}`);
const num = (name: string, fallback: number) => {
  const v = opt(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) fail(`--${name} needs a non-negative integer`);
  return n;
};
if (has('help') || has('h') || !args.length) { console.log(USAGE); process.exit(0); }

// every number checked before anything is created or connected
const xmppPort = num('port', 5222), dashboardPort = num('dashboard-port', 8080), onlineWindowS = num('online-window', 120);
const jid = opt('jid') ?? fail('--jid is required');
if (!/^[^@/\s]+@[^@/\s]+$/.test(jid)) fail(`--jid '${jid}' is not a bare JID`);
const domain = jid.slice(jid.indexOf('@') + 1);
const password = opt('password') ?? (opt('password-file') ? readFileSync(opt('password-file')!, 'utf8').trim() : fail('--password or --password-file is required'));
const keyPath = resolve(opt('key') ?? fail('--key is required'));
const dataDir = resolve(opt('data-dir') ?? join('.spimekit', 'scopenode'));
const target = opt('store') ?? join(dataDir, 'scopenode.sqlite');
const certServices = values.get('--cert-service') ?? [`keys.${domain}`];
let scope;
try { scope = scopeByName(opt('scope') ?? 'co2'); } catch (e) { fail((e as Error).message); }

if (!existsSync(keyPath)) {
  if (!has('new-key')) fail(`no key at ${keyPath} (--new-key creates one)`);
  mkdirSync(dirname(keyPath), { recursive: true });
  writeFileSync(keyPath, exportPrivateKeyPem(await generateNodeRsaKeyAsync()), { mode: 0o600 });
  chmodSync(keyPath, 0o600);
}
const key = nodeRsaPrivateKey(readFileSync(keyPath, 'utf8'));
const pub = rsaPublicKeyToBase64(key.publicKey);

mkdirSync(dataDir, { recursive: true });
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => console.log(`[${stamp()}] ${line}`);
const store = await openScopeStore(target);
log(`store: ${store.kind} ${store.location} (schema ${await store.schemaVersion()}, ${await store.entryCount()} entries)`);
const client = createClient({
  jid, password, resource: opt('resource') ?? 'scope', host: opt('server') ?? domain, port: xmppPort,
  ca: opt('ca') ? readFileSync(opt('ca')!, 'utf8') : undefined,
});
client.on('error', (e) => log(`xmpp: ${e.message}`));
const seekService = has('no-seek') ? undefined : opt('seek-service') ?? `pubsub.${domain}`;
const service = startScopeNodeService({
  client, crypto: createNodeCrypto(), key, cert: certServices[0]!, certServices, store, scope,
  seek: seekService ? { service: seekService, node: opt('seek-node') } : undefined,
  onlineWindowMs: onlineWindowS * 1000,
  keyDirectory: { maxEntries: 4096, globalQuota: 4096, maxNegative: 1024 },
});
const quiet = has('quiet');
service.on((e) => {
  if (e.type === 'report' && !quiet) {
    for (const entry of e.entries) log(`stored ${e.osid}  ${entryFields(entry).map(([n, t, u]) => `${n}=${t}${u ? ` ${u}` : ''}`).join('  ')}`);
  } else if (e.type === 'rejected') log(`REJECTED report from ${e.from}: ${e.condition}`);
  else if (e.type === 'seek-answered') log(`SpimeSeek: answered ${e.requester} about ${e.spimeid} with ${e.entries} entries${e.encrypted ? ', encrypted' : ''}`);
  else if (e.type === 'seek-ignored') log(`SpimeSeek: ignored a request (${e.condition}: ${e.message})`);
  else if (e.type === 'owner') log(`${e.spime} is claimed by ${e.owner}`);
});

let dashboard: Dashboard | undefined;
let stopping = false;
const stop = async (why: string, code = 0) => {
  if (stopping) return;
  stopping = true;
  log(`${why}: stopping`);
  await dashboard?.close();
  await service.stop();
  await client.stop().catch(() => {});
  await store.close();
  log(`stopped; ${service.counts.reports} reports, ${service.counts.entries} new entries this run`);
  process.exit(code);
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { void stop(sig); });

try {
  log(`online as ${await client.start()} (its key: modulus ${pub.modulus.slice(0, 16)}…, published by ${certServices[0]})`);
  if (seekService) {
    await service.subscribeSeek().then(() => log(`SpimeSeek: subscribed to ${seekService} node ${opt('seek-node') ?? DEFAULT_SEEK_NODE}`),
      (e) => log(`SpimeSeek: could not subscribe to ${seekService}: ${(e as Error).message}`));
  }
  if (!has('no-dashboard')) {
    dashboard = await startDashboard({ service, host: opt('dashboard-host'), port: dashboardPort });
    log(`dashboard: ${dashboard.url}`);
  }
  log(`scope ${scope.name}${scope.requires.length ? ` (entries need ${scope.requires.join(', ')})` : ''}; Ctrl-C to stop`);
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  await stop('error', 1);
}
