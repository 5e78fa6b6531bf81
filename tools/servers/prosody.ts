// A private Prosody 0.12 per test suite: loopback only, fresh ports, a throwaway config/data dir and
// certificate, STARTTLS required, SCRAM only. See README "Test servers".
//
// What Prosody 0.12 offers here (checked against /usr/lib/prosody, 0.12.3):
// - SASL: `internal_hashed` stores one SCRAM hash, chosen by `password_hash` ("SHA-1" default, or
//   "SHA-256"), and offers SCRAM-SHA-1 *or* SCRAM-SHA-256 — never both. Its PLAIN (checked against
//   the stored hash) is removed with `disable_sasl_mechanisms`. The -PLUS variants use only
//   tls-unique, which is undefined on TLS 1.3, so on a TLS 1.3 connection no -PLUS is offered.
// - XEP-0198 (mod_smacks) and XEP-0368 (`c2s_direct_tls_ports`) are in core since 0.12.
import { execFile } from 'node:child_process';
import { createHash, createHmac, pbkdf2, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTestPki } from './certs.js';
import { freePorts } from './ports.js';
import { logTail, spawnServer, type ServerProcess } from './process.js';
import type { TestServer } from './server.js';

const run = promisify(execFile);

export interface ProsodyOptions {
  /** XMPP domain; default `spimekit.test` (resolved by nobody: clients connect to 127.0.0.1). */
  host?: string;
  /** The one SCRAM hash offered (Prosody stores one per account). Default SHA-1. */
  scramHash?: 'SHA-1' | 'SHA-256';
  /** PBKDF2 iterations for accounts registered from now on (Prosody's default: 10000). */
  scramIterations?: number;
  /** XEP-0198 `smacks_hibernation_time`, seconds a broken session waits for resumption. Default 60. */
  smacksHibernationSeconds?: number;
  /**
   * Local users (node parts) made Prosody admins. Prosody's pubsub component lets only admins
   * create nodes (ejabberd's harness lets every local user).
   */
  admins?: string[];
  /** XEP-0077 in-band registration open to anyone on loopback (mod_register, `allow_registration`):
   *  what `spimekit provision --register inband` uses. Default off. */
  inBandRegistration?: boolean;
  /** The log's lowest level; default "debug" (what a failing test wants to read). A big fleet
   *  uses "info": debug logging of every stanza is most of Prosody's CPU per report and login. */
  logLevel?: 'debug' | 'info' | 'warn';
  /** Lua appended to the global section (before the VirtualHost). */
  extraGlobalConfig?: string;
  /** Keep the temp dir after stop() (or set SPIMEKIT_KEEP_SERVER_DIRS=1). */
  keepDir?: boolean;
}

const lua = (s: string) => JSON.stringify(s); // ASCII paths and names: JSON string syntax is Lua's

// util.datamanager's encoding of hosts and users in file names: every non-alphanumeric byte as %xx.
const datamanagerEncode = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
// Names that nodeprep and passwords that SASLprep leave as they are: for these the account file
// can be written here exactly as Prosody would; anything else goes through prosodyctl.
const PLAIN_NODE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const PLAIN_PASSWORD = /^[\x21-\x7e]{1,256}$/;

/**
 * The account record mod_auth_internal_hashed keeps (Prosody 0.12): the SCRAM StoredKey and
 * ServerKey (RFC 5802 §3) in hex, a UUID salt and the iteration count. PBKDF2 runs on libuv's
 * thread pool, not the event loop.
 */
export async function scramAccount(password: string, hash: 'SHA-1' | 'SHA-256', iterations: number): Promise<ScramAccount> {
  const algorithm = hash === 'SHA-1' ? 'sha1' : 'sha256';
  const salt = randomUUID();
  const salted = await new Promise<Buffer>((resolve, reject) => pbkdf2(password, salt, iterations, hash === 'SHA-1' ? 20 : 32, algorithm, (e, k) => (e ? reject(e) : resolve(k))));
  const clientKey = createHmac(algorithm, salted).update('Client Key').digest();
  const storedKey = createHash(algorithm).update(clientKey).digest('hex');
  const serverKey = createHmac(algorithm, salted).update('Server Key').digest('hex');
  return { hash, salt, iterations, storedKey, serverKey, clientKey: clientKey.toString('hex') };
}

/** A SCRAM account as Prosody stores it (hex keys, the salt as text), plus the client's ClientKey:
 *  kept by a fleet's cache (tools/fleet/identities.ts) so neither side runs PBKDF2 again. */
export interface ScramAccount {
  hash: 'SHA-1' | 'SHA-256';
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
  clientKey: string;
}

const accountFile = (a: ScramAccount) =>
  `return {\n\t["iteration_count"] = ${a.iterations};\n\t["server_key"] = ${lua(a.serverKey)};\n\t["stored_key"] = ${lua(a.storedKey)};\n\t["salt"] = ${lua(a.salt)};\n};\n`;

/** Prosody's harness: the common TestServer, plus what a fleet and the provisioning tool use. */
export interface ProsodyServer extends TestServer {
  kind: 'prosody';
  /** The generated config (for `prosodyctl --config`, the server's admin command). */
  configPath: string;
  /** An account from its SCRAM record (no PBKDF2: the record was computed once and kept). */
  registerScram(user: string, account: ScramAccount): void;
}

