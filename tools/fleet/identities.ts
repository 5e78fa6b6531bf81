// A simulated fleet's identities, made once and kept (`npm start -- --spimes 1000`, the fleet
// bench): per spime an RSA key, an account password and its SCRAM record — the keys Prosody stores
// and the ClientKey/ServerKey a client caches (RFC 5802 §5.1). A second run spends no key
// generation and no PBKDF2 on either side: the server's account file is written from the record
// (ProsodyServer.registerScram) and the client starts from the cached keys (ClientOptions.scramCache).
// One JSON line per spime, appended as each is made: a run killed half-way keeps what it made, a
// torn last line is ignored, and of two lines for one name (two runs at once) the first wins.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exportPrivateKeyPem, generateNodeRsaKeyAsync, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import type { RsaPrivateKey } from '../../src/crypto/crypto.js';
import type { ScramCache } from '../../src/xmpp/sasl-scram.js';
import { scramAccount, type ScramAccount } from '../servers/prosody.js';

export interface FleetIdentity {
  user: string;
  password: string;
  key: RsaPrivateKey;
  /** What the server stores for the account. */
  account: ScramAccount;
  /** For this account's Client: already holds the keys the server's salt and count lead to. */
  scramCache(): ScramCache;
}

interface Line { user: string; password: string; key: string; account: ScramAccount }

/** Where identities are kept by default: the user's cache dir (they are test identities for a
 *  private, throwaway server; nothing else trusts them). */
export function defaultIdentitiesDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || '/tmp', '.cache');
  return join(base, 'spimekit', 'fleet-identities');
}

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

export class IdentityCache {
  readonly path: string;
  readonly #lines = new Map<string, Line>();
  readonly #hash: 'SHA-1' | 'SHA-256';
  readonly #iterations: number;
  readonly #making = new Map<string, Promise<FleetIdentity>>();
  /** Made by this process (the rest came from the file). */
  made = 0;

  /** `hash` and `iterations`: the server's (a record for another hash or count is made again). */
  constructor(dir: string, o: { hash?: 'SHA-1' | 'SHA-256'; iterations?: number } = {}) {
    this.#hash = o.hash ?? 'SHA-1';
    this.#iterations = o.iterations ?? 10000;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, `identities-${this.#hash}-${this.#iterations}.jsonl`);
    if (!existsSync(this.path)) return;
    const file = readFileSync(this.path, 'utf8');
    // a torn last line is closed, so the next identity appended starts a line of its own
    if (file && !file.endsWith('\n')) appendFileSync(this.path, '\n');
    for (const text of file.split('\n')) {
      if (!text) continue;
      let line: Line;
      try { line = JSON.parse(text) as Line; } catch { continue; } // torn by a kill: made again
      if (typeof line.user === 'string' && !this.#lines.has(line.user)) this.#lines.set(line.user, line);
    }
  }

  get size(): number { return this.#lines.size; }
  has(user: string): boolean { return this.#lines.has(user); }

  /** The identity of `user`: from the file, or made now (key on libuv's pool, PBKDF2 too) and appended. */
  get(user: string): Promise<FleetIdentity> {
    const known = this.#lines.get(user);
    if (known) return Promise.resolve(this.#identity(known));
    let p = this.#making.get(user);
    if (!p) {
      p = (async () => {
        const password = randomBytes(18).toString('base64url');
        const [key, account] = await Promise.all([generateNodeRsaKeyAsync(), scramAccount(password, this.#hash, this.#iterations)]);
        const line: Line = { user, password, key: exportPrivateKeyPem(key), account };
        appendFileSync(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
        this.#lines.set(user, line);
        this.made++;
        return this.#identity(line, key);
      })().finally(() => this.#making.delete(user));
      this.#making.set(user, p);
    }
    return p;
  }

  #identity(line: Line, key = nodeRsaPrivateKey(line.key)): FleetIdentity {
    const { account } = line;
    const algorithm = account.hash === 'SHA-1' ? 'sha1' : 'sha256';
    return {
      user: line.user, password: line.password, key, account,
      // the cache key the client computes: hash, the salt as the server sends it (base64), count
      scramCache: () => ({
        key: `${algorithm},${Buffer.from(account.salt, 'utf8').toString('base64')},${account.iterations}`,
        clientKey: hex(account.clientKey), serverKey: hex(account.serverKey),
      }),
    };
  }
}
