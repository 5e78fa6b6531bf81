// Sensirion word protocol against the SCD4x datasheet's own examples (§3.11 CRC, §3.6 commands).
import { crc8, decodeWords, encodeCommand, encodeWords } from '../../src/sensors/sensirion.js';

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
