// Property tests of the NMEA framer with fast-check (Node-only: fast-check is not bundled for XS).
import fc from 'fast-check';
import { MAX_SENTENCE, NmeaFramer } from '../../src/sensors/gps/nmea.js';
import { frame } from '../../hosts/sim/sensors/nmea.js';

const printable = fc.stringMatching(/^[A-Z0-9.,\-]{0,70}$/).map((s) => 'GP' + s.replace(/[$!*]/g, ''));

function run(chunks: Uint8Array[]): { got: string[]; framer: NmeaFramer } {
  const got: string[] = [];
  const framer = new NmeaFramer((b, n) => got.push(String.fromCharCode(...b.subarray(0, n))));
  for (const c of chunks) framer.push(c);
  return { got, framer };
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) { out.push(bytes.subarray(last, p)); last = p; }
  out.push(bytes.subarray(last));
  return out;
}

describe('NMEA framer properties', () => {
  test('any chunking of valid sentences yields exactly those sentences', () => {
    fc.assert(fc.property(fc.array(printable, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (bodies, cuts) => {
      const parts = bodies.map(frame);
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) { all.set(p, o); o += p.length; }
      expect(run(split(all, cuts)).got).toEqual(bodies);
    }));
  });

  test('arbitrary bytes never throw, and a valid sentence after a line break is always recovered', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), printable, (noise, body) => {
      const tail = frame(body);
      const { got, framer } = run([noise, Uint8Array.of(0x0d, 0x0a), tail]);
      expect(got[got.length - 1]).toBe(body);
      const s = framer.statistics;
      expect(s.sentences + s.checksumErrors + s.overflows + s.missingChecksum).toBeLessThanOrEqual(noise.length + 2);
    }));
  });

  test('one corrupted byte is never accepted as the original sentence', () => {
    fc.assert(fc.property(printable, fc.nat(), fc.integer({ min: 1, max: 255 }), (body, at, flip) => {
      const bytes = frame(body);
      const i = 1 + (at % (bytes.length - 3)); // inside body, '*' or checksum
      bytes[i] ^= flip;
      const { got } = run([bytes]);
      expect(got.filter((g) => g === body)).toHaveLength(0);
    }));
  });

  test('a line longer than the buffer is dropped whole, never split into a false sentence', () => {
    fc.assert(fc.property(fc.integer({ min: MAX_SENTENCE + 1, max: 4 * MAX_SENTENCE }), (length) => {
      const body = 'GP' + 'A'.repeat(length);
      const { got, framer } = run([frame(body)]);
      expect(got).toEqual([]);
      expect(framer.statistics.overflows).toBe(1);
    }));
  });
});
