// Time as the host gives it. Drivers never busy-wait: a command with an execution time (SCD4x
// 1 ms…5 s, BMP280 conversions) awaits `delay`, so the device's one JavaScript thread keeps
// serving the network meanwhile. Hosts: Moddable `Time.ticks` + `Timer.set`; Node `performance.now`
// + `setTimeout`; the simulation a virtual clock (hosts/sim/sensors/clock.ts) that tests advance.
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock. */
  delay(ms: number): Promise<void>;
}

/** The timer-callback shape other layers use (e.g. the XMPP layer's clock: now/setTimeout/clearTimeout). */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

/** A sensor Clock on top of a timer-callback clock, so one host clock serves every layer. */
export function clockFromTimers(timers: Timers): Clock {
  return {
    now: () => timers.now(),
    delay: (ms) => new Promise<void>((resolve) => { timers.setTimeout(resolve, ms); }),
  };
}
