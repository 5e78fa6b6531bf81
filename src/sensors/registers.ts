// Register access to a chip on an ECMA-419 I2C instance, the common convention of Bosch parts and
// most sensors: write the register address then read with a repeated start (BMP280 §5.2.2), and
// write register/value pairs (§5.2.1). The chip logic (bmp280.ts) sees only these two calls, so an
// SPI variant would be another small adapter. Buffers are allocated once; bus failures become
// SensorError 'nack'.
import { SensorError } from './errors.js';
import type { I2C } from './io.js';

export interface Registers {
  /** Read `count` consecutive registers; the view is reused by the next call. */
  read(register: number, count: number): Uint8Array;
  write(register: number, value: number): void;
  close(): void;
}

export class I2CRegisters implements Registers {
  #io: I2C | undefined;
  readonly #pair = new Uint8Array(2);
  readonly #data: Uint8Array;

  constructor(io: I2C, maxRead = 32) {
    this.#io = io;
    this.#data = new Uint8Array(maxRead);
  }

  read(register: number, count: number): Uint8Array {
    const io = this.#bus();
    const out = this.#data.subarray(0, count);
    this.#pair[0] = register;
    try {
      io.write(this.#pair.subarray(0, 1), false); // no stop: repeated start
      io.read(out);
    } catch { throw new SensorError('nack', `read 0x${register.toString(16)}`); }
    return out;
  }

  write(register: number, value: number): void {
    const io = this.#bus();
    this.#pair[0] = register;
    this.#pair[1] = value;
    try { io.write(this.#pair); } catch { throw new SensorError('nack', `write 0x${register.toString(16)}`); }
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  #bus(): I2C {
    if (!this.#io) throw new SensorError('invalid-state', 'closed');
    return this.#io;
  }
}
