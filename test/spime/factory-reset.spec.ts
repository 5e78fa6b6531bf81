// The factory-reset button at boot: held for the board's holdMs → reset; released earlier → not.
// Both boards name their pin. Portable.
import { boards } from '../../boards/index.js';
import { buttonHeldAtBoot } from '../../src/spime/factory-reset.js';
import type { Clock } from '../../src/xmpp/clock.js';

/** A clock whose timers fire at once, in order, moving time on. */
function steppingClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    setTimeout: (fn: () => void, ms: number) => { c.t += ms; Promise.resolve().then(fn); return 1; },
    clearTimeout: () => {},
  };
  return c;
}

test('every board names its factory-reset pin and hold time', () => {
  for (const b of Object.values(boards)) {
    expect(Number.isInteger(b.factoryReset?.pin)).toBe(true);
    expect(b.factoryReset!.holdMs).toBeGreaterThanOrEqual(1000);
  }
});

test('held for holdMs: reset; released before: no reset; not pressed: no reset', async () => {
  let clock = steppingClock();
  expect(await buttonHeldAtBoot(() => true, clock, 5000)).toBe(true);
  expect(clock.t).toBeGreaterThanOrEqual(5000);
  clock = steppingClock();
  const c = clock;
  expect(await buttonHeldAtBoot(() => c.t < 3000, clock, 5000)).toBe(false);
  clock = steppingClock();
  expect(await buttonHeldAtBoot(() => false, clock, 5000)).toBe(false);
  expect(clock.t).toBe(0);
});
