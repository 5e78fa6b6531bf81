// Start the sensors on the device: the board chosen by the manifest's `platforms` section
// (`spimekit/board`), ECMA-419 I2C and Serial from Moddable's `embedded:io`, the device clock,
// and the same wiring the simulation runs (src/sensors/suite.ts).
// Not type-checked on the host (Moddable modules); exercised by the device build only.
import I2C from 'embedded:io/i2c';
import Serial from 'embedded:io/serial';
import board from 'spimekit/board';
import { createSensorSuite, type SensorSuite } from '../../../src/sensors/suite.js';
import { moddableClock } from './clock.js';

export async function startSensors(): Promise<SensorSuite> {
  const suite = createSensorSuite({ board, i2c: I2C, serial: Serial, clock: moddableClock });
  await suite.start();
  return suite;
}
