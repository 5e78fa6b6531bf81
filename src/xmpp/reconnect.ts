// When to try again after losing the connection: exponential backoff with "equal jitter" (half
// fixed, half random) and a cap, so a fleet of spimes behind one restarted server does not
// reconnect in lockstep, and a broken network costs one attempt per cap interval, never a busy loop.
// Which failures are worth retrying is decided here too.
import { SpimeError } from '../errors.js';
import { SaslError, StreamError, ConnectionError } from './errors.js';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #o: Required<BackoffOptions>;

  constructor(o: BackoffOptions = {}) {
    this.#o = { initialMs: 1000, maxMs: 120_000, factor: 2, random: Math.random, ...o };
  }

  get attempt(): number { return this.#attempt; }

  /** Delay before the next attempt. */
  next(): number {
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * this.#o.factor ** this.#attempt);
    if (base < this.#o.maxMs) this.#attempt++;
    return Math.round(base / 2 + (base / 2) * this.#o.random());
  }

  /** After a session came up. */
  reset(): void { this.#attempt = 0; }
}

/** Faults of credentials, policy or certificates do not heal by retrying. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof SaslError) return e.condition === 'temporary-auth-failure';
  if (e instanceof StreamError) {
    // The server's input was bad (not-well-formed, restricted-xml, over a limit) and we said so:
    // a server fault, possibly transient (a bug fixed by its restart, a broken middlebox), so an
    // unattended device keeps trying, at backoff pace.
    if (e.local) return true;
    // RFC 6120 §4.9.3: these say "do not come back as you are": credentials, addressing, a
    // session that replaced ours (retrying would kick it out in turn), or our own protocol bugs.
    return !['not-authorized', 'conflict', 'host-unknown', 'improper-addressing', 'invalid-from', 'invalid-namespace',
      'policy-violation', 'unsupported-version', 'unsupported-encoding', 'unsupported-stanza-type', 'not-well-formed',
      'restricted-xml', 'bad-format', 'bad-namespace-prefix'].includes(e.condition);
  }
  if (e instanceof ConnectionError) return !['tls-required', 'certificate', 'policy'].includes(e.condition);
  if (e instanceof SpimeError) return false;
  // socket errors from the host: ECONNREFUSED, ECONNRESET, ... but not certificate failures
  const code = (e as { code?: string })?.code ?? '';
  return !/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code);
}

/** see-other-host (RFC 6120 §4.9.3.19): "host", "host:port" or "[v6]:port". */
export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return { host: s, port: defaultPort };
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}
