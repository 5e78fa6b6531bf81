// A flash partition in the shape of ECMA-419's `embedded:storage/flash` instance (Moddable:
// `flash.open({path})`): byte-addressed `read`/`write`, whole-block `eraseBlock`, and `status()`.
// NOR semantics, which everything above relies on and the host simulations enforce:
// - erase sets every byte of a block to 0xFF (4,096-byte blocks on ESP32 SPI flash);
// - a write can only clear bits (new = old AND data); setting bits needs an erase;
// - with flash encryption (ESP32), writes go in 16-byte units at 16-byte aligned offsets and a
//   unit cannot be usefully rewritten, so the log writes every unit once per erase.
// A power cut may stop any write after any byte (a prefix is written, the rest is as before) and
// may leave a block whose erase was interrupted in an undefined state.

export interface FlashStatus {
  /** Bytes in the partition. */
  size: number;
  /** Bytes in one erase block (sector). */
  blockLength: number;
  /** size / blockLength. */
  blocks: number;
}

export interface Flash {
  /** `length` bytes from `offset` (ECMA-419 also lets a buffer be passed to fill). */
  read(length: number, offset: number): ArrayBuffer;
  write(data: ArrayBuffer | ArrayBufferView, offset: number): void;
  /** Erases blocks [from, to); `to` defaults to from + 1. */
  eraseBlock(from: number, to?: number): void;
  status(): FlashStatus;
  close?(): void;
}

/** The bytes of a write, whatever view the caller passed. */
export function flashBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Caller mistakes (out of range, misaligned) are RangeErrors, as ECMA-419 hosts throw them. */
export function checkFlashAccess(status: FlashStatus, offset: number, length: number, writeUnit = 1): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > status.size) {
    throw new RangeError(`flash access [${offset}, ${offset + length}) outside [0, ${status.size})`);
  }
  if (writeUnit > 1 && (offset % writeUnit || length % writeUnit)) {
    throw new RangeError(`flash write at ${offset}, ${length} bytes: not in ${writeUnit}-byte aligned units`);
  }
}

export function checkEraseRange(status: FlashStatus, from: number, to: number): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to > status.blocks) {
    throw new RangeError(`flash erase of blocks [${from}, ${to}) outside [0, ${status.blocks})`);
  }
}
