// The flash interface's host simulation: NOR semantics (erase → 0xFF, writes only clear bits),
// ECMA-419 shape, write units, and power cuts at a chosen byte of a write or during an erase.
import { crc32 } from '../../src/bytes/crc32.js';
import { utf8Encode } from '../../src/bytes/utf8.js';
import { PowerCut, SimFlash } from '../../hosts/sim/flash.js';

describe('CRC-32', () => {
  test('the check value of "123456789" is 0xCBF43926 (IEEE, as zlib and PNG)', () => {
    expect(crc32(utf8Encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // in pieces, as the log computes it over a header and a payload
    const b = utf8Encode('123456789');
    expect(crc32(b, 4, 9, crc32(b, 0, 4))).toBe(0xcbf43926);
  });
});

describe('SimFlash', () => {
  test('status() is ECMA-419 shaped; erased cells read 0xFF; a write only clears bits', () => {
    const f = new SimFlash({ blocks: 4, blockLength: 256, strict: false });
    expect(f.status()).toEqual({ size: 1024, blockLength: 256, blocks: 4 });
    expect(Array.from(new Uint8Array(f.read(4, 10)))).toEqual([0xff, 0xff, 0xff, 0xff]);
    f.write(new Uint8Array([0xf0, 0x0f]), 10);
    f.write(new Uint8Array([0x3c, 0xff]), 10); // AND, not overwrite
    expect(Array.from(new Uint8Array(f.read(2, 10)))).toEqual([0x30, 0x0f]);
    f.eraseBlock(0);
    expect(Array.from(new Uint8Array(f.read(2, 10)))).toEqual([0xff, 0xff]);
    f.write(new Uint8Array([1]).buffer, 300); // an ArrayBuffer is data too
    f.eraseBlock(0, 2);
    expect(new Uint8Array(f.read(512, 0)).every((x) => x === 0xff)).toBe(true);
    expect(f.eraseCounts).toEqual([2, 1, 0, 0]);
  });

  test('caller mistakes throw RangeError: out of range, misaligned units, writing over programmed bytes (strict)', () => {
    const f = new SimFlash({ blocks: 2, blockLength: 256, writeUnit: 16 });
    expect(() => f.read(10, 510)).toThrow(RangeError);
    expect(() => f.write(new Uint8Array(16), 8)).toThrow(RangeError);
    expect(() => f.write(new Uint8Array(8), 16)).toThrow(RangeError);
    expect(() => f.eraseBlock(2)).toThrow(RangeError);
    expect(() => f.eraseBlock(1, 1)).toThrow(RangeError);
    f.write(new Uint8Array(16).fill(0x55), 16);
    expect(() => f.write(new Uint8Array(16).fill(0x55), 16)).toThrow(RangeError);
  });

  test('a cut at byte k of a write: k bytes written, the byte at the cut partly, the rest as before; then dead until revive()', () => {
    const f = new SimFlash({ blocks: 2, blockLength: 256, seed: 3 });
    const data = new Uint8Array(10).fill(0x00);
    f.cutAt(4);
    expect(() => f.write(data, 100)).toThrow(PowerCut);
    expect(() => f.read(1, 0)).toThrow(PowerCut);
    f.revive();
    const cells = new Uint8Array(f.read(10, 100));
    expect(Array.from(cells.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(cells.slice(5))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(f.ticks).toBe(5);
  });

  test('with 16-byte units a cut leaves whole units before it and one garbage unit', () => {
    const f = new SimFlash({ blocks: 2, blockLength: 256, writeUnit: 16, seed: 9 });
    f.cutAt(20);
    expect(() => f.write(new Uint8Array(48).fill(0x11), 0)).toThrow(PowerCut);
    f.revive();
    const cells = new Uint8Array(f.read(48, 0));
    expect(cells.slice(0, 16).every((x) => x === 0x11)).toBe(true);
    expect(cells.slice(32).every((x) => x === 0xff)).toBe(true);
  });

  test('a cut during an erase leaves the block undefined (neither old data nor erased), counted as worn', () => {
    const f = new SimFlash({ blocks: 2, blockLength: 256, seed: 5 });
    f.write(new Uint8Array(256).fill(0), 256);
    f.cutAt(0);
    expect(() => f.eraseBlock(1)).toThrow(PowerCut);
    f.revive();
    const cells = new Uint8Array(f.read(256, 256));
    expect(cells.some((x) => x === 0xff)).toBe(true);
    expect(cells.some((x) => x !== 0xff)).toBe(true);
    expect(f.eraseCounts[1]).toBe(1);
  });
});
