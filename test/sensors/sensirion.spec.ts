// Sensirion word protocol against the SCD4x datasheet's own examples (§3.11 CRC, §3.6 commands).
import { crc8, decodeWords, encodeCommand, encodeWords, SensirionDevice } from '../../src/sensors/sensirion.js';
import type { I2C } from '../../src/sensors/io.js';

/** An I2C stand-in that records writes and answers reads from a queue; `null` answers NACK. */
function fakeI2C(answers: (Uint8Array | null)[]) {
  const written: number[][] = [];
  const io: I2C = {
    write(buffer) { written.push(Array.from(buffer as Uint8Array)); },
    read(target) {
      const answer = answers.shift();
      if (!answer) throw new Error('NACK');
      (target as Uint8Array).set(answer.subarray(0, (target as Uint8Array).length));
    },
    close() {},
  };
  return { io, written };
}

describe('Sensirion CRC-8 (poly 0x31, init 0xFF)', () => {
  test('datasheet §3.11 example: CRC(0xBEEF) = 0x92', () => {
    expect(crc8(0xbe, 0xef)).toBe(0x92);
  });
  test.each([
    // read_measurement example (§3.6.2): 500 ppm, 25 °C, 37 %RH
    [0x01f4, 0x33], [0x6667, 0xa2], [0x5eb9, 0x3c],
    // set_temperature_offset 5.4 °C (§3.6.1), set_ambient_pressure 987 hPa (§3.6.5)
    [0x07e6, 0x48], [0x03db, 0x42],
    // get_serial_number example (§3.9.2)
    [0xf896, 0x31], [0x9f07, 0xc2], [0x3bbe, 0x89],
  ])('word %s has CRC %s', (word, crc) => {
    expect(crc8(word >> 8, word & 0xff)).toBe(crc);
  });
});

describe('command and word framing', () => {
  test('a command with an argument: code MSB first, word, CRC', () => {
    const out = new Uint8Array(5);
    expect(encodeCommand(out, 0x241d, 0x07e6)).toBe(5);
    expect(out).toEqual(Uint8Array.of(0x24, 0x1d, 0x07, 0xe6, 0x48));
    expect(encodeCommand(out, 0x21b1)).toBe(2);
    expect(out.subarray(0, 2)).toEqual(Uint8Array.of(0x21, 0xb1));
  });
  test('words round-trip; a flipped CRC is located', () => {
    const bytes = encodeWords([0x01f4, 0x6667, 0x5eb9]);
    expect(bytes).toEqual(Uint8Array.of(0x01, 0xf4, 0x33, 0x66, 0x67, 0xa2, 0x5e, 0xb9, 0x3c));
    const words = new Uint16Array(3);
    expect(decodeWords(bytes, words, 3)).toBe(3);
    expect(Array.from(words)).toEqual([500, 0x6667, 0x5eb9]);
    bytes[7] ^= 1; // third word's data
    expect(decodeWords(bytes, words, 3)).toBe(-3);
  });
});

describe('SensirionDevice', () => {
  test('writes commands with argument CRC and reads checked words', () => {
    const { io, written } = fakeI2C([encodeWords([0xf896, 0x9f07, 0x3bbe])]);
    const device = new SensirionDevice(io);
    device.writeCommand(0x2427, 2000);
    expect(written).toEqual([[0x24, 0x27, 0x07, 0xd0, crc8(0x07, 0xd0)]]);
    expect(Array.from(device.readWords(3))).toEqual([0xf896, 0x9f07, 0x3bbe]);
  });
  test('a bus failure is a nack, a bad CRC a crc-mismatch, use after close a caller mistake', () => {
    const bad = encodeWords([0x1234]);
    bad[2] ^= 0xff;
    const { io } = fakeI2C([null, bad]);
    const device = new SensirionDevice(io);
    expect(() => device.readWords(1)).toThrow('nack');
    expect(() => device.readWords(1)).toThrow('crc-mismatch');
    device.close();
    expect(() => device.writeCommand(0x21b1)).toThrow('invalid-state');
  });
});
