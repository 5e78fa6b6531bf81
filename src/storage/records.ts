// A small record store (claim and configuration records) in the shape of Moddable's
// `preference` / ECMA-419 `embedded:storage/key-value`: named byte values, get/set/delete/names,
// with the ESP32 NVS limits (names ≤ 15 bytes, values ≤ 4,000 bytes) enforced on every host, so
// what works on Node works on the device. `RecordStore` is the interface; `FlashRecords` is the
// implementation on a NOR flash partition (src/storage/flash.ts: SimFlash, FileFlash, the device's
// partition); the device may implement the interface on Moddable's `preference` instead.
//
// Every update — one record or several (`update`) — is atomic across a power cut at any byte:
// after reopening, each update is there whole or not at all, never a mix, never nothing.
//
// Layout. The partition is two banks of blocks/2 blocks each; one is active. A bank starts with a
// header; update records follow at multiples of `align` (4, or the write unit if larger):
//   bank header    16 B  magic 'SKRS' u32 | format u8 | align u8 | 0xFFFF | generation u32 | CRC-32 of the 12 bytes before
//   update header  16 B  0xA5 0x5B | count u16 | payload length u32 | seq u32 | CRC-32 of header[0..12) ‖ payload
//   update payload       count × (name length u8 (0x80: delete) | value length u16 | name | value)
// An update is one record with one CRC, so a torn write fails its check and is ignored whole.
// When the active bank is full, the live set plus the pending update are written into the other
// bank (erased first) and its header goes in last: until that header is complete, the old bank
// (lower generation) is the store; after, the new one is. Big-endian.
import { crc32 } from '../bytes/crc32.js';
import { utf8Decode, utf8Encode } from '../bytes/utf8.js';
import { SpimeError } from '../errors.js';
import type { Flash } from './flash.js';

/** NVS limits (ESP32): key ≤ 15 bytes, a blob ≤ 4,000 bytes. */
export const MAX_RECORD_NAME_BYTES = 15;
export const MAX_RECORD_VALUE_BYTES = 4000;

export const BANK_MAGIC = 0x534b5253; // 'SKRS'
export const RECORDS_FORMAT = 1;
const BANK_HEADER_BYTES = 16;
const UPDATE_HEADER_BYTES = 16;
const UPDATE_MAGIC_0 = 0xa5;
const UPDATE_MAGIC_1 = 0x5b;
const DELETE_FLAG = 0x80;

/** Conditions: `bad-name` (empty, not UTF-8-encodable or over 15 bytes), `value-too-long`
 *  (over 4,000 bytes), `store-full` (the live records and the update do not fit a bank). */
export class RecordStoreError extends SpimeError {}

/** What the spime keeps: named byte values. Implemented on flash here, on `preference` on the device. */
export interface RecordStore {
  /** The value, or undefined when there is no such record. A copy. */
  get(name: string): Uint8Array | undefined;
  /** Replaces (or creates) one record, durably: when this returns it survives a power cut. */
  set(name: string, value: Uint8Array): void;
  /** Removes a record; false when there was none (then nothing is written). */
  delete(name: string): boolean;
  /** Every record's name, sorted. */
  names(): string[];
  /** Several sets (a value) and deletes (undefined) applied atomically: all survive a cut or none. */
  update(changes: ReadonlyArray<readonly [string, Uint8Array | undefined]>): void;
}

/** The name's bytes after checking the NVS limit; throws RecordStoreError `bad-name`. */
export function checkRecordName(name: string): Uint8Array {
  const bytes = typeof name === 'string' ? utf8Encode(name) : undefined;
  if (!bytes || bytes.length === 0 || bytes.length > MAX_RECORD_NAME_BYTES) {
    throw new RecordStoreError('bad-name', `record name must be 1..${MAX_RECORD_NAME_BYTES} bytes`);
  }
  return bytes;
}

export function checkRecordValue(name: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new RecordStoreError('bad-value', `record ${name}: value must be bytes`);
  if (value.length > MAX_RECORD_VALUE_BYTES) {
    throw new RecordStoreError('value-too-long', `record ${name}: ${value.length} bytes (max ${MAX_RECORD_VALUE_BYTES})`);
  }
}

