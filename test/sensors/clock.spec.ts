// The sensor Clock adapter over a timer-callback clock (the shape the XMPP layer uses).
import { clockFromTimers } from '../../src/sensors/clock.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';

describe('clockFromTimers', () => {
  test('delays resolve on the underlying timers, in order, at the right time', async () => {
    const virtual = new VirtualClock(1000);
    const clock = clockFromTimers({ now: () => virtual.now(), setTimeout: (fn, ms) => virtual.schedule(fn, ms) });
    expect(clock.now()).toBe(1000);
    const order: string[] = [];
    const a = clock.delay(50).then(() => order.push(`a@${clock.now()}`));
    const b = clock.delay(10).then(() => order.push(`b@${clock.now()}`));
    await virtual.run(Promise.all([a, b]));
    expect(order).toEqual(['b@1010', 'a@1050']);
  });
});
