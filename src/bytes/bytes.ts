// Small byte helpers shared by the crypto and protocol code.

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Equality in time independent of where the first difference is (for MACs and secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i++) parts.push(HEX[bytes[i] >> 4] + HEX[bytes[i] & 15]);
  return parts.join('');
}

/** Lower- or upper-case hex, even length; undefined otherwise. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2) return undefined;
  const out = new Uint8Array(hex.length / 2);
  let i = 0;
  let hi = -1;
  for (const ch of hex) {
    const v = parseInt(ch, 16);
    if (Number.isNaN(v)) return undefined;
    if (hi < 0) hi = v;
    else { out[i++] = (hi << 4) | v; hi = -1; }
  }
  return out;
}
