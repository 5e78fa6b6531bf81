// NMEA 0183 framing and GGA/RMC decoding on a corpus of receiver output (u-blox 6/8, MediaTek,
// Quectel styles; GPS, GLONASS, Galileo, BeiDou and multi-GNSS talkers; no-fix; all four
// hemispheres). Every sentence here carries a valid checksum.
import { GPS } from '../../src/sensors/gps/gps.js';
import { NmeaFramer, MAX_SENTENCE, splitFields } from '../../src/sensors/gps/nmea.js';
import { decodeGga, decodeRmc, sentenceType } from '../../src/sensors/gps/sentences.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { formatAngle, frame } from '../../hosts/sim/sensors/nmea.js';

const CORPUS = [
  '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
  '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
  '$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*45',
  '$GNRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*49',
  '$GPGGA,025810.00,3351.73212,S,15112.58845,E,1,10,0.82,42.7,M,21.9,M,,*7C',
  '$GPRMC,025810.00,A,3351.73212,S,15112.58845,E,0.021,,221126,,,A*67',
  '$GNGGA,141322.000,4042.6142,N,07400.4168,W,2,12,0.7,10.2,M,-34.2,M,1.0,0000*6F',
  '$GNRMC,141322.000,A,4042.6142,N,07400.4168,W,0.13,309.62,150719,,,D*6C',
  '$GPGGA,180432.00,2254.41670,S,04310.38090,W,1,06,1.60,5.0,M,-5.4,M,,*46',
  '$GPRMC,180432.00,A,2254.41670,S,04310.38090,W,1.503,212.30,010125,,,A*6E',
  '$GPGGA,,,,,,0,00,99.99,,,,,,*48',
  '$GPRMC,,V,,,,,,,,,,N*53',
  '$GPGGA,235959.00,,,,,0,00,99.99,,,,,,*67',
  '$GPRMC,235959.00,V,,,,,,,311299,,,N*7D',
  '$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39',
  '$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74',
  '$GLGSV,2,1,07,65,22,045,32,66,58,104,40,72,34,320,35,81,11,210,*61',
  '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A*25',
  '$GPTXT,01,01,02,u-blox ag - www.u-blox.com*50',
  '$PUBX,00,081350.00,4717.113210,N,00833.915187,E,546.589,G3,2.1,2.0,0.007,77.52,0.007,,0.92,1.19,0.77,9,0,0*5F',
  '$GAGGA,101010.00,5130.0000,N,00007.5000,W,1,05,1.5,11.0,M,45.0,M,,*5B',
  '$BDGGA,101010.00,3954.0000,N,11623.0000,E,1,09,0.9,44.0,M,-9.0,M,,*54',
  '$GPGLL,4916.45,N,12311.12,W,225444,A,*1D',
];

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
function text(body: Uint8Array, length: number): string {
  return String.fromCharCode(...body.subarray(0, length));
}
function collect(): { framer: NmeaFramer; got: string[] } {
  const got: string[] = [];
  return { framer: new NmeaFramer((b, n) => got.push(text(b, n))), got };
}
function decode(sentence: string) {
  const body = ascii(sentence.slice(1, sentence.indexOf('*')));
  const starts = new Uint8Array(32);
  const count = splitFields(body, body.length, starts);
  const type = sentenceType(body, body.length);
  return type === 'GGA' ? decodeGga(body, starts, count) : type === 'RMC' ? decodeRmc(body, starts, count) : type;
}
const STREAM = ascii(CORPUS.map((s) => s + '\r\n').join(''));

