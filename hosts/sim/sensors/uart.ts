// A simulated UART behind the ECMA-419 Serial shape (src/sensors/io.ts), fed by a GNSS module
// that emits one NMEA epoch per second. Bytes arrive at the line rate (baud / 10 bytes per
// second: 8N1), in chunks every `chunkMs`, into a bounded RX FIFO (the ESP32 UART driver's
// buffer); the driver hears `onReadable(count)`. A driver opening at the wrong baud rate gets
// framing garbage, as on real hardware.
import type { Clock } from '../../../src/sensors/clock.js';
import type { BufferSource, Serial, SerialConstructor, SerialOptions } from '../../../src/sensors/io.js';
import type { NmeaGenerator } from './nmea.js';
import { Prng } from './prng.js';

export interface SimUartOptions {
  clock: Clock;
  module: NmeaGenerator;
  /** The module's baud rate (default 9600, the NEO-6M default). */
  baud?: number;
  chunkMs?: number;
  fifo?: number;
  prng?: Prng;
}

export class SimUart {
  readonly io: SerialConstructor;
  /** Bytes dropped because the driver did not read in time. */
  overruns = 0;
  /** Bytes the driver wrote (configuration commands to the module). */
  readonly written: Uint8Array[] = [];

  constructor(options: SimUartOptions) {
    const uart = this;
    const { clock, module } = options;
    const baud = options.baud ?? 9600, chunkMs = options.chunkMs ?? 50, capacity = options.fifo ?? 1024;
    const prng = options.prng ?? new Prng(0x0a27);
    this.io = class SimSerial implements Serial {
      #open = true;
      #fifo = new Uint8Array(capacity);
      #count = 0;
      #line: Uint8Array = new Uint8Array(0); // bytes the module has sent but the wire has not yet delivered
      #lineOffset = 0;
      #nextEpoch: number;
      #onReadable: SerialOptions['onReadable'];
      #garbled: boolean;
      constructor(o: SerialOptions) {
        if (!(o?.baud > 0)) throw new RangeError('Serial: baud is required');
        this.#onReadable = o.onReadable;
        this.#garbled = o.baud !== baud;
        this.#nextEpoch = Math.ceil(clock.now() / 1000) * 1000;
        void this.#pump();
      }
      read(count?: number): ArrayBuffer | undefined {
        this.#check();
        if (!this.#count) return undefined;
        const n = Math.min(count ?? this.#count, this.#count);
        const out = this.#fifo.slice(0, n);
        this.#fifo.copyWithin(0, n, this.#count);
        this.#count -= n;
        return out.buffer;
      }
      write(buffer: BufferSource): void {
        this.#check();
        uart.written.push(buffer instanceof ArrayBuffer ? new Uint8Array(buffer.slice(0)) : new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)));
      }
      close(): void { this.#open = false; }
      #check(): void { if (!this.#open) throw new Error('Serial: closed'); }
      async #pump(): Promise<void> {
        const perChunk = Math.max(1, Math.floor((baud / 10) * (chunkMs / 1000)));
        while (this.#open) {
          await clock.delay(chunkMs);
          if (!this.#open) return;
          const now = clock.now();
          while (now >= this.#nextEpoch) {
            const fresh = module.epoch(this.#nextEpoch);
            const rest = this.#line.subarray(this.#lineOffset);
            const line = new Uint8Array(rest.length + fresh.length);
            line.set(rest); line.set(fresh, rest.length);
            this.#line = line; this.#lineOffset = 0;
            this.#nextEpoch += 1000;
          }
          const n = Math.min(perChunk, this.#line.length - this.#lineOffset);
          if (!n) continue;
          for (let i = 0; i < n; i++) {
            const b = this.#garbled ? prng.int(256) : this.#line[this.#lineOffset + i];
            if (this.#count < capacity) this.#fifo[this.#count++] = b; else uart.overruns++;
          }
          this.#lineOffset += n;
          if (this.#onReadable) this.#onReadable.call(this, this.#count);
        }
      }
    };
  }
}
