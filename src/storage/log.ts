// A store-and-forward log on a NOR flash partition (src/storage/flash.ts): entries are appended
// durably, read back in order, and leave only when acknowledged. Power may fail at any byte of
// any write or erase; opening the log again recovers what had been written completely.
//
// Layout. The partition's blocks are a ring, used strictly in order, so every block is erased
// equally often (wear). A block in use starts with a header; records follow, each starting at a
// multiple of `align` (4, or the write unit if larger):
//   block header  16 B  magic 'SKLG' u32 | format u8 | align u8 | 0xFFFF | block seq u32 | CRC-32 of the 12 bytes before
//   record header 12 B  0xA5 0x5A | type u8 | length u8 | seq u32 | CRC-32 of header[0..8) ‖ payload
//   record payload      `length` bytes, then 0xFF up to the next multiple of `align`
// Types: ENTRY (seq = the entry's sequence number, consecutive from 0), MARK (payload tail u32,
// dropped u32: every entry below `tail` is gone — acknowledged or dropped — and `dropped` counts
// the dropped ones), STATE (an opaque application blob: the newest one wins). Big-endian.
//
// Every byte is written once per erase (never rewritten), which also suits flash encryption's
// 16-byte units. What survives a cut:
// - a torn record fails its CRC and is skipped; appends continue after the last programmed byte,
//   so a torn tail costs a few bytes, never an erase;
// - the newest block starts with a checkpoint (MARK + STATE), and opening the log writes one into
//   the head block if it lacks it, so erasing the oldest block never loses the acknowledged state;
// - before the oldest block is erased to make room, a MARK with its un-acknowledged entries
//   counted as dropped goes into room kept free at the end of the head block for exactly that;
//   an interrupted erase leaves garbage (no valid header) that is erased again when reached.
// Opening reads every block once (bounded: the partition's size) and erases at most one block
// (a head block too full to take its checkpoint). When full, appending drops the oldest
// un-sent entries — a whole block of them, counted — so the newest entry always fits.
import { crc32 } from '../bytes/crc32.js';
import type { Flash } from './flash.js';

export const BLOCK_MAGIC = 0x534b4c47; // 'SKLG'
export const LOG_FORMAT = 1;
export const BLOCK_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 12;
export const RECORD_MAGIC_0 = 0xa5;
export const RECORD_MAGIC_1 = 0x5a;
export const MAX_PAYLOAD = 255;

export const enum RecordType { Entry = 1, Mark = 2, State = 3 }

const MARK_BYTES = 8;

export interface LogOptions {
  /** The partition's write unit (16 with ESP32 flash encryption); default 1. */
  writeUnit?: number;
  /** Largest entry or STATE payload, ≤ 255 (default); a block must hold a checkpoint and one such entry. */
  maxPayload?: number;
  /** Entries were dropped to make room for newer ones: seqs [first, last]. */
  onDrop?: (count: number, first: number, last: number) => void;
}

export interface LogEntry {
  seq: number;
  payload: Uint8Array;
}

export interface LogStatus {
  /** Entries appended and not yet acknowledged (nor dropped). */
  pending: number;
  /** The oldest pending entry's seq (= nextSeq when none). */
  tail: number;
  nextSeq: number;
  /** Entries dropped to make room, over the log's life (persisted). */
  dropped: number;
  blocks: number;
  blockLength: number;
  /** Block erases since this log object was opened. */
  erases: number;
  /** What opening found: blocks with a valid header, records skipped as torn or garbage. */
  recovered: { validBlocks: number; skippedRecords: number; repairErases: number };
}

interface Block {
  seq: number;
  /** Entry seqs held: first..last (last < first when none). */
  first: number;
  last: number;
}

function alignUp(n: number, a: number): number { return Math.ceil(n / a) * a; }

function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
function put32(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff; }

/** Bytes a record with `payloadBytes` of payload takes in flash. */
export function recordBytes(payloadBytes: number, writeUnit = 1): number {
  return alignUp(RECORD_HEADER_BYTES + payloadBytes, Math.max(4, writeUnit));
}

