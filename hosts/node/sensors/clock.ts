// The host clock on Node: monotonic milliseconds and timer-backed delays (src/sensors/clock.ts).
import type { Clock } from '../../../src/sensors/clock.js';

export const nodeClock: Clock = {
  now: () => performance.now(),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
