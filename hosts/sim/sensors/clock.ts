// A virtual clock for the simulation and the specs: time moves only when told, so a 5 s SCD4x
// measurement interval takes microseconds and every run is reproducible, on Node and on XS alike
// (it uses no host timer). Implements src/sensors/clock.ts.
import type { Clock } from '../../../src/sensors/clock.js';

interface Timer { at: number; seq: number; fire: () => void }

/** Let pending promise chains run (a driver resuming after a delay reaches its next await). */
export async function flushMicrotasks(turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) await undefined;
}

export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = 0) { this.#now = start; }

  now(): number { return this.#now; }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(resolve, ms));
  }

  /** Call `fire` after `ms` (simulated devices use this for their own events). */
  schedule(fire: () => void, ms: number): void {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fire };
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1].at > timer.at) i--;
    this.#timers.splice(i, 0, timer);
  }

  get pending(): number { return this.#timers.length; }

  /** Advance `ms`, firing due timers in order and letting each one's continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    while (this.#timers.length && this.#timers[0].at <= target) {
      const timer = this.#timers.shift()!;
      this.#now = timer.at;
      timer.fire();
      await flushMicrotasks();
    }
    this.#now = target;
  }

  /** Advance until `promise` settles (at most `limit` ms); returns its value. */
  async run<T>(promise: Promise<T>, limit = 600_000): Promise<T> {
    let settled = false;
    promise.then(() => { settled = true; }, () => { settled = true; });
    const end = this.#now + limit;
    await flushMicrotasks();
    while (!settled && this.#timers.length && this.#timers[0].at <= end) {
      const timer = this.#timers.shift()!;
      this.#now = timer.at;
      timer.fire();
      await flushMicrotasks();
    }
    if (!settled) throw new Error(`VirtualClock.run: not settled after ${limit} ms`);
    return promise;
  }
}
