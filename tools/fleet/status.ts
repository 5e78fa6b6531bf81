// The compact live status of a large fleet (`npm start -- --spimes 1000`, the fleet bench): one
// line every few seconds instead of a line per event.
//   [ 65.0 s] online 1000/1000 | 16.6 reports/s | 2987 entries queued | 0 dropped | 0 errors
export interface FleetCounts {
  spimes: number;
  online: number;
  /** Verified by the ScopeNode so far (a running total). */
  reports: number;
  /** Entries in the spimes' flash, not yet acknowledged. */
  queued: number;
  dropped: number;
  /** Client errors (a running total), and the window's most frequent one. */
  errors: number;
  topError?: string;
  rejected?: number;
}

export class FleetStatus {
  #lastReports = 0;
  #lastAt: number;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#lastAt = now();
  }

  /** The line for `c`; reports/s is over the time since the previous line. */
  line(c: FleetCounts): string {
    const at = this.#now();
    const rate = at > this.#lastAt ? (c.reports - this.#lastReports) / ((at - this.#lastAt) / 1000) : 0;
    this.#lastReports = c.reports;
    this.#lastAt = at;
    return `online ${c.online}/${c.spimes} | ${rate.toFixed(1)} reports/s | ${c.queued} entries queued | ${c.dropped} dropped | ${c.errors} errors`
      + `${c.topError ? ` (${c.topError})` : ''}${c.rejected ? ` | ${c.rejected} REJECTED` : ''}`;
  }
}
