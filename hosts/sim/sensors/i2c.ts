// A simulated I2C bus behind the ECMA-419 I2C class shape (src/sensors/io.ts), so drivers run
// unchanged against simulated chips. Like Moddable's ESP32 I2C, a transaction nobody
// acknowledges throws. Faults: `injectNack(address, n)` makes the next n transactions NACK.
import type { I2C, I2CConstructor, I2COptions, BufferSource } from '../../../src/sensors/io.js';

/** A chip on the bus: `write` returns false to NACK, `read` returns undefined to NACK. */
export interface SimI2CDevice {
  write(bytes: Uint8Array, stop: boolean): boolean;
  read(count: number, stop: boolean): Uint8Array | undefined;
}

function bytesOf(buffer: BufferSource): Uint8Array {
  return buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export class SimI2CBus {
  readonly #devices = new Map<number, SimI2CDevice>();
  readonly #nacks = new Map<number, number>();
  /** Transactions (reads + writes) seen, per address. */
  readonly transactions = new Map<number, number>();
  readonly io: I2CConstructor;

  constructor() {
    const bus = this;
    this.io = class SimI2C implements I2C {
      #address: number;
      #open = true;
      constructor(options: I2COptions) {
        const address = options?.address;
        if (typeof address !== 'number' || address < 0 || address > 0x7f || address !== Math.floor(address)) throw new RangeError('I2C: invalid address');
        if (options.hz !== undefined && !(options.hz > 0 && options.hz <= 1_000_000)) throw new RangeError('I2C: invalid hz');
        this.#address = address;
      }
      write(buffer: BufferSource, stop = true): void {
        this.#check();
        const device = bus.#transaction(this.#address);
        if (!device || !device.write(bytesOf(buffer).slice(), stop)) throw new Error(`I2C: write NACK at 0x${this.#address.toString(16)}`);
      }
      read(countOrBuffer: number | ArrayBufferView, stop = true): ArrayBuffer | void {
        this.#check();
        const count = typeof countOrBuffer === 'number' ? countOrBuffer : countOrBuffer.byteLength;
        const device = bus.#transaction(this.#address);
        const data = device?.read(count, stop);
        if (!data) throw new Error(`I2C: read NACK at 0x${this.#address.toString(16)}`);
        if (typeof countOrBuffer === 'number') return data.slice(0, count).buffer;
        bytesOf(countOrBuffer).set(data.subarray(0, count));
      }
      close(): void { this.#open = false; }
      #check(): void { if (!this.#open) throw new Error('I2C: closed'); }
    };
  }

  attach(address: number, device: SimI2CDevice): void { this.#devices.set(address, device); }
  detach(address: number): void { this.#devices.delete(address); }

  /** The next `count` transactions to `address` are not acknowledged. */
  injectNack(address: number, count = 1): void { this.#nacks.set(address, (this.#nacks.get(address) ?? 0) + count); }

  #transaction(address: number): SimI2CDevice | undefined {
    this.transactions.set(address, (this.transactions.get(address) ?? 0) + 1);
    const nacks = this.#nacks.get(address) ?? 0;
    if (nacks > 0) { this.#nacks.set(address, nacks - 1); return undefined; }
    return this.#devices.get(address);
  }
}
