// Start the sensors on the device: the board chosen by the manifest's `platforms` section
// (`spimekit/board`), ECMA-419 I2C and Serial from Moddable's `embedded:io`, the device clock,
// and the same wiring the simulation runs (src/sensors/suite.ts).
// Type-checked on the host by `npx tsc -p hosts/moddable` (Moddable modules from moddable.d.ts), and
// by mcconfig's tsc against the SDK's typings on the device build.
//
// Imports of src/ use the manifest's module names (`spimekit/...`), never a relative path out of
// hosts/: XS resolves `../../../src/x.js` against this module's *name* (`spimekit/host/sensors/start`),
// which would give `src/x`, a module that does not exist. Within src/, relative imports are fine
// (the `spimekit/*` names mirror the src/ tree; XS drops the `.js`).
import I2C from 'embedded:io/i2c';
import Serial from 'embedded:io/serial';
import board from 'spimekit/board';
import type { I2CConstructor, SerialConstructor } from 'spimekit/sensors/io';
import { createSensorSuite, type SensorSuite } from 'spimekit/sensors/suite';
import { moddableClock } from './clock.js';

// Moddable's typings (typings/embedded_io/) are narrower than its implementation: the I2C class
// declares no `close()` (modules/io/i2c/_i2c.js has it), and the Serial options are a union that
// requires `transmit` or `receive` plus `port`. src/sensors/io.ts declares the ECMA-419 shape the
// drivers use; the board definitions always give the port and both pins.
const i2c = I2C as unknown as I2CConstructor;
const serial = Serial as unknown as SerialConstructor;

export async function startSensors(): Promise<SensorSuite> {
  const suite = createSensorSuite({ board, i2c, serial, clock: moddableClock });
  await suite.start();
  return suite;
}
