// The owner's command line (`npx spimekit owner …`, tools/cli/owner.ts): claim a spime with the
// secret on its label, see its presence, release it or hand it over — against any XMPP server,
// TLS verified. Options on the command line or in a JSON file (--config FILE, keys as the long
// option names: {"jid": …, "password": …, "ca": "ca.pem", "key": "owner.pem", "cert": …}).
// Subcommands are rows of SUBCOMMANDS: a new one (configuration) is one more row.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createNodeCrypto, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { base64Encode } from '../../src/bytes/base64.js';
import type { RsaPrivateKey } from '../../src/crypto/crypto.js';
import { bareJid, canonicalJid, sameJid } from '../../src/openspime/jid.js';
import { Owner } from '../../src/roles/owner.js';
import { ConfigRefused, OwnerConfigurator } from '../../src/roles/owner-config.js';
import { NS_ROSTER } from '../../src/spime/owner-presence.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import type { Client } from '../../src/xmpp/client.js';

export interface OwnerConfig {
  jid: string;
  password: string;
  /** PEM file of the server's CA (default: Node's bundle). */
  ca?: string;
  /** Where to connect (default: the JID's domain), port (default 5222). */
  host?: string;
  port?: number;
  /** The owner's RSA private key (PKCS#8 PEM file) and the certification service publishing it. */
  key: string;
  cert: string;
  /** Certification services trusted for spimes' keys (default: cert). Comma-separated on the command line. */
  trust?: string[];
  resource?: string;
}

/** One connected owner: the XMPP client, the owner role, and how to print. */
export interface OwnerSession {
  client: Client;
  owner: Owner;
  /** Signed <config/> get/set (PROTOCOL.md §13.3). */
  configurator: OwnerConfigurator;
  config: OwnerConfig;
  log: (line: string) => void;
}

export interface Subcommand {
  usage: string;
  summary: string;
  /** Positional arguments required. */
  args: number;
  /** Options it takes (besides the connection ones). */
  options?: string[];
  /** Initial presence needed (to receive the spimes' presence). */
  presence?: boolean;
  run: (s: OwnerSession, args: string[], options: Record<string, string>) => Promise<void>;
}

const CONNECTION_OPTIONS = ['config', 'jid', 'password', 'ca', 'host', 'port', 'key', 'cert', 'trust', 'resource'];

/** Mutual subscription with the spime (RFC 6121): pre-approve its request, ask for its presence. */
function subscribe(c: Client, spime: string): void {
  c.send(xml('presence', { to: bareJid(spime), type: 'subscribed' }));
  c.send(xml('presence', { to: bareJid(spime), type: 'subscribe' }));
}

async function removeFromRoster(c: Client, spime: string): Promise<void> {
  await c.request(xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, xml('item', { jid: bareJid(spime), subscription: 'remove' })))).catch(() => undefined);
}

function fullJid(spime: string): string {
  if (canonicalJid(spime) === undefined || spime.indexOf('/') < 0) throw new UsageError(`${spime}: give the spime's full JID (user@domain/resource, as on its label or printed by npm start)`);
  return spime;
}

/** Presence stanzas of the roster's contacts for `ms` after initial presence. */
function collectPresence(c: Client, ms: number): Promise<Map<string, XmlElement>> {
  const seen = new Map<string, XmlElement>();
  const off = c.on('stanza', (el) => {
    if (el.name !== 'presence') return;
    const type = el.attr('type');
    if (type && type !== 'unavailable') return;
    const from = el.attr('from');
    if (from && !sameJid(bareJid(from), bareJid(c.jid))) seen.set(from, el);
  });
  return new Promise((r) => setTimeout(() => { off(); r(seen); }, ms));
}

export function describePresence(from: string, p: XmlElement): string {
  if (p.attr('type') === 'unavailable') return `${from}: offline`;
  const show = p.getChildText('show');
  return `${from}: ${show ? `${show} — ` : 'online — '}${p.getChildText('status') ?? ''}`;
}

