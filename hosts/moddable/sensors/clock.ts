// The sensor Clock on the device (Moddable SDK): `Time.ticks` is a millisecond counter since boot
// (monotonic; it wraps after ~24.8 days of uptime as a signed 32-bit value, so the drivers only
// compare short differences), and `Timer.set` schedules the wake-up without blocking the thread.
// Type-checked on the host by `npx tsc -p hosts/moddable`; on the device build by mcconfig's tsc.
import Time from 'time';
import Timer from 'timer';
import type { Clock } from 'spimekit/sensors/clock';

export const moddableClock: Clock = {
  now: () => Time.ticks,
  delay: (ms) => new Promise<void>((resolve) => { Timer.set(() => resolve(), ms); }),
};
