// A GNSS receiver on a UART speaking NMEA 0183 (u-blox NEO-6M/M8N, Quectel L76, MediaTek
// MT3339…: 9600 baud, GGA + RMC at 1 Hz by default). ECMA-419 sensor shape: the driver creates
// its Serial from `options.sensor.io`, consumes bytes in onReadable, and `sample()` returns the
// latest fix without waiting. It is also a time source: RMC carries the UTC date and time.
import type { Clock } from '../clock.js';
import { SensorError } from '../errors.js';
import type { Serial, SerialConstructor, SensorBus } from '../io.js';
import { NmeaFramer, splitFields, type FramerStatistics } from './nmea.js';
import { decodeGga, decodeRmc, sentenceType, type Gga, type Rmc } from './sentences.js';

export interface GPSOptions {
  sensor: SensorBus<SerialConstructor>;
  clock: Clock;
  /** No valid sentence for this long is a 'timeout' fault (ms, default 3000: three 1 Hz epochs). */
  staleAfter?: number;
  onError?: (error: SensorError) => void;
}

export interface GPSSample {
  location: {
    latitude: number; longitude: number;
    /** Metres above mean sea level; undefined when only RMC was heard. */
    altitude?: number;
    quality: number; satellites?: number; hdop?: number;
    /** m/s and degrees true, from RMC. */
    speed?: number; heading?: number;
  };
  /** UTC ms since the epoch of the fix, when the receiver sent a date. */
  time?: number;
}

export class GPS {
  #io: Serial | undefined;
  #clock: Clock;
  #staleAfter: number;
  #onError: ((error: SensorError) => void) | undefined;
  #framer: NmeaFramer;
  readonly #starts = new Uint8Array(32);
  #gga: Gga | undefined;
  #rmc: Rmc | undefined;
  #rmcAt = 0;
  #heardAt: number;
  #badSinceHeard = 0; // corrupt or over-long lines counted when the last good sentence arrived
  #fault: SensorError | undefined;

  constructor(options: GPSOptions) {
    if (!options?.sensor?.io) throw new TypeError('GPS: options.sensor.io is required');
    if (!options.clock) throw new TypeError('GPS: options.clock is required');
    this.#clock = options.clock;
    this.#staleAfter = options.staleAfter ?? 3000;
    this.#onError = options.onError;
    this.#heardAt = this.#clock.now();
    this.#framer = new NmeaFramer((body, length) => this.#sentence(body, length));
    this.#io = new options.sensor.io({
      baud: 9600,
      ...options.sensor,
      format: 'buffer',
      onReadable: () => this.#readable(),
    });
  }

  get fault(): SensorError | undefined { return this.#fault; }
  get statistics(): Readonly<FramerStatistics> { return this.#framer.statistics; }

  /** UTC now (ms since the epoch) from the last RMC date/time plus the host clock since; undefined before one. */
  get time(): number | undefined {
    const rmc = this.#rmc;
    if (!rmc || Number.isNaN(rmc.time)) return undefined;
    return rmc.time + (this.#clock.now() - this.#rmcAt);
  }

  /** The latest fix, or undefined with `fault` 'no-fix' / 'timeout' (no fault before the first sentence). Never waits. */
  sample(): GPSSample | undefined {
    if (this.#clock.now() - this.#heardAt > this.#staleAfter) {
      // Bytes that fail their checksum mean a noisy line or the wrong baud rate; none at all, a silent receiver.
      const { checksumErrors, overflows } = this.#framer.statistics;
      return this.#report(checksumErrors + overflows > this.#badSinceHeard
        ? new SensorError('checksum-mismatch', 'only corrupt NMEA received')
        : new SensorError('timeout', 'no NMEA sentence received'));
    }
    const gga = this.#gga, rmc = this.#rmc;
    if (!gga && !rmc) { this.#fault = undefined; return undefined; } // nothing heard yet: starting, not a fault
    const ggaFix = gga !== undefined && gga.quality > 0 && !Number.isNaN(gga.latitude) && !Number.isNaN(gga.longitude);
    const rmcFix = rmc !== undefined && rmc.valid && !Number.isNaN(rmc.latitude) && !Number.isNaN(rmc.longitude);
    if (!ggaFix && !rmcFix) return this.#report(new SensorError('no-fix', gga ? `quality ${gga.quality}` : 'RMC void'));
    this.#fault = undefined;
    const location: GPSSample['location'] = ggaFix
      ? { latitude: gga.latitude, longitude: gga.longitude, quality: gga.quality }
      : { latitude: rmc!.latitude, longitude: rmc!.longitude, quality: 1 };
    if (ggaFix) {
      if (!Number.isNaN(gga.altitude)) location.altitude = gga.altitude;
      if (!Number.isNaN(gga.satellites)) location.satellites = gga.satellites;
      if (!Number.isNaN(gga.hdop)) location.hdop = gga.hdop;
    }
    if (rmcFix) {
      if (!Number.isNaN(rmc.speed)) location.speed = rmc.speed;
      if (!Number.isNaN(rmc.course)) location.heading = rmc.course;
    }
    const sample: GPSSample = { location };
    if (rmc && !Number.isNaN(rmc.time)) sample.time = rmc.time;
    return sample;
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  /** Feed bytes directly (tests, or a host that reads the UART itself). */
  receive(bytes: Uint8Array): void {
    this.#framer.push(bytes);
  }

  #readable(): void {
    const io = this.#io;
    if (!io) return;
    for (let chunk = io.read(); chunk && chunk.byteLength; chunk = io.read()) this.#framer.push(new Uint8Array(chunk));
  }

  #sentence(body: Uint8Array, length: number): void {
    const type = sentenceType(body, length);
    this.#badSinceHeard = this.#framer.statistics.checksumErrors + this.#framer.statistics.overflows;
    const starts = this.#starts;
    if (type === 'GGA') {
      this.#gga = decodeGga(body, starts, splitFields(body, length, starts));
      this.#heardAt = this.#clock.now();
    } else if (type === 'RMC') {
      this.#rmc = decodeRmc(body, starts, splitFields(body, length, starts));
      this.#rmcAt = this.#heardAt = this.#clock.now();
    }
    // GSA, GSV, VTG, GLL, TXT, proprietary: not needed for a position; ignored.
  }

  #report(error: SensorError): undefined {
    this.#fault = error;
    this.#onError?.(error);
    return undefined;
  }
}
