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
