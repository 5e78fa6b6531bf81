// The spime's idea of UTC. No RTC survives a power cut on the ESP32, so after every boot the time
// is unknown until a source sets it: a GPS fix's RMC time (best), else the XMPP server's
// XEP-0202 time. Once set it is kept on the monotonic clock (offset = UTC − monotonic) and
// re-set when a source speaks again; a server time never overrides a GPS time of the same boot.
export type ClockSource = 'gps' | 'server' | 'none';

const RANK: Record<ClockSource, number> = { none: 0, server: 1, gps: 2 };

export class SpimeClock {
  readonly #mono: () => number;
  #offset: number | undefined;
  #source: ClockSource = 'none';
  #setAt = 0;

  constructor(monotonic: () => number) { this.#mono = monotonic; }

  get source(): ClockSource { return this.#source; }
  /** Monotonic ms when a source last set the clock. */
  get setAt(): number { return this.#setAt; }

  /** UTC ms now, or undefined before any source set it this boot. */
  now(): number | undefined {
    return this.#offset === undefined ? undefined : this.#offset + this.#mono();
  }

  /** UTC ms at monotonic time `mono`, once known. */
  at(mono: number): number | undefined {
    return this.#offset === undefined ? undefined : this.#offset + mono;
  }

  /** A source says it is `utc` now; true if the clock took it. Nonsense (before 2020) is ignored. */
  set(utc: number, source: 'gps' | 'server'): boolean {
    if (!Number.isFinite(utc) || utc < Date.UTC(2020, 0, 1)) return false;
    if (RANK[source] < RANK[this.#source]) return false;
    this.#offset = Math.round(utc - this.#mono());
    this.#source = source;
    this.#setAt = this.#mono();
    return true;
  }
}