interface Scan {
  /** Where the next record may go: past the last programmed byte and the last valid record. */
  end: number;
  skipped: number;
}

/** Visits the valid records of one block's bytes, skipping anything that fails its check. */
function scanRecords(bytes: Uint8Array, start: number, align: number, visit: (type: number, seq: number, payload: number, length: number, offset: number) => void): Scan {
  const L = bytes.length;
  let programmed = start;
  for (let i = L - 1; i >= start; i--) if (bytes[i] !== 0xff) { programmed = alignUp(i + 1, align); break; }
  let end = programmed, skipped = 0, p = start, inGarbage = false;
  while (p + RECORD_HEADER_BYTES <= programmed) {
    if (bytes[p] === RECORD_MAGIC_0 && bytes[p + 1] === RECORD_MAGIC_1) {
      const length = bytes[p + 3];
      const size = alignUp(RECORD_HEADER_BYTES + length, align);
      if (p + size <= L) {
        let crc = crc32(bytes, p, p + 8);
        crc = crc32(bytes, p + RECORD_HEADER_BYTES, p + RECORD_HEADER_BYTES + length, crc);
        if (crc === u32(bytes, p + 8)) {
          visit(bytes[p + 2], u32(bytes, p + 4), p + RECORD_HEADER_BYTES, length, p);
          p += size;
          if (p > end) end = p;
          inGarbage = false;
          continue;
        }
      }
    }
    if (!inGarbage) skipped++;
    inGarbage = true;
    p += align;
  }
  return { end, skipped };
}

export class FlashLog {
  readonly #flash: Flash;
  readonly #o: LogOptions;
  readonly #L: number;
  readonly #B: number;
  readonly #align: number;
  readonly #writeUnit: number;
  readonly #headerBytes: number;
  readonly #markBytes: number;
  readonly #maxPayload: number;
  /** Blocks by index: undefined = free, or garbage to be erased when reached. */
  readonly #blocks: (Block | undefined)[];
  #head = 0;
  #pos = 0;
  #tail = 0;
  #dropped = 0;
  #nextSeq = 0;
  #state: Uint8Array | undefined;
  /** The newest MARK on flash. */
  #markTail = 0;
  #markDropped = 0;
  /** The head block holds a MARK equal to the current values / the current STATE. */
  #headHasMark = false;
  #headHasState = false;
  #erases = 0;
  #recovered = { validBlocks: 0, skippedRecords: 0, repairErases: 0 };

