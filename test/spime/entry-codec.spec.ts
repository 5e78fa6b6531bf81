// The stored form of a reading, and what it means for the flash: bytes per entry, and that a
// 64 KiB partition (16 blocks of 4 KiB, as on ESP32) holds at least 1,000 readings before the
// first drop — with and without flash encryption's 16-byte write units.
import { SimFlash } from '../../hosts/sim/flash.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { decodeReading, encodeReading, EntryCodecError, quantizeValues, type StoredReading } from '../../src/spime/entry-codec.js';
import { FlashLog, recordBytes } from '../../src/storage/log.js';

const typical: StoredReading = {
  time: Date.UTC(2026, 11, 1, 20, 0, 0, 123),
  values: quantizeValues({ exposure: 'outdoor', lat: 45.47584119905, lon: 9.172725677490234, ele: 122.345, ppm: 612.34, temperature: 21.468, humidity: 45.21, pressure: 100812.27 }),
};
const worst: StoredReading = {
  time: 2 ** 48 - 1, boot: 65535,
  values: { exposure: 'indoor', lat: -90, lon: -180, ele: 100000, ppm: 1e6, temperature: -273.15, humidity: 100, pressure: 1e7 },
};

describe('reading codec', () => {
  test('round trip: dated, undated, partial, extreme', () => {
    for (const r of [typical, worst, { time: 0, values: {} }, { time: 5000, boot: 3, values: { ppm: 400 } }, { time: 1, values: { temperature: -0.01, lat: 0 } }]) {
      expect(decodeReading(encodeReading(r))).toEqual(r);
    }
  });

  test('quantized values decode to exactly themselves (seeded, 2,000 random readings)', () => {
    const prng = new Prng(99);
    for (let i = 0; i < 2000; i++) {
      const r: StoredReading = {
        time: Math.floor(prng.next() * 2 ** 47),
        values: quantizeValues({ lat: prng.noise(90), lon: prng.noise(180), ele: prng.noise(9000), ppm: prng.next() * 5000, temperature: prng.noise(60), humidity: prng.next() * 100, pressure: 80000 + prng.next() * 30000 }),
      };
      const back = decodeReading(encodeReading(r));
      if (JSON.stringify(back) !== JSON.stringify(r)) expect(back).toEqual(r);
    }
  });

  test('quantizing clamps to the profile ranges and leaves out non-finite values', () => {
    expect(quantizeValues({ humidity: 100.04, ppm: NaN, temperature: Infinity, lat: 45.123456789 })).toEqual({ humidity: 100, lat: 45.1234568 });
  });

  test('sizes: a typical full reading is 30 bytes, the worst case 38', () => {
    expect(encodeReading(typical).length).toBe(30);
    expect(encodeReading(worst).length).toBe(38);
    expect(recordBytes(30)).toBe(44); // with the log's 12-byte record header, 4-byte aligned
    expect(recordBytes(30, 16)).toBe(48);
  });

  test('bad bytes are a typed error, never a wrong reading', () => {
    const good = encodeReading(typical);
    expect(() => decodeReading(good.slice(0, 12))).toThrow(EntryCodecError);
    expect(() => decodeReading(new Uint8Array([2, ...good.slice(1)]))).toThrow(EntryCodecError);
    expect(() => decodeReading(new Uint8Array([...good, 0]))).toThrow(EntryCodecError);
    expect(() => encodeReading({ time: -1, values: {} })).toThrow(RangeError);
  });
});

describe.each([1, 16])('a 64 KiB partition (write unit %d)', (writeUnit) => {
  test('holds at least 1,000 typical readings before the first drop', () => {
    const flash = new SimFlash({ blocks: 16, blockLength: 4096, writeUnit });
    const log = new FlashLog(flash, { writeUnit });
    log.setState(new Uint8Array(86)); // the application's STATE blob at its largest (8 boots: src/spime/app.ts)
    let held = 0;
    for (let i = 0; log.dropped === 0; i++) {
      log.append(encodeReading({ ...typical, time: typical.time + i * 60_000 }));
      if (log.dropped === 0) held = log.pending;
    }
    expect(held).toBeGreaterThanOrEqual(1000);
    expect(held).toBe(writeUnit === 1 ? 1424 : 1296); // the figures README.md gives
    // after the ring is full it always holds at least 15 of its 16 blocks' worth
    for (let i = 0; i < 500; i++) log.append(encodeReading(typical));
    expect(log.pending).toBeGreaterThanOrEqual(writeUnit === 1 ? 1335 : 1215);
  });
});

test('a 64 KiB partition holds at least 1,000 worst-case readings (write unit 1)', () => {
  const log = new FlashLog(new SimFlash({ blocks: 16, blockLength: 4096 }));
  log.setState(new Uint8Array(86));
  for (let i = 0; i < 3000; i++) log.append(encodeReading(worst));
  expect(log.pending).toBeGreaterThanOrEqual(1000);
});

test('wear: block erases per 1,000 readings, acknowledged 20 at a time with the STATE each time (as src/spime does)', () => {
  const flash = new SimFlash({ blocks: 16, blockLength: 4096 });
  const log = new FlashLog(flash);
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      log.append(encodeReading(typical));
      if (log.pending === 20) { log.setState(new Uint8Array(41)); log.acknowledge(log.nextSeq - 1); } // STATE with 3 boots
    }
  };
  run(3000); // past the first turn of the ring: from here on every block switch erases one
  const before = flash.eraseCounts.reduce((a, b) => a + b, 0);
  run(1000);
  const erases = flash.eraseCounts.reduce((a, b) => a + b, 0) - before;
  expect(erases).toBeGreaterThanOrEqual(12);
  expect(erases).toBeLessThanOrEqual(13); // the figure README.md gives
});
