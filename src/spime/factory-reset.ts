// Factory reset at boot (PROTOCOL.md §6.6): the board's button (boards/*: `factoryReset`, the
// DevKits' BOOT button, GPIO0) held down for `holdMs` while the spime starts clears the owner,
// the claim state and the configuration (Ownership.factoryReset), keeping the identity. Released
// earlier, nothing happens: a brief press at boot is not a reset.
import type { Clock } from '../xmpp/clock.js';

/** Resolves true when `pressed()` holds for `holdMs` from now (sampled every `everyMs`). */
export function buttonHeldAtBoot(pressed: () => boolean, clock: Clock, holdMs: number, everyMs = 50): Promise<boolean> {
  const start = clock.now();
  return new Promise((resolve) => {
    const sample = (): void => {
      if (!pressed()) return resolve(false);
      if (clock.now() - start >= holdMs) return resolve(true);
      clock.setTimeout(sample, everyMs);
    };
    sample();
  });
}
