// Time, as the host gives it: src/ never calls setTimeout itself (XS on the device has Timer, Node
// has setTimeout; tests have virtual clocks).

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch, or since boot on a device without RTC (then only differences count). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