export const SUBCOMMANDS: Record<string, Subcommand> = {
  claim: {
    usage: 'claim SPIME --secret S', summary: 'claim SPIME (full JID) with the secret on its label; become mutually subscribed', args: 1, options: ['secret'],
    run: async (s, [spime], o) => {
      const r = await s.owner.claim(fullJid(spime), o.secret);
      subscribe(s.client, spime);
      s.log(`claimed ${bareJid(spime)}: claim key for ${r.authorizes}`);
      s.log(`claimkey ${base64Encode(r.claimkey)}`);
    },
  },
  status: {
    usage: 'status [SPIME]', summary: 'the presence of your spimes (or of SPIME): online, their one-line state', args: 0, options: ['wait'], presence: true,
    run: async (s, [spime], o) => {
      const seen = await collectPresence(s.client, Number(o.wait ?? 3) * 1000);
      const roster = await s.client.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER })));
      const items = roster.getChild('query', NS_ROSTER)?.getChildren('item', NS_ROSTER) ?? [];
      const wanted = items.map((i) => i.attr('jid') ?? '').filter((j) => j && (!spime || sameJid(j, bareJid(spime))));
      if (!wanted.length) s.log(spime ? `${spime}: not on your roster (not claimed?)` : 'no spimes on your roster');
      for (const jid of wanted) {
        const item = items.find((i) => sameJid(i.attr('jid') ?? '', jid))!;
        const present = [...seen].filter(([from]) => sameJid(bareJid(from), jid));
        const sub = `subscription ${item.attr('subscription') ?? 'none'}${item.attr('ask') ? ` (${item.attr('ask')} pending)` : ''}`;
        if (!present.length) s.log(`${jid}: offline or not visible (${sub})`);
        for (const [from, p] of present) s.log(`${describePresence(from, p)} (${sub})`);
      }
    },
  },
  release: {
    usage: 'release SPIME', summary: 'give SPIME up: it becomes unowned, the subscriptions go', args: 1,
    run: async (s, [spime]) => {
      const owner = await s.owner.release(fullJid(spime));
      await removeFromRoster(s.client, spime);
      s.log(`released ${bareJid(spime)}${owner ? ` (owner now ${owner})` : ': unowned'}`);
    },
  },
  config: {
    usage: 'config get|set SPIME [key=value…]', summary: 'show SPIME\'s configuration, or change it (signed, applied live; prints the applied version)', args: 2, options: ['version'],
    run: async (s, [action, spime, ...pairs], o) => {
      const jid = fullJid(spime);
      if (action !== 'get' && action !== 'set') throw new UsageError('config get SPIME | config set SPIME key=value…');
      if (action === 'set' && !pairs.length) throw new UsageError('config set needs key=value pairs');
      const changes = pairs.map((p): [string, string] => {
        const eq = p.indexOf('=');
        if (eq <= 0) throw new UsageError(`${p}: want key=value`);
        return [p.slice(0, eq), p.slice(eq + 1)];
      });
      if (action === 'get' && changes.length) throw new UsageError('config get takes no key=value');
      try {
        const r = action === 'get' ? await s.configurator.get(jid) : await s.configurator.set(jid, changes, { version: o.version === undefined ? undefined : Number(o.version) });
        s.log(`${bareJid(spime)} configuration version ${r.version}${action === 'set' ? ' (applied)' : ''}`);
        // get: every value; set: the ones changed, as the spime now has them
        const keys = action === 'get' ? Object.keys(r.values).sort() : changes.map(([k]) => k);
        for (const k of keys) s.log(`  ${k}=${r.values[k]}`);
      } catch (e) {
        if (e instanceof ConfigRefused && e.condition === 'invalid-field') throw new Error(`refused: invalid value for ${e.field}`);
        if (e instanceof ConfigRefused && e.condition === 'version-not-newer') throw new Error(`refused: version not newer than the current ${e.current}`);
        throw e;
      }
    },
  },
  handover: {
    usage: 'handover SPIME --to JID', summary: 'hand SPIME to another owner (who then claims it again, without the secret)', args: 1, options: ['to'],
    run: async (s, [spime], o) => {
      if (!o.to) throw new UsageError('handover needs --to JID');
      const owner = await s.owner.handover(fullJid(spime), o.to);
      await removeFromRoster(s.client, spime);
      s.log(`handed ${bareJid(spime)} over: owner now ${owner}`);
    },
  },
};

export class UsageError extends Error {}

