// A seedable PRNG (mulberry32: 32-bit state, fast on XS, good enough for noise and fault dice).
// Every simulator takes one so a seed replays a run exactly.
export class Prng {
  #state: number;
  constructor(seed = 1) { this.#state = seed >>> 0; }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [-amplitude, amplitude). */
  noise(amplitude: number): number { return (this.next() * 2 - 1) * amplitude; }
  int(below: number): number { return Math.floor(this.next() * below); }
}
