// One run of the lin firmware (hosts/moddable/lin/launcher.c with the -p lin mc.so) as a child
// process: its `spimekit: …` lines, waits on them with deadlines, kill -9. Used by the device tier
// (tools/device-tier.ts) and bench/device-heap.ts.
import { spawn, type ChildProcess } from 'node:child_process';

/** One run of the firmware: its output lines, waits on them with deadlines, kill -9. */
export class Firmware {
  readonly lines: string[] = [];
  readonly #child: ChildProcess;
  readonly exited: Promise<number | string>;
  #waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];
  #partial = '';

  constructor(launcher: string, library: string, env: Record<string, string>) {
    this.#child = spawn(launcher, [library], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    const take = (chunk: Buffer) => {
      const text = this.#partial + chunk.toString();
      const parts = text.split('\n');
      this.#partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        if (process.env.SPIMEKIT_DEVICE_VERBOSE && !/ sampled /.test(line)) console.log(`  | ${line}`);
        this.#waiters = this.#waiters.filter((w) => {
          const m = line.match(w.re);
          if (m) w.resolve(m);
          return !m;
        });
      }
    };
    this.#child.stdout!.on('data', take);
    this.#child.stderr!.on('data', take);
  }

  /** The first line from index `from` on matching `re`, within `ms`. */
  waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpMatchArray> {
    for (let i = from; i < this.lines.length; i++) {
      const m = this.lines[i]!.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line ${re} within ${ms} ms; last lines:\n    ${this.lines.slice(-15).join('\n    ')}`)), ms);
      const w = { re, from, resolve: (m: RegExpMatchArray) => { clearTimeout(timer); resolve(m); } };
      this.#waiters.push(w);
      void this.exited.then((code) => {
        if (!this.#waiters.includes(w)) return;
        clearTimeout(timer);
        reject(new Error(`the firmware exited (${code}) before ${re}; last lines:\n    ${this.lines.slice(-15).join('\n    ')}`));
      });
    });
  }

  count(re: RegExp): number { return this.lines.filter((l) => re.test(l)).length; }

  async kill9(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}
