// A file-backed flash partition for Node: the same NOR semantics as the device (erase → 0xFF,
// a write only clears bits), persisted in one file so `npm start` finds its log again after a
// restart or a kill -9 (the bytes are in the OS page cache as soon as writeSync returns; `sync`
// adds an fsync per operation for a host crash).
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { checkEraseRange, checkFlashAccess, flashBytes, type Flash, type FlashStatus } from '../../src/storage/flash.js';

export interface FileFlashOptions {
  blocks?: number;
  blockLength?: number;
  writeUnit?: number;
  sync?: boolean;
}

export class FileFlash implements Flash {
  readonly path: string;
  readonly writeUnit: number;
  readonly #status: FlashStatus;
  readonly #sync: boolean;
  #fd: number | undefined;

  /** Opens `path`, creating it erased (all 0xFF) if absent; an existing file must have the size. */
  constructor(path: string, o: FileFlashOptions = {}) {
    const blocks = o.blocks ?? 16, blockLength = o.blockLength ?? 4096;
    this.path = path;
    this.writeUnit = o.writeUnit ?? 1;
    this.#sync = o.sync ?? false;
    this.#status = { size: blocks * blockLength, blockLength, blocks };
    const fresh = !existsSync(path);
    this.#fd = openSync(path, fresh ? 'w+' : 'r+');
    if (fresh) {
      const erased = new Uint8Array(blockLength).fill(0xff);
      for (let b = 0; b < blocks; b++) writeSync(this.#fd, erased, 0, blockLength, b * blockLength);
    } else if (fstatSync(this.#fd).size !== this.#status.size) {
      closeSync(this.#fd);
      this.#fd = undefined;
      throw new RangeError(`${path}: ${this.#status.size} bytes expected (${blocks} × ${blockLength})`);
    }
  }

  status(): FlashStatus { return { ...this.#status }; }

  read(length: number, offset: number): ArrayBuffer {
    checkFlashAccess(this.#status, offset, length);
    const out = new Uint8Array(length);
    readSync(this.#open(), out, 0, length, offset);
    return out.buffer;
  }

  write(data: ArrayBuffer | ArrayBufferView, offset: number): void {
    const src = flashBytes(data);
    checkFlashAccess(this.#status, offset, src.length, this.writeUnit);
    const cells = new Uint8Array(this.read(src.length, offset));
    for (let i = 0; i < src.length; i++) cells[i] &= src[i];
    writeSync(this.#open(), cells, 0, cells.length, offset);
    if (this.#sync) fsyncSync(this.#open());
  }

  eraseBlock(from: number, to = from + 1): void {
    checkEraseRange(this.#status, from, to);
    const L = this.#status.blockLength;
    const erased = new Uint8Array(L).fill(0xff);
    for (let b = from; b < to; b++) writeSync(this.#open(), erased, 0, L, b * L);
    if (this.#sync) fsyncSync(this.#open());
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number {
    if (this.#fd === undefined) throw new Error(`${this.path}: flash closed`);
    return this.#fd;
  }
}
