// The simulated sensor side of one spime: the chips a board has fitted, simulated on an I2C bus
// and a UART, driven by the same wiring the device runs (src/sensors/suite.ts). Used by
// `npm run sensors:demo`, the specs and the host simulation. Platform-neutral: any Clock (virtual
// or real) drives it; a seed replays a run exactly.
import type { Board } from '../../../src/sensors/board.js';
import type { Clock } from '../../../src/sensors/clock.js';
import type { RetryPolicy } from '../../../src/sensors/manager.js';
import { createSensorSuite } from '../../../src/sensors/suite.js';
import { defaultBoard } from '../../../boards/index.js';
import { SimBMP280 } from './bmp280.js';
import { SimI2CBus } from './i2c.js';
import { NmeaGenerator } from './nmea.js';
import { Prng } from './prng.js';
import { SimSCD4x } from './scd4x.js';
import { fixOutages, indoorAir, roomCo2, weatherDrift } from './scenarios.js';
import { PolylineTrack, type Track } from './track.js';
import { SimUart } from './uart.js';

export interface SimulatedSpimeOptions {
  clock: Clock;
  board?: Board;
  seed?: number;
  /** UTC ms at clock time 0 (the GNSS date and time). */
  epoch?: number;
  track?: Track;
  /** Clock-time windows without a GPS fix. */
  outages?: readonly (readonly [number, number])[];
  retry?: RetryPolicy;
  interval?: number;
}

export function simulatedSpime(options: SimulatedSpimeOptions) {
  const { clock } = options;
  const board = options.board ?? defaultBoard;
  const prng = new Prng(options.seed ?? 42);
  const epoch = options.epoch ?? Date.UTC(2008, 3, 2, 16, 54, 22);
  const fitted = board.sensors;

  const bus = new SimI2CBus();
  // One weather for both chips: the SCD4x's CO2 reading depends on the pressure the BMP280 measures.
  const weather = weatherDrift({ noise: 2, prng, swing: 200, period: 1_800_000 });
  const co2Chip = fitted.scd4x
    ? new SimSCD4x({ clock, variant: fitted.scd4x.variant, environment: indoorAir(roomCo2({ airAt: 90_000, tau: 40_000, airTau: 15_000 }), prng, 5, weather), prng, noise: 10 })
    : undefined;
  const baroChip = fitted.bmp280
    ? new SimBMP280({ clock, chipId: fitted.bmp280.chip === 'BME280' ? 0x60 : 0x58, environment: weather })
    : undefined;
  if (co2Chip && fitted.scd4x) bus.attach(fitted.scd4x.address, co2Chip);
  if (baroChip && fitted.bmp280) bus.attach(fitted.bmp280.address, baroChip);
  const gnss = new NmeaGenerator({
    track: options.track ?? new PolylineTrack(), epoch, prng,
    talker: board.gps?.module?.includes('M8') ? 'GN' : 'GP',
    hasFix: fixOutages(options.outages ?? [[40_000, 55_000]]),
  });
  const uart = new SimUart({ clock, module: gnss, prng, baud: board.gps?.baud });

  const suite = createSensorSuite({ board, i2c: bus.io, serial: uart.io, clock, retry: options.retry, interval: options.interval });
  return {
    ...suite,
    board, bus, uart,
    chips: { co2: co2Chip, barometer: baroChip, gnss },
    /** UTC now: the GPS time once the receiver has given one, else the simulation's epoch. */
    time(): number { return suite.gpsTime() ?? epoch + clock.now(); },
  };
}