export function usage(): string {
  const rows = Object.values(SUBCOMMANDS).map((c) => `  ${c.usage.padEnd(28)} ${c.summary}`).join('\n');
  return `usage: spimekit owner <subcommand> [options]\n${rows}\n`
    + 'connection: --jid JID --password P --key owner.pem --cert CERT-SERVICE [--ca ca.pem] [--host H] [--port N] [--trust S1,S2] [--resource R]\n'
    + '            or --config owner.json with the same names as keys (paths relative to the file)';
}

/** argv → subcommand, positional args, options (`--name value`). */
export function parseArgs(argv: string[]): { name: string; args: string[]; options: Record<string, string> } {
  const [name, ...rest] = argv;
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      options[a.slice(2)] = v;
      i++;
    } else args.push(a);
  }
  return { name: name ?? '', args, options };
}

export function loadConfig(options: Record<string, string>): OwnerConfig {
  let file: Record<string, unknown> = {};
  let base = process.cwd();
  if (options.config) {
    const path = resolve(options.config);
    file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    base = dirname(path);
  }
  const pick = (k: string): string | undefined => options[k] ?? (file[k] === undefined ? undefined : String(file[k]));
  const path = (k: string): string | undefined => { const v = pick(k); return v === undefined ? undefined : options[k] ? resolve(v) : resolve(base, v); };
  const need = (k: string): string => { const v = pick(k); if (!v) throw new UsageError(`--${k} is required (or "${k}" in --config)`); return v; };
  const trust = options.trust ? options.trust.split(',') : Array.isArray(file.trust) ? (file.trust as string[]) : undefined;
  return {
    jid: need('jid'), password: need('password'), ca: path('ca'), host: pick('host'), port: pick('port') ? Number(pick('port')) : undefined,
    key: path('key') ?? need('key'), cert: need('cert'), trust, resource: pick('resource'),
  };
}

/** Connects as the owner; the caller stops the client. `key` may be given loaded (in-process use). */
export async function connectOwner(config: OwnerConfig, o: { presence?: boolean; log?: (l: string) => void; privateKey?: RsaPrivateKey } = {}): Promise<OwnerSession> {
  const crypto = createNodeCrypto();
  const key = o.privateKey ?? nodeRsaPrivateKey(readFileSync(config.key, 'utf8'));
  const client = createClient({
    jid: config.jid, password: config.password, resource: config.resource ?? `owner-${process.pid}`,
    ca: config.ca ? readFileSync(config.ca, 'utf8') : undefined, host: config.host, port: config.port,
    presence: o.presence ?? false, reconnect: false,
  });
  await client.start();
  const owner = new Owner({ client, crypto, key, cert: config.cert, certServices: config.trust ?? [config.cert], now: Date.now });
  const configurator = new OwnerConfigurator({ client, crypto, key, cert: config.cert, keys: owner.keys, owner, now: Date.now, spimeCert: config.trust?.[0] });
  return { client, owner, configurator, config, log: o.log ?? console.log };
}

/** Runs one subcommand; resolves with the process exit code. */
export async function runOwnerCommand(argv: string[], o: { log?: (l: string) => void; error?: (l: string) => void; config?: OwnerConfig; privateKey?: RsaPrivateKey } = {}): Promise<number> {
  const error = o.error ?? console.error;
  let session: OwnerSession | undefined;
  try {
    const { name, args, options } = parseArgs(argv);
    if (!name || name === '--help' || name === 'help') { (o.log ?? console.log)(usage()); return 0; }
    const sub = SUBCOMMANDS[name];
    if (!sub) throw new UsageError(`unknown subcommand '${name}'`);
    if (args.length < sub.args) throw new UsageError(`usage: spimekit owner ${sub.usage}`);
    for (const k of Object.keys(options)) if (!CONNECTION_OPTIONS.includes(k) && !(sub.options ?? []).includes(k)) throw new UsageError(`${name}: unknown option --${k}`);
    const config = o.config ?? loadConfig(options);
    session = await connectOwner(config, { presence: sub.presence, log: o.log, privateKey: o.privateKey });
    await sub.run(session, args, options);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { error(`spimekit owner: ${e.message}\n${usage()}`); return 2; }
    error(`spimekit owner: ${(e as Error)?.message ?? e}`);
    return 1;
  } finally {
    await session?.client.stop().catch(() => undefined);
  }
}