describe('NMEA framing', () => {
  test('every corpus sentence passes its checksum', () => {
    const { framer, got } = collect();
    framer.push(STREAM);
    expect(got).toEqual(CORPUS.map((s) => s.slice(1, s.indexOf('*'))));
    expect(framer.statistics).toEqual({ sentences: CORPUS.length, checksumErrors: 0, overflows: 0, missingChecksum: 0 });
  });

  test('sentences split at every possible chunk boundary, and byte by byte', () => {
    for (let cut = 1; cut < 200; cut += 7) {
      const { framer, got } = collect();
      for (let i = 0; i < STREAM.length; i += cut) framer.push(STREAM.subarray(i, i + cut));
      expect(got).toHaveLength(CORPUS.length);
    }
    const { framer, got } = collect();
    for (const b of STREAM) framer.push(Uint8Array.of(b));
    expect(got).toHaveLength(CORPUS.length);
  });

  test('a wrong checksum is rejected and counted; lowercase hex is accepted', () => {
    const { framer, got } = collect();
    framer.push(ascii('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48\r\n'));
    framer.push(ascii('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6a\r\n'));
    expect(got).toHaveLength(1);
    expect(framer.statistics.checksumErrors).toBe(1);
  });

  test('a sentence without checksum is not trusted', () => {
    const { framer, got } = collect();
    framer.push(ascii('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,\r\n'));
    expect(got).toHaveLength(0);
    expect(framer.statistics.missingChecksum).toBe(1);
  });

  test('a $ mid-sentence (receiver reset, lost bytes) drops the fragment and keeps the new sentence', () => {
    const { framer, got } = collect();
    framer.push(ascii('$GPGGA,123519,4807.0' + CORPUS[1] + '\r\n'));
    expect(got).toEqual([CORPUS[1].slice(1, -3)]);
  });

  test('line noise of random bytes never crashes, never grows the buffer, and valid sentences still get through', () => {
    const prng = new Prng(7);
    const { framer, got } = collect();
    for (let round = 0; round < 50; round++) {
      const noise = new Uint8Array(prng.int(300));
      for (let i = 0; i < noise.length; i++) noise[i] = prng.int(256) & ~0x24 | 0x01; // avoid accidental '$'
      framer.push(noise);
      framer.push(ascii('\r\n' + CORPUS[0] + '\r\n'));
    }
    expect(got.filter((s) => s === CORPUS[0].slice(1, -3))).toHaveLength(50);
  });

  test('an endless line overflows the bounded buffer and the framer recovers', () => {
    const { framer, got } = collect();
    framer.push(ascii('$GPGGA,' + '1'.repeat(10_000)));
    framer.push(ascii(CORPUS[0] + '\r\n'));
    expect(framer.statistics.overflows).toBe(1);
    expect(got).toHaveLength(1);
    expect(MAX_SENTENCE).toBeLessThanOrEqual(128);
  });
});