export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyServer> {
  const host = options.host ?? 'spimekit.test';
  const dir = mkdtempSync(join(tmpdir(), 'spimekit-prosody-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const pki = makeTestPki(dir, host);
  const [c2sPort, directTlsPort, componentPort] = await freePorts(3) as [number, number, number];
  const componentSecret = 'component-secret-' + Math.random().toString(36).slice(2);
  const configPath = join(dir, 'prosody.cfg.lua');
  const logPath = join(dir, 'prosody.log');
  writeFileSync(configPath, `-- generated by test/servers/prosody.ts
run_as_root = true
daemonize = false
pidfile = ${lua(join(dir, 'prosody.pid'))}
data_path = ${lua(dataDir)}
certificates = ${lua(dir)}
ssl = { certificate = ${lua(pki.certPath)}, key = ${lua(pki.keyPath)} }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${c2sPort} }
c2s_direct_tls_ports = { ${directTlsPort} }
legacy_ssl_ports = { }
component_ports = { ${componentPort} }
component_interfaces = { "127.0.0.1" }
s2s_ports = { }
log = { { levels = { min = ${lua(options.logLevel ?? 'debug')} }, to = "file", filename = ${lua(logPath)} } }
modules_enabled = { "tls", "saslauth", "disco", "ping", "time", "version", "smacks", "roster", "posix"${options.inBandRegistration ? ', "register"' : ''} }
allow_registration = ${options.inBandRegistration ? 'true' : 'false'}
modules_disabled = { "s2s", "offline" }
authentication = "internal_hashed"
password_hash = ${lua(options.scramHash ?? 'SHA-1')}
default_iteration_count = ${options.scramIterations ?? 10000}
disable_sasl_mechanisms = { "PLAIN", "LOGIN", "DIGEST-MD5" }
c2s_require_encryption = true
storage = "internal"
smacks_hibernation_time = ${options.smacksHibernationSeconds ?? 60}
admins = { ${(options.admins ?? []).map((u) => lua(`${u}@${host}`)).join(', ')} }
${options.extraGlobalConfig ?? ''}

VirtualHost ${lua(host)}

Component ${lua('pubsub.' + host)} "pubsub"

Component ${lua('keys.' + host)}
  component_secret = ${lua(componentSecret)}
`);

  const accountsDir = join(dataDir, datamanagerEncode(host), 'accounts');
  const writeAccount = (user: string, account: ScramAccount) => {
    const file = join(accountsDir, `${datamanagerEncode(user)}.dat`);
    // never re-create the dir of a server stopped meanwhile (it would be left behind)
    if (!existsSync(dataDir)) throw new Error(`register ${user}@${host}: the server was stopped`);
    mkdirSync(accountsDir, { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    writeFileSync(tmp, accountFile(account));
    renameSync(tmp, file);
  };
  const keep = options.keepDir || process.env.SPIMEKIT_KEEP_SERVER_DIRS === '1';
  const start = () => spawnServer('prosody', ['--config', configPath, '-F'], {
    outPath: join(dir, 'prosody.out'), logPaths: [logPath], ports: [c2sPort, directTlsPort, componentPort], dir: keep ? undefined : dir,
  });
  let proc: ServerProcess;
  try {
    proc = await start();
  } catch (e) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    kind: 'prosody',
    host,
    c2sPort,
    directTlsPort,
    componentPort,
    componentDomain: 'keys.' + host,
    componentSecret,
    pubsubDomain: 'pubsub.' + host,
    caPem: pki.caPem,
    caPath: pki.caPath,
    configDir: dir,
    configPath,
    logPath,
    get pid() { return proc.pid; },
    async register(user: string, password: string) {
      // The running server reads the account file on each login (storage "internal", no cache),
      // so writing it is all registering takes. Written here, a fleet of accounts costs a PBKDF2
      // each instead of a prosodyctl process each (a Lua VM loading Prosody, ~0.1 s of CPU: 200
      // accounts took 20 s). Atomically (rename), so a login never reads half a file.
      if (PLAIN_NODE.test(user) && PLAIN_PASSWORD.test(password)) {
        writeAccount(user, await scramAccount(password, options.scramHash ?? 'SHA-1', options.scramIterations ?? 10000));
        return;
      }
      // prosodyctl nodepreps the name and SASLpreps the password, then writes the same file.
      try {
        await run('prosodyctl', ['--config', configPath, 'register', user, host, password]);
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        throw new Error(`prosodyctl register ${user}@${host} failed: ${err.stderr || err.stdout || err.message}`);
      }
    },
    registerScram(user: string, account: ScramAccount) {
      if (!PLAIN_NODE.test(user)) throw new Error(`registerScram: '${user}' is not a plain node name`);
      if (account.hash !== (options.scramHash ?? 'SHA-1')) throw new Error(`registerScram: a ${account.hash} account on a ${options.scramHash ?? 'SHA-1'} server`);
      writeAccount(user, account);
    },
    async restart() {
      await proc.stop();
      proc = await start();
    },
    async stop() {
      await proc.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    logTail: (lines?: number) => logTail([logPath], lines),
  };
}