  /** Opens (recovers, or formats a partition with no valid block) the log on `flash`. */
  constructor(flash: Flash, o: LogOptions = {}) {
    this.#flash = flash;
    this.#o = o;
    const { blockLength, blocks } = flash.status();
    this.#writeUnit = o.writeUnit ?? 1;
    this.#align = Math.max(4, this.#writeUnit);
    this.#L = blockLength;
    this.#B = blocks;
    this.#headerBytes = alignUp(BLOCK_HEADER_BYTES, this.#align);
    this.#markBytes = recordBytes(MARK_BYTES, this.#writeUnit);
    this.#maxPayload = o.maxPayload ?? MAX_PAYLOAD;
    if (!(this.#maxPayload >= MARK_BYTES && this.#maxPayload <= MAX_PAYLOAD)) throw new RangeError(`flash log: maxPayload ${this.#maxPayload} outside [${MARK_BYTES}, ${MAX_PAYLOAD}]`);
    // a fresh block takes its header, a checkpoint (MARK + STATE), one largest entry and the kept room
    const needed = this.#headerBytes + 2 * this.#markBytes + 2 * recordBytes(this.#maxPayload, this.#writeUnit);
    if (blocks < 2 || blockLength % this.#align || blockLength < needed) {
      throw new RangeError(`flash log: needs >= 2 blocks of >= ${needed} bytes, a multiple of ${this.#align} (got ${blocks} × ${blockLength})`);
    }
    this.#blocks = new Array<Block | undefined>(blocks).fill(undefined);
    this.#recover();
  }

  /** Largest entry or STATE payload. */
  get maxPayload(): number { return this.#maxPayload; }

  get pending(): number { return this.#nextSeq - this.#tail; }
  get tail(): number { return this.#tail; }
  get nextSeq(): number { return this.#nextSeq; }
  get dropped(): number { return this.#dropped; }
  /** The newest application STATE blob (survives reboots and the ring's turning). */
  get state(): Uint8Array | undefined { return this.#state?.slice(); }

  status(): LogStatus {
    return {
      pending: this.pending, tail: this.#tail, nextSeq: this.#nextSeq, dropped: this.#dropped,
      blocks: this.#B, blockLength: this.#L, erases: this.#erases, recovered: { ...this.#recovered },
    };
  }

  /** Appends one entry; when this returns it is in flash. Returns its seq. */
  append(payload: Uint8Array): number {
    if (payload.length > this.#maxPayload) throw new RangeError(`flash log: entry of ${payload.length} bytes (max ${this.#maxPayload})`);
    this.#ensureRoom(recordBytes(payload.length, this.#writeUnit));
    const seq = this.#nextSeq;
    this.#writeRecord(RecordType.Entry, seq, payload);
    this.#nextSeq = seq + 1;
    const head = this.#blocks[this.#head]!;
    if (head.last < head.first) head.first = seq;
    head.last = seq;
    return seq;
  }

  /** Would appending an entry of `payloadLength` bytes now drop an unacknowledged one? */
  wouldDrop(payloadLength: number): boolean {
    if (this.#pos + recordBytes(payloadLength, this.#writeUnit) + this.#markBytes <= this.#L) return false;
    const old = this.#blocks[(this.#head + 1) % this.#B];
    return !!old && old.last >= old.first && old.last >= this.#tail;
  }

  /** Every entry up to and including `seq` has been delivered: they leave the log (persisted). */
  acknowledge(seq: number): void {
    if (!Number.isInteger(seq) || seq >= this.#nextSeq) throw new RangeError(`flash log: acknowledge(${seq}) beyond the last entry ${this.#nextSeq - 1}`);
    if (seq < this.#tail) return;
    this.#tail = seq + 1;
    this.#headHasMark = false;
    this.#persistMark();
  }

  /** Replaces the application STATE blob (persisted, at most MAX_PAYLOAD bytes). */
  setState(payload: Uint8Array): void {
    if (payload.length > this.#maxPayload) throw new RangeError(`flash log: state of ${payload.length} bytes (max ${this.#maxPayload})`);
    this.#state = payload.slice();
    this.#headHasState = false;
    this.#ensureRoom(recordBytes(payload.length, this.#writeUnit));
    if (!this.#headHasState) this.#writeState();
  }

  /** Up to `max` pending entries from `from` on (default: the tail), oldest first. */
  read(max: number, from = this.#tail): LogEntry[] {
    const start = Math.max(from, this.#tail);
    const out: LogEntry[] = [];
    if (max <= 0 || start >= this.#nextSeq) return out;
    for (const index of this.#ringOrder()) {
      const block = this.#blocks[index]!;
      if (block.last < block.first || block.last < start) continue;
      const bytes = this.#readBlock(index);
      scanRecords(bytes, this.#headerBytes, this.#align, (type, seq, payload, length) => {
        if (type === RecordType.Entry && seq >= start && seq >= block.first && seq <= block.last && out.length < max) out.push({ seq, payload: bytes.slice(payload, payload + length) });
      });
      if (out.length >= max) break;
    }
    return out;
  }

  // --- recovery

  #recover(): void {
    const headerBytes = this.#headerBytes;
    let headIndex = -1, headSeq = -1;
    let maxEntry = -1, maxOther = -1;
    let stateAt = -1, stateBlockSeq = -1;
    const marksIn = new Map<number, Array<[number, number]>>();
    const ends = new Map<number, number>();
    for (let index = 0; index < this.#B; index++) {
      const bytes = this.#readBlock(index);
      const seq = this.#parseHeader(bytes);
      if (seq === undefined) continue;
      this.#recovered.validBlocks++;
      const block: Block = { seq, first: 0, last: -1 };
      const marks: Array<[number, number]> = [];
      const scan = scanRecords(bytes, headerBytes, this.#align, (type, rseq, payload, length, offset) => {
        if (type === RecordType.Entry) {
          if (block.last < block.first) block.first = rseq;
          block.last = rseq;
          if (rseq > maxEntry) maxEntry = rseq;
        } else if (rseq > maxOther) maxOther = rseq;
        if (type === RecordType.Mark && length === MARK_BYTES) {
          const tail = u32(bytes, payload), dropped = u32(bytes, payload + 4);
          marks.push([tail, dropped]);
          if (tail > this.#tail) this.#tail = tail;
          if (dropped > this.#dropped) this.#dropped = dropped;
        } else if (type === RecordType.State) {
          if (seq > stateBlockSeq || (seq === stateBlockSeq && offset > stateAt)) {
            stateBlockSeq = seq;
            stateAt = offset;
            this.#state = bytes.slice(payload, payload + length);
          }
        }
      });
      this.#recovered.skippedRecords += scan.skipped;
      this.#blocks[index] = block;
      marksIn.set(index, marks);
      ends.set(index, scan.end);
      if (seq > headSeq) { headSeq = seq; headIndex = index; }
    }
    this.#markTail = this.#tail;
    this.#markDropped = this.#dropped;
    // MARK and STATE records carry the next seq when written: no seq is reused after an erase.
    this.#nextSeq = Math.max(maxEntry + 1, this.#tail, maxOther);
    // Entries between the tail and the oldest one present went with an erased block whose MARK
    // never made it to flash: they are dropped, and counted now.
    let oldest = this.#nextSeq;
    for (const b of this.#blocks) if (b && b.last >= b.first && b.last >= this.#tail) oldest = Math.min(oldest, Math.max(b.first, this.#tail));
    if (oldest > this.#tail) {
      const count = oldest - this.#tail;
      this.#dropped += count;
      this.#o.onDrop?.(count, this.#tail, oldest - 1);
      this.#tail = oldest;
    }
    if (headIndex < 0) {
      this.#format();
      return;
    }
    this.#head = headIndex;
    this.#pos = ends.get(headIndex)!;
    this.#headHasMark = marksIn.get(headIndex)!.some(([t, d]) => t === this.#tail && d === this.#dropped);
    this.#headHasState = this.#state === undefined || stateBlockSeq === headSeq;
    const erasesBefore = this.#erases;
    // The kept room was used by a MARK before an erase that did not finish: finish it now, while
    // the values on flash are the current ones (so the turn needs no MARK of its own).
    if (this.#pos + this.#markBytes > this.#L) this.#advance();
    // The head must hold the current checkpoint before the ring may turn past older copies.
    if (!this.#headHasMark) this.#persistMark();
    if (!this.#headHasState) { this.#ensureRoom(recordBytes(this.#state!.length, this.#writeUnit)); if (!this.#headHasState) this.#writeState(); }
    this.#recovered.repairErases = this.#erases - erasesBefore;
  }

  #parseHeader(bytes: Uint8Array): number | undefined {
    if (u32(bytes, 0) !== BLOCK_MAGIC || bytes[4] !== LOG_FORMAT || bytes[5] !== this.#align) return undefined;
    if (crc32(bytes, 0, 12) !== u32(bytes, 12)) return undefined;
    return u32(bytes, 8);
  }

  #format(): void {
    this.#head = 0;
    this.#startBlock(0, 1);
    this.#recovered.repairErases = this.#erases;
  }

  // --- writing

  /** Room for `size` bytes in the head block, keeping the pre-erase MARK's room; else turn the ring. */
  #ensureRoom(size: number): void {
    if (this.#pos + size + this.#markBytes <= this.#L) return;
    this.#advance();
  }

  #persistMark(): void {
    this.#ensureRoom(this.#markBytes);
    if (this.#headHasMark) return; // the ring turned and the new block's checkpoint has it
    this.#writeMark();
  }

  /** Opens the next block of the ring, dropping (and counting) its un-acknowledged entries. */
  #advance(): void {
    const next = (this.#head + 1) % this.#B;
    const old = this.#blocks[next];
    if (old && old.last >= old.first && old.last >= this.#tail) {
      const first = Math.max(old.first, this.#tail);
      const count = old.last - first + 1;
      this.#dropped += count;
      this.#tail = old.last + 1;
      this.#o.onDrop?.(count, first, old.last);
    }
    // Written into the head's kept room, before the erase: an interrupted erase loses nothing.
    // (The room is gone only when that very MARK was torn by a cut; opening then turns the ring
    // at once, and recovery counts entries missing below the oldest one left as dropped.)
    if ((this.#tail !== this.#markTail || this.#dropped !== this.#markDropped) && this.#pos + this.#markBytes <= this.#L) this.#writeMark();
    this.#head = next;
    this.#startBlock(next, this.#blocks.reduce((m, b) => (b && b.seq > m ? b.seq : m), 0) + 1);
  }

  /** Erases block `index` (unless already erased), writes its header and the checkpoint. */
  #startBlock(index: number, seq: number): void {
    this.#blocks[index] = undefined;
    const bytes = this.#readBlock(index);
    let erased = true;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) { erased = false; break; }
    if (!erased) { this.#flash.eraseBlock(index); this.#erases++; }
    const header = new Uint8Array(this.#headerBytes).fill(0xff);
    put32(header, 0, BLOCK_MAGIC);
    header[4] = LOG_FORMAT;
    header[5] = this.#align;
    put32(header, 8, seq);
    put32(header, 12, crc32(header, 0, 12));
    this.#flash.write(header, index * this.#L);
    this.#blocks[index] = { seq, first: this.#nextSeq, last: this.#nextSeq - 1 };
    this.#pos = this.#headerBytes;
    this.#headHasMark = false;
    this.#headHasState = this.#state === undefined;
    this.#writeMark();
    if (this.#state) this.#writeState();
  }

  #writeMark(): void {
    const p = new Uint8Array(MARK_BYTES);
    put32(p, 0, this.#tail);
    put32(p, 4, this.#dropped);
    this.#writeRecord(RecordType.Mark, this.#nextSeq, p);
    this.#markTail = this.#tail;
    this.#markDropped = this.#dropped;
    this.#headHasMark = true;
  }

  #writeState(): void {
    this.#writeRecord(RecordType.State, this.#nextSeq, this.#state!);
    this.#headHasState = true;
  }

  #writeRecord(type: RecordType, seq: number, payload: Uint8Array): void {
    const size = recordBytes(payload.length, this.#writeUnit);
    if (this.#pos + size > this.#L) throw new Error('flash log: record past the block end (bug)');
    const r = new Uint8Array(size).fill(0xff);
    r[0] = RECORD_MAGIC_0;
    r[1] = RECORD_MAGIC_1;
    r[2] = type;
    r[3] = payload.length;
    put32(r, 4, seq);
    r.set(payload, RECORD_HEADER_BYTES);
    put32(r, 8, crc32(r, RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + payload.length, crc32(r, 0, 8)));
    this.#flash.write(r, this.#head * this.#L + this.#pos);
    this.#pos += size;
  }

  #readBlock(index: number): Uint8Array {
    return new Uint8Array(this.#flash.read(this.#L, index * this.#L));
  }

  /** Valid block indexes, oldest first. */
  #ringOrder(): number[] {
    const out: number[] = [];
    for (let i = 1; i <= this.#B; i++) {
      const index = (this.#head + i) % this.#B;
      if (this.#blocks[index]) out.push(index);
    }
    return out;
  }
}
