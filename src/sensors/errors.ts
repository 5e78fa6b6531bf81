// Sensor faults, one SpimeError subclass for the layer. The rule for every driver:
// - caller mistakes (bad option, command illegal in the current mode) throw (RangeError,
//   TypeError, or SensorError 'invalid-state'), because only a code change fixes them;
// - runtime faults (bus NACK, CRC mismatch, no fix, a sensor that stops producing data) never
//   throw: the sample resolves `undefined`, the driver's `fault` holds a SensorError with one of
//   the conditions below and `onError` (ECMA-419 §13 callback) is called. The sensor manager
//   turns that into a reportable status and a bounded retry.
import { SpimeError } from '../errors.js';

export type SensorCondition =
  | 'nack' //            the chip did not acknowledge (absent, busy, or refused the command)
  | 'crc-mismatch' //    a Sensirion word failed its CRC-8
  | 'checksum-mismatch' // only corrupt NMEA sentences arrive (noisy line, wrong baud rate)
  | 'timeout' //         data never became ready / no NMEA sentence in time
  | 'no-fix' //          the GPS receiver reports no position fix
  | 'wrong-chip-id' //   the part at the address is not the one configured
  | 'calibration-failed' // the sensor refused a recalibration (SCD4x FRC returned 0xFFFF)
  | 'invalid-state'; //  caller mistake: command not allowed in this mode

export class SensorError extends SpimeError {
  declare readonly condition: SensorCondition;
  constructor(condition: SensorCondition, message?: string) {
    super(condition, message);
  }
}