describe('GGA and RMC decoding', () => {
  test('the classic GGA: 48°07.038′N 11°31.000′E, 545.4 m, 8 satellites, HDOP 0.9', () => {
    const gga = decode(CORPUS[0]) as ReturnType<typeof decodeGga>;
    expect(gga).toMatchObject({ timeOfDay: (12 * 3600 + 35 * 60 + 19) * 1000, quality: 1, satellites: 8, hdop: 0.9, altitude: 545.4 });
    expect(gga.latitude).toBeCloseTo(48 + 7.038 / 60, 12);
    expect(gga.longitude).toBeCloseTo(11 + 31 / 60, 12);
  });
  test('the classic RMC: valid, 22.4 kn, course 84.4°, 23 March 1994 12:35:19 UTC', () => {
    const rmc = decode(CORPUS[1]) as ReturnType<typeof decodeRmc>;
    expect(rmc.valid).toBe(true);
    expect(rmc.speed).toBeCloseTo((22.4 * 1852) / 3600, 6);
    expect(rmc.course).toBe(84.4);
    expect(new Date(rmc.time).toISOString()).toBe('1994-03-23T12:35:19.000Z');
  });
  test.each([
    ['Sydney (S, E)', CORPUS[4], -(33 + 51.73212 / 60), 151 + 12.58845 / 60],
    ['New York (N, W), DGPS', CORPUS[6], 40 + 42.6142 / 60, -(74 + 0.4168 / 60)],
    ['Rio de Janeiro (S, W)', CORPUS[8], -(22 + 54.4167 / 60), -(43 + 10.3809 / 60)],
    ['London via Galileo (GA)', CORPUS[20], 51.5, -0.125],
    ['Beijing via BeiDou (BD)', CORPUS[21], 39.9, 116 + 23 / 60],
  ])('hemispheres: %s', (_name, sentence, lat, lon) => {
    const gga = decode(sentence as string) as ReturnType<typeof decodeGga>;
    expect(gga.latitude).toBeCloseTo(lat as number, 9);
    expect(gga.longitude).toBeCloseTo(lon as number, 9);
    expect(gga.quality).toBeGreaterThan(0);
  });
  test('negative geoid-relative fields and millisecond times parse', () => {
    const gga = decode(CORPUS[6]) as ReturnType<typeof decodeGga>;
    expect(gga).toMatchObject({ quality: 2, satellites: 12, altitude: 10.2, timeOfDay: (14 * 3600 + 13 * 60 + 22) * 1000 });
  });
  test('no fix: quality 0, no position, RMC void; a 2-digit year 99 is 1999', () => {
    const gga = decode(CORPUS[12]) as ReturnType<typeof decodeGga>;
    expect(gga.quality).toBe(0);
    expect(Number.isNaN(gga.latitude)).toBe(true);
    const rmc = decode(CORPUS[13]) as ReturnType<typeof decodeRmc>;
    expect(rmc.valid).toBe(false);
    expect(new Date(rmc.time).toISOString()).toBe('1999-12-31T23:59:59.000Z');
    const cold = decode(CORPUS[11]) as ReturnType<typeof decodeRmc>;
    expect(Number.isNaN(cold.time)).toBe(true);
  });
  test('other sentence types are recognised only by name; proprietary ones not at all', () => {
    expect(['GSA', 'GSV', 'GSV', 'VTG', 'TXT', '', 'GLL']).toEqual([14, 15, 16, 17, 18, 19, 22].map((i) => decode(CORPUS[i])));
  });
  test('the generator formats angles the decoder reads back (including carries at 60′)', () => {
    expect(formatAngle(45.4643, 2, 'N', 'S')).toBe('4527.85800,N');
    expect(formatAngle(-9.999999999, 3, 'E', 'W')).toBe('01000.00000,W');
    expect(frame('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')).toEqual(ascii(CORPUS[0] + '\r\n'));
  });
});

describe('GPS driver on the corpus', () => {
  function feed(lines: string[]) {
    const clock = new VirtualClock();
    const gps = new GPS({ sensor: { io: class { read() { return undefined; } write() {} close() {} } }, clock });
    gps.receive(ascii(lines.map((s) => s + '\r\n').join('')));
    return { gps, clock };
  }
  test('GGA + RMC give a fix with altitude, satellites, speed, heading and UTC time', () => {
    const { gps } = feed([CORPUS[8], CORPUS[9]]);
    const s = gps.sample()!;
    expect(s.location).toMatchObject({ quality: 1, satellites: 6, hdop: 1.6, altitude: 5, heading: 212.3 });
    expect(s.location.latitude).toBeLessThan(0);
    expect(s.location.longitude).toBeLessThan(0);
    expect(new Date(s.time!).toISOString()).toBe('2025-01-01T18:04:32.000Z');
  });
  test('RMC alone still gives a position (no altitude)', () => {
    const { gps } = feed([CORPUS[3]]);
    expect(gps.sample()!.location.altitude).toBeUndefined();
  });
  test('no fix is a no-fix fault, but the receiver RTC still gives time', () => {
    const { gps, clock } = feed([CORPUS[12], CORPUS[13]]);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('no-fix');
    expect(new Date(gps.time!).toISOString()).toBe('1999-12-31T23:59:59.000Z');
    // Between sentences the host clock carries the time forward (here across the millennium).
    return clock.advance(1500).then(() => expect(new Date(gps.time!).toISOString()).toBe('2000-01-01T00:00:00.500Z'));
  });
  test('nothing heard for 3 s is a timeout', async () => {
    const { gps, clock } = feed([CORPUS[0]]);
    expect(gps.sample()).toBeDefined();
    await clock.advance(3001);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('timeout');
  });
});
