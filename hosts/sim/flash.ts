// An in-memory NOR flash partition with power cuts, for the log's tests and the simulation
// (platform-neutral: runs on Node and XS). Every written byte and every erase is one "tick";
// `cutAt(n)` makes the n-th tick from now lose power in the middle:
// - a write stops there: the bytes before it are written, the byte at the cut is partly
//   programmed (some of its bits cleared), the rest are as before. With `writeUnit` 16 (flash
//   encryption) whole units before the cut are written and the unit at the cut is garbage.
// - an erase stops there: the block is left undefined — each byte erased, untouched or random
//   (seeded), as an interrupted NOR erase leaves its cells.
// After a cut the partition is dead (every call throws PowerCut) until `revive()`: the reboot.
// The cells (`bytes`) survive it; open a fresh FlashLog on the same object to recover.
import { checkEraseRange, checkFlashAccess, flashBytes, type Flash, type FlashStatus } from '../../src/storage/flash.js';
import { Prng } from './sensors/prng.js';

export class PowerCut extends Error {
  constructor() {
    super('power cut (simulated)');
    Object.defineProperty(this, 'name', { value: 'PowerCut', writable: true, configurable: true });
  }
}

export interface SimFlashOptions {
  blocks?: number;
  blockLength?: number;
  /** 16 models ESP32 flash encryption: aligned 16-byte units only. Default 1. */
  writeUnit?: number;
  /** Throw on a write over bytes that are not erased (default true): the log never does that, and
   *  with flash encryption it would corrupt the unit. false: NOR AND semantics silently. */
  strict?: boolean;
  seed?: number;
}

export class SimFlash implements Flash {
  readonly bytes: Uint8Array;
  readonly writeUnit: number;
  /** Erases per block since creation (wear). */
  readonly eraseCounts: number[];
  /** Ticks so far: written bytes + erases. */
  ticks = 0;
  writes = 0;
  dead = false;
  readonly #status: FlashStatus;
  readonly #strict: boolean;
  readonly #prng: Prng;
  #cutAtTick: number | undefined;

  constructor(o: SimFlashOptions = {}) {
    const blocks = o.blocks ?? 16, blockLength = o.blockLength ?? 4096;
    this.writeUnit = o.writeUnit ?? 1;
    if (!(blocks >= 2 && blockLength >= 64 && blockLength % this.writeUnit === 0)) throw new RangeError('SimFlash: blocks >= 2, blockLength >= 64, a multiple of writeUnit');
    this.#status = { size: blocks * blockLength, blockLength, blocks };
    this.bytes = new Uint8Array(blocks * blockLength).fill(0xff);
    this.eraseCounts = new Array<number>(blocks).fill(0);
    this.#strict = o.strict ?? true;
    this.#prng = new Prng(o.seed ?? 1);
  }

  status(): FlashStatus { return { ...this.#status }; }

  /** Power fails during the tick `n` ticks from now (0: the very next one); undefined: never. */
  cutAt(n: number | undefined): void { this.#cutAtTick = n === undefined ? undefined : this.ticks + n; }

  /** Power is back: the partition works again, with whatever the cut left in its cells. */
  revive(): void { this.dead = false; this.#cutAtTick = undefined; }

  read(length: number, offset: number): ArrayBuffer {
    this.#alive();
    checkFlashAccess(this.#status, offset, length);
    return this.bytes.slice(offset, offset + length).buffer;
  }

  write(data: ArrayBuffer | ArrayBufferView, offset: number): void {
    this.#alive();
    const src = flashBytes(data);
    checkFlashAccess(this.#status, offset, src.length, this.writeUnit);
    if (this.#strict) {
      for (let i = 0; i < src.length; i++) {
        if (this.bytes[offset + i] !== 0xff) throw new RangeError(`flash write over programmed byte at ${offset + i}`);
      }
    }
    this.writes++;
    const cut = this.#cutAtTick !== undefined && this.#cutAtTick < this.ticks + src.length ? this.#cutAtTick - this.ticks : -1;
    const n = cut < 0 ? src.length : cut;
    if (this.writeUnit > 1) {
      const whole = n - (n % this.writeUnit);
      for (let i = 0; i < whole; i++) this.bytes[offset + i] &= src[i];
      if (cut >= 0) for (let i = whole; i < whole + this.writeUnit; i++) this.bytes[offset + i] &= this.#prng.int(256);
    } else {
      for (let i = 0; i < n; i++) this.bytes[offset + i] &= src[i];
      if (cut >= 0) this.bytes[offset + n] &= src[n] | this.#prng.int(256);
    }
    if (cut >= 0) this.#die(cut + 1);
    this.ticks += src.length;
  }

  eraseBlock(from: number, to = from + 1): void {
    this.#alive();
    checkEraseRange(this.#status, from, to);
    const L = this.#status.blockLength;
    for (let b = from; b < to; b++) {
      if (this.#cutAtTick !== undefined && this.#cutAtTick <= this.ticks) {
        for (let i = b * L; i < (b + 1) * L; i++) {
          const r = this.#prng.int(3);
          if (r === 0) this.bytes[i] = 0xff;
          else if (r === 1) this.bytes[i] = this.#prng.int(256);
        }
        this.eraseCounts[b]++;
        this.#die(1);
      }
      this.bytes.fill(0xff, b * L, (b + 1) * L);
      this.eraseCounts[b]++;
      this.ticks++;
    }
  }

  #alive(): void { if (this.dead) throw new PowerCut(); }

  #die(ticks: number): never {
    this.ticks += ticks;
    this.dead = true;
    this.#cutAtTick = undefined;
    throw new PowerCut();
  }
}
