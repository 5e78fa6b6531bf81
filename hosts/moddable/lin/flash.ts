// A file-backed flash partition with the semantics of ECMA-419 `embedded:storage/flash` on the
// ESP32 (src/storage/flash.ts): erase to 0xFF in blocks, NOR AND writes, bounds as RangeErrors.
// The Linux target has no flash; the file survives a kill -9 (writes reach the page cache when
// write() returns), which is what the device tier's restart test relies on.
import { NativeFileFlash } from 'spimekit/host/lin/native';
import { checkEraseRange, checkFlashAccess, type Flash, type FlashStatus } from 'spimekit/storage/flash';

export class FileFlash implements Flash {
  readonly #cells: NativeFileFlash;
  readonly #status: FlashStatus;

  constructor(path: string, blocks = 16, blockLength = 4096) {
    this.#status = { size: blocks * blockLength, blockLength, blocks };
    this.#cells = new NativeFileFlash(path, blocks, blockLength);
  }

  status(): FlashStatus { return { ...this.#status }; }

  read(length: number, offset: number): ArrayBuffer {
    checkFlashAccess(this.#status, offset, length);
    return this.#cells.read(length, offset);
  }

  write(data: ArrayBuffer | ArrayBufferView, offset: number): void {
    checkFlashAccess(this.#status, offset, data.byteLength);
    this.#cells.write(data, offset);
  }

  eraseBlock(from: number, to = from + 1): void {
    checkEraseRange(this.#status, from, to);
    this.#cells.erase(from, to);
  }

  close(): void { this.#cells.close(); }
}
