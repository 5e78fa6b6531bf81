// Character classes of XML 1.0 (Fifth Edition) §2.2 [2] Char and §2.3 [4] NameStartChar,
// [4a] NameChar, as frozen byte tables for ASCII and range checks for the rest.

/** Bits per ASCII byte. */
export const C_NAME_START = 1; // [4] NameStartChar, ASCII part
export const C_NAME = 2; //       [4a] NameChar, ASCII part
export const C_SPACE = 4; //      [3] S
export const C_CHAR = 8; //       [2] Char, ASCII part

export const ASCII: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let b = 0x20; b < 0x80; b++) t[b] = C_CHAR;
  for (const b of [0x09, 0x0a, 0x0d]) t[b] = C_CHAR | C_SPACE;
  t[0x20] |= C_SPACE;
  const set = (from: number, to: number, bits: number): void => { for (let b = from; b <= to; b++) t[b] |= bits; };
  set(0x41, 0x5a, C_NAME_START | C_NAME); // A-Z
  set(0x61, 0x7a, C_NAME_START | C_NAME); // a-z
  set(0x30, 0x39, C_NAME); // 0-9
  for (const b of [0x3a, 0x5f]) t[b] |= C_NAME_START | C_NAME; // ':' '_'
  for (const b of [0x2d, 0x2e]) t[b] |= C_NAME; // '-' '.'
  return t;
})();

/** [4] NameStartChar for a code point >= 0x80. */
export function isNameStartCode(c: number): boolean {
  return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff)
    || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d
    || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff)
    || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

/** [4a] NameChar for a code point >= 0x80. */
export function isNameCode(c: number): boolean {
  return isNameStartCode(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** [2] Char for any code point. */
export function isXmlChar(c: number): boolean {
  return c < 0x80 ? (ASCII[c] & C_CHAR) !== 0 : (c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff));
}

/** [5] Name, checked on a decoded string (names are short). */
export function isXmlName(s: string): boolean {
  if (s === '') return false;
  let first = true;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok = c < 0x80 ? (ASCII[c] & (first ? C_NAME_START : C_NAME)) !== 0 : first ? isNameStartCode(c) : isNameCode(c);
    if (!ok) return false;
    first = false;
  }
  return true;
}