/** A RecordStore in memory, for tests and hosts without flash; the same limits. */
export class MemoryRecords implements RecordStore {
  readonly #map = new Map<string, Uint8Array>();
  get(name: string): Uint8Array | undefined { checkRecordName(name); return this.#map.get(name)?.slice(); }
  set(name: string, value: Uint8Array): void { this.update([[name, value]]); }
  delete(name: string): boolean {
    checkRecordName(name);
    return this.#map.delete(name);
  }
  names(): string[] { return [...this.#map.keys()].sort(); }
  update(changes: ReadonlyArray<readonly [string, Uint8Array | undefined]>): void {
    for (const [name, value] of changes) { checkRecordName(name); if (value) checkRecordValue(name, value); }
    for (const [name, value] of changes) value ? this.#map.set(name, value.slice()) : this.#map.delete(name);
  }
}

function alignUp(n: number, a: number): number { return Math.ceil(n / a) * a; }
function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
function put32(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff; }

export interface FlashRecordsOptions {
  /** The partition's write unit (16 with ESP32 flash encryption); default 1. */
  writeUnit?: number;
}

export interface FlashRecordsStatus {
  /** The active bank (0 or 1) and its generation. */
  bank: number;
  generation: number;
  /** Bytes used in the active bank, and its size. */
  used: number;
  bankBytes: number;
  /** Torn or corrupt update records skipped when opening. */
  skipped: number;
}

type Change = readonly [Uint8Array, Uint8Array | undefined];

export class FlashRecords implements RecordStore {
  readonly #flash: Flash;
  readonly #L: number;
  readonly #bankBlocks: number;
  readonly #bankBytes: number;
  readonly #align: number;
  readonly #headerBytes: number;
  /** Live records by name. Bounded: at most one bank's worth of bytes. */
  readonly #live = new Map<string, Uint8Array>();
  #bank = 0;
  #generation = 0;
  #pos = 0;
  #seq = 0;
  #skipped = 0;

  /** Opens the store on `flash` (recovering after a cut, formatting a partition with no valid bank). */
  constructor(flash: Flash, o: FlashRecordsOptions = {}) {
    this.#flash = flash;
    const { blocks, blockLength } = flash.status();
    this.#align = Math.max(4, o.writeUnit ?? 1);
    this.#L = blockLength;
    this.#bankBlocks = Math.floor(blocks / 2);
    this.#bankBytes = this.#bankBlocks * blockLength;
    this.#headerBytes = alignUp(BANK_HEADER_BYTES, this.#align);
    // a bank must take its header and one largest record
    const needed = this.#headerBytes + alignUp(UPDATE_HEADER_BYTES + 3 + MAX_RECORD_NAME_BYTES + MAX_RECORD_VALUE_BYTES, this.#align);
    if (this.#bankBlocks < 1 || blockLength % this.#align || this.#bankBytes < needed) {
      throw new RangeError(`record store: needs 2 banks of >= ${needed} bytes (got ${blocks} × ${blockLength})`);
    }
    this.#open();
  }

  status(): FlashRecordsStatus {
    return { bank: this.#bank, generation: this.#generation, used: this.#pos, bankBytes: this.#bankBytes, skipped: this.#skipped };
  }

  get(name: string): Uint8Array | undefined {
    checkRecordName(name);
    return this.#live.get(name)?.slice();
  }

  set(name: string, value: Uint8Array): void { this.update([[name, value]]); }

  delete(name: string): boolean {
    checkRecordName(name);
    if (!this.#live.has(name)) return false;
    this.update([[name, undefined]]);
    return true;
  }

  names(): string[] { return [...this.#live.keys()].sort(); }

  update(changes: ReadonlyArray<readonly [string, Uint8Array | undefined]>): void {
    // every check before the first byte is written: a refused update changes nothing
    const encoded: Change[] = [];
    for (const [name, value] of changes) {
      const nameBytes = checkRecordName(name);
      if (value !== undefined) checkRecordValue(name, value);
      encoded.push([nameBytes, value]);
    }
    if (encoded.length === 0) return;
    const record = this.#encode(encoded, this.#seq + 1);
    if (this.#pos + record.length <= this.#bankBytes) {
      this.#write(this.#bank, this.#pos, record);
      this.#pos += record.length;
    } else {
      this.#compact(changes);
    }
    this.#seq++;
    for (const [name, value] of changes) value ? this.#live.set(name, value.slice()) : this.#live.delete(name);
  }

  // --- opening

  #open(): void {
    const banks = [this.#readBankHeader(0), this.#readBankHeader(1)];
    let active = -1;
    for (let b = 0; b < 2; b++) {
      const g = banks[b];
      if (g !== undefined && (active < 0 || g > banks[active]!)) active = b;
    }
    if (active < 0) {
      this.#format();
      return;
    }
    this.#bank = active;
    this.#generation = banks[active]!;
    this.#scan(active);
  }

  #format(): void {
    this.#eraseBank(0);
    this.#bank = 0;
    this.#generation = 1;
    this.#write(0, 0, this.#bankHeader(1));
    this.#pos = this.#headerBytes;
  }

  #readBankHeader(bank: number): number | undefined {
    const h = new Uint8Array(this.#flash.read(BANK_HEADER_BYTES, bank * this.#bankBytes));
    if (u32(h, 0) !== BANK_MAGIC || h[4] !== RECORDS_FORMAT || h[5] !== this.#align) return undefined;
    if (crc32(h, 0, 12) !== u32(h, 12)) return undefined;
    return u32(h, 8);
  }

  /** Replays the active bank's valid updates in order; appends go past the last programmed byte. */
  #scan(bank: number): void {
    const bytes = new Uint8Array(this.#flash.read(this.#bankBytes, bank * this.#bankBytes));
    let programmed = this.#headerBytes;
    for (let i = bytes.length - 1; i >= this.#headerBytes; i--) if (bytes[i] !== 0xff) { programmed = alignUp(i + 1, this.#align); break; }
    let end = programmed, p = this.#headerBytes, inGarbage = false;
    while (p + UPDATE_HEADER_BYTES <= programmed) {
      const size = this.#validUpdateAt(bytes, p);
      if (size > 0) {
        this.#apply(bytes, p);
        p += size;
        if (p > end) end = p;
        inGarbage = false;
        continue;
      }
      if (!inGarbage) this.#skipped++;
      inGarbage = true;
      p += this.#align;
    }
    this.#pos = end;
  }

  /** The record's size in the bank when a complete, valid update starts at `p`; else 0. */
  #validUpdateAt(bytes: Uint8Array, p: number): number {
    if (bytes[p] !== UPDATE_MAGIC_0 || bytes[p + 1] !== UPDATE_MAGIC_1) return 0;
    const length = u32(bytes, p + 4);
    if (length > bytes.length) return 0;
    const size = alignUp(UPDATE_HEADER_BYTES + length, this.#align);
    if (p + size > bytes.length) return 0;
    const crc = crc32(bytes, p + UPDATE_HEADER_BYTES, p + UPDATE_HEADER_BYTES + length, crc32(bytes, p, p + 12));
    if (crc !== u32(bytes, p + 12)) return 0;
    // a valid CRC over entries that do not parse is a bug or a forgery: skip the whole record
    return this.#entries(bytes, p) ? size : 0;
  }

  #entries(bytes: Uint8Array, p: number): Array<[string, Uint8Array | undefined]> | undefined {
    const count = (bytes[p + 2] << 8) | bytes[p + 3];
    const end = p + UPDATE_HEADER_BYTES + u32(bytes, p + 4);
    const out: Array<[string, Uint8Array | undefined]> = [];
    let q = p + UPDATE_HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      if (q + 3 > end) return undefined;
      const nameLength = bytes[q] & ~DELETE_FLAG, del = (bytes[q] & DELETE_FLAG) !== 0;
      const valueLength = (bytes[q + 1] << 8) | bytes[q + 2];
      q += 3;
      if (nameLength === 0 || nameLength > MAX_RECORD_NAME_BYTES || valueLength > MAX_RECORD_VALUE_BYTES || q + nameLength + valueLength > end) return undefined;
      const name = utf8Decode(bytes.subarray(q, q + nameLength));
      if (name === undefined) return undefined;
      q += nameLength;
      out.push([name, del ? undefined : bytes.slice(q, q + valueLength)]);
      q += valueLength;
    }
    return q === end ? out : undefined;
  }

  #apply(bytes: Uint8Array, p: number): void {
    const seq = u32(bytes, p + 8);
    if (seq > this.#seq) this.#seq = seq;
    for (const [name, value] of this.#entries(bytes, p)!) value ? this.#live.set(name, value) : this.#live.delete(name);
  }

  // --- writing

  #encode(changes: readonly Change[], seq: number): Uint8Array {
    let length = 0;
    for (const [name, value] of changes) length += 3 + name.length + (value?.length ?? 0);
    const r = new Uint8Array(alignUp(UPDATE_HEADER_BYTES + length, this.#align)).fill(0xff);
    r[0] = UPDATE_MAGIC_0;
    r[1] = UPDATE_MAGIC_1;
    r[2] = changes.length >> 8;
    r[3] = changes.length & 0xff;
    put32(r, 4, length);
    put32(r, 8, seq);
    let q = UPDATE_HEADER_BYTES;
    for (const [name, value] of changes) {
      r[q] = name.length | (value ? 0 : DELETE_FLAG);
      const n = value?.length ?? 0;
      r[q + 1] = n >> 8;
      r[q + 2] = n & 0xff;
      r.set(name, q + 3);
      if (value) r.set(value, q + 3 + name.length);
      q += 3 + name.length + n;
    }
    put32(r, 12, crc32(r, UPDATE_HEADER_BYTES, UPDATE_HEADER_BYTES + length, crc32(r, 0, 12)));
    return r;
  }

  /** Writes the live set with `changes` applied into the other bank, then its header: the switch. */
  #compact(changes: ReadonlyArray<readonly [string, Uint8Array | undefined]>): void {
    const next = new Map(this.#live);
    for (const [name, value] of changes) value ? next.set(name, value) : next.delete(name);
    const records: Uint8Array[] = [];
    let size = this.#headerBytes;
    const seq = this.#seq + 1;
    // one record per name, so a set of many large values still fits record by record
    for (const name of [...next.keys()].sort()) {
      const r = this.#encode([[utf8Encode(name), next.get(name)!]], seq);
      records.push(r);
      size += r.length;
    }
    if (size > this.#bankBytes) throw new RecordStoreError('store-full', `records need ${size} bytes, a bank holds ${this.#bankBytes}`);
    const target = 1 - this.#bank;
    this.#eraseBank(target);
    let pos = this.#headerBytes;
    for (const r of records) { this.#write(target, pos, r); pos += r.length; }
    this.#write(target, 0, this.#bankHeader(this.#generation + 1));
    this.#bank = target;
    this.#generation++;
    this.#pos = pos;
  }

  #bankHeader(generation: number): Uint8Array {
    const h = new Uint8Array(this.#headerBytes).fill(0xff);
    put32(h, 0, BANK_MAGIC);
    h[4] = RECORDS_FORMAT;
    h[5] = this.#align;
    put32(h, 8, generation);
    put32(h, 12, crc32(h, 0, 12));
    return h;
  }

  #eraseBank(bank: number): void {
    const from = bank * this.#bankBlocks;
    const bytes = new Uint8Array(this.#flash.read(this.#bankBytes, bank * this.#bankBytes));
    // skip erasing what is erased already (wear, and time on the device)
    for (let b = 0; b < this.#bankBlocks; b++) {
      for (let i = b * this.#L; i < (b + 1) * this.#L; i++) {
        if (bytes[i] !== 0xff) { this.#flash.eraseBlock(from + b); break; }
      }
    }
  }

  #write(bank: number, offset: number, bytes: Uint8Array): void {
    this.#flash.write(bytes, bank * this.#bankBytes + offset);
  }
}
