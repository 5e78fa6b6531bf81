// The ECMA-419 IO shapes the sensor drivers use, declared here because src/ sees no platform
// typings. They follow ECMA-419 2nd ed. §9 (IO classes) as Moddable implements them
// (`embedded:io/i2c`, `embedded:io/serial`): construct with one options object, synchronous
// `read`/`write`, `close()`. On a NACK Moddable's I2C throws; drivers catch that and report it.

export type BufferSource = ArrayBuffer | ArrayBufferView;

export interface I2COptions {
  address: number;
  hz?: number;
  /** GPIO numbers of SDA and SCL (Moddable names them `data` and `clock`). */
  data?: number;
  clock?: number;
  port?: number;
  [more: string]: unknown;
}

/** ECMA-419 I2C: one instance talks to one address. `stop` false keeps the bus for a repeated start. */
export interface I2C {
  read(countOrBuffer: number | ArrayBufferView, stop?: boolean): ArrayBuffer | void;
  write(buffer: BufferSource, stop?: boolean): void;
  close(): void;
}
export type I2CConstructor = new (options: I2COptions) => I2C;

export interface SerialOptions {
  baud: number;
  port?: number;
  receive?: number;
  transmit?: number;
  format?: 'buffer' | 'number';
  /** Called with the number of bytes waiting; `this` is the Serial instance. */
  onReadable?: (this: Serial, count: number) => void;
  [more: string]: unknown;
}

/** ECMA-419 Serial in `buffer` format: `read()` returns what is buffered (or undefined), never waits. */
export interface Serial {
  read(count?: number): ArrayBuffer | undefined;
  write(buffer: BufferSource): void;
  close(): void;
}
export type SerialConstructor = new (options: SerialOptions) => Serial;

/** The `sensor` member of a driver's options: the IO class plus its options (ECMA-419 §13). */
export interface SensorBus<C> {
  io: C;
  [option: string]: unknown;
}
