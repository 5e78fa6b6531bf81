// The Clock interface (src/xmpp/clock.ts) on Node timers.
import type { Clock } from '../../src/xmpp/clock.js';

export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
