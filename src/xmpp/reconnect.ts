// When to try again after losing the connection: exponential backoff with "equal jitter" (half
// fixed, half random) and a cap, so a fleet of spimes behind one restarted server does not
// reconnect in lockstep, and a broken network costs one attempt per cap interval, never a busy loop.
// Which failures are worth retrying fast, and which only slowly, is decided here too.
import { SpimeError } from '../errors.js';
import { SaslError, StanzaError, StreamError, ConnectionError } from './errors.js';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  random?: () => number;
}

export interface ReconnectOptions extends BackoffOptions {
  /** After a permanent failure (see classifyFailure): try again after 1/2..1 of this, ms
   *  (default 4 h: an operator may fix the server); false: stop for good (tests, owners). */
  permanentRetryMs?: number | false;
  /** A session counts as healthy, and resets the backoff, once it has been online this long, ms
   *  (default 60 s): a server that accepts and drops sessions at once keeps the backoff growing. */
  stableMs?: number;
  /** see-other-host redirects (received over TLS) followed at once in a row; past this many each
   *  one waits the backoff (default 3). */
  maxRedirects?: number;
}

export const DEFAULT_PERMANENT_RETRY_MS = 4 * 3600_000;
export const DEFAULT_STABLE_MS = 60_000;
export const DEFAULT_MAX_REDIRECTS = 3;

export class Backoff {
  #attempt = 0;
  readonly #o: Required<BackoffOptions>;

  constructor(o: BackoffOptions = {}) {
    this.#o = { initialMs: o.initialMs ?? 1000, maxMs: o.maxMs ?? 120_000, factor: o.factor ?? 2, random: o.random ?? Math.random };
  }

  get attempt(): number { return this.#attempt; }

  /** Delay before the next attempt. */
  next(): number {
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * this.#o.factor ** this.#attempt);
    if (base < this.#o.maxMs) this.#attempt++;
    return this.jitter(base);
  }

  /** Equal jitter: between half and all of `base`. */
  jitter(base: number): number {
    return Math.round(base / 2 + (base / 2) * this.#o.random());
  }

  /** After a session stayed up (or a fresh start). */
  reset(): void { this.#attempt = 0; }
}

/** transient: retry at backoff pace. permanent: retry only at the slow cadence (or stop). */
export type FailureClass = 'transient' | 'permanent';

/** RFC 6120 §4.9.3: stream conditions that say "do not come back as you are": credentials,
 *  addressing, a session that replaced ours (retrying would kick it out in turn), or our own
 *  protocol bugs. */
const PERMANENT_STREAM_CONDITIONS = ['not-authorized', 'conflict', 'host-unknown', 'improper-addressing', 'invalid-from',
  'invalid-namespace', 'policy-violation', 'unsupported-version', 'unsupported-encoding', 'unsupported-stanza-type',
  'not-well-formed', 'restricted-xml', 'bad-format', 'bad-namespace-prefix'];

/** A certificate failure from the host (Node's codes) or a host that maps it to `certificate`. */
export function isCertificateFailure(e: unknown): boolean {
  if (e instanceof ConnectionError) return e.condition === 'certificate';
  const code = (e as { code?: string })?.code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code);
}

/**
 * Nothing received before TLS is authenticated (anyone on the path can write it), so it may fail
 * the attempt but never the device: `authenticated` is false when the input that caused the
 * failure came in the clear, and then every failure is transient. Only a verdict of a server whose
 * certificate verified (credentials refused, a "do not come back" stream error, a bind refused),
 * or a certificate that does not verify, is permanent.
 */
export function classifyFailure(e: unknown, authenticated: boolean): FailureClass {
  if (isCertificateFailure(e)) return 'permanent';
  if (!authenticated) return 'transient';
  if (e instanceof SaslError) return e.condition === 'temporary-auth-failure' ? 'transient' : 'permanent';
  if (e instanceof StreamError) {
    // The server's input was bad (not-well-formed, restricted-xml, over a limit) and we said so:
    // a server fault, possibly transient (a bug fixed by its restart, a broken middlebox).
    if (e.local) return 'transient';
    return PERMANENT_STREAM_CONDITIONS.includes(e.condition) ? 'permanent' : 'transient';
  }
  if (e instanceof StanzaError) return e.type === 'wait' ? 'transient' : 'permanent';
  if (e instanceof ConnectionError) return 'transient';
  if (e instanceof SpimeError) return 'permanent';
  return 'transient'; // socket errors from the host: ECONNREFUSED, ECONNRESET, ...
}

/** see-other-host (RFC 6120 §4.9.3.19): "host", "host:port" or "[v6]:port". */
export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return { host: s, port: defaultPort };
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}
