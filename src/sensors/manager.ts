// Samples every fitted sensor on its own schedule of the host clock. One sensor's fault (or bug)
// never stops the others: each has its own loop, a fault becomes a reported status and a
// bounded exponential backoff (ESPHome's "warning" status, retried next update), and values
// older than a sensor's maxAge are left out of readings so a dead sensor is not reported as live.
import type { Clock } from './clock.js';
import { SensorError } from './errors.js';
import { toEntry, type Entry, type Samples } from './reading.js';

export interface ManagedSensor {
  sample(): unknown;
  readonly fault?: SensorError | undefined;
}

export interface SensorSlot {
  sensor: ManagedSensor;
  /** ms between samples. */
  interval: number;
  /** A sample older than this is stale (default 3 × interval). */
  maxAge?: number;
}

export interface RetryPolicy {
  /** First backoff in ms; doubles per consecutive failure… */
  initial: number;
  /** …up to this. */
  max: number;
}

export interface SensorStatus {
  state: 'starting' | 'ok' | 'fault' | 'disabled';
  fault?: SensorError | Error;
  /** Consecutive failures. */
  failures: number;
  samples: number;
  lastSampleAt?: number;
}

export interface SensorManagerOptions {
  clock: Clock;
  /** In priority order for merged readings (see toEntry). */
  sensors: Record<string, SensorSlot>;
  retry?: RetryPolicy;
  onSample?: (name: string, sample: Samples) => void;
  onFault?: (name: string, fault: SensorError | Error, retryIn: number) => void;
}

export class SensorManager {
  #clock: Clock;
  #slots: [string, SensorSlot][];
  #retry: RetryPolicy;
  #options: SensorManagerOptions;
  #latest = new Map<string, { sample: Samples; at: number }>();
  #status = new Map<string, SensorStatus>();
  #running = false;
  #loops: Promise<void>[] = [];
  /** Sensors switched off by configuration: not sampled, left out of readings, no fault. */
  #disabled = new Set<string>();

  constructor(options: SensorManagerOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#slots = Object.entries(options.sensors);
    this.#retry = options.retry ?? { initial: 1000, max: 60_000 };
    if (!(this.#retry.initial > 0 && this.#retry.max >= this.#retry.initial)) throw new RangeError('retry: 0 < initial <= max');
    for (const [name, slot] of this.#slots) {
      if (!(slot.interval > 0)) throw new RangeError(`${name}: interval must be > 0`);
      this.#status.set(name, { state: 'starting', failures: 0, samples: 0 });
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = this.#slots.map(([name, slot]) => this.#loop(name, slot));
  }

  /** Stops sampling; resolves when every loop has finished its current wait. */
  stop(): Promise<void> {
    this.#running = false;
    return Promise.all(this.#loops).then(() => undefined);
  }

  /**
   * Switches a sensor off or on live (configuration, PROTOCOL.md §13): off, its loop stops sampling
   * at its next turn and its values leave readings at once; on, it samples again from its next turn.
   */
  setEnabled(name: string, enabled: boolean): void {
    const status = this.#status.get(name);
    if (!status) return;
    if (enabled) {
      if (this.#disabled.delete(name)) { status.state = 'starting'; status.failures = 0; status.fault = undefined; }
    } else if (!this.#disabled.has(name)) {
      this.#disabled.add(name);
      this.#latest.delete(name);
      status.state = 'disabled';
      status.fault = undefined;
    }
  }

  enabled(name: string): boolean { return this.#status.has(name) && !this.#disabled.has(name); }

  /** Names of the sensors in fault now (not the disabled ones). */
  faults(): string[] {
    return this.#slots.filter(([n]) => this.#status.get(n)!.state === 'fault').map(([n]) => n);
  }

  status(name: string): Readonly<SensorStatus> | undefined {
    return this.#status.get(name);
  }

  /** The freshest sample of a sensor, if not stale. */
  latest(name: string): Samples | undefined {
    const slot = this.#options.sensors[name];
    const last = this.#latest.get(name);
    if (!slot || !last) return undefined;
    return this.#clock.now() - last.at <= (slot.maxAge ?? 3 * slot.interval) ? last.sample : undefined;
  }

  /** One OpenSpime entry from every sensor's fresh sample, dated `time` (UTC ms). */
  entry(time: number): Entry {
    return toEntry(this.#slots.map(([name]) => this.latest(name)), time);
  }

  async #loop(name: string, slot: SensorSlot): Promise<void> {
    const status = this.#status.get(name)!;
    while (this.#running) {
      if (this.#disabled.has(name)) { await this.#clock.delay(slot.interval); continue; }
      let result: unknown, error: SensorError | Error | undefined;
      try {
        result = await slot.sensor.sample();
        if (result === undefined) error = slot.sensor.fault;
      } catch (e) {
        // A driver bug or caller mistake: reported like a fault so this loop, and the others, go on.
        error = e instanceof Error ? e : new Error(String(e));
      }
      if (!this.#running) break;
      if (this.#disabled.has(name)) continue; // switched off while sampling: the value is not kept
      if (error) {
        status.state = 'fault';
        status.fault = error;
        status.failures++;
        const retryIn = Math.min(this.#retry.max, this.#retry.initial * 2 ** Math.min(status.failures - 1, 30));
        this.#options.onFault?.(name, error, retryIn);
        await this.#clock.delay(retryIn);
        continue;
      }
      // A poll without a fault clears it, even when the sensor had nothing new (SCD4x between its 5 s values).
      status.fault = undefined;
      status.failures = 0;
      if (status.samples) status.state = 'ok';
      if (result !== undefined) {
        status.state = 'ok';
        status.samples++;
        status.lastSampleAt = this.#clock.now();
        this.#latest.set(name, { sample: result as Samples, at: status.lastSampleAt });
        this.#options.onSample?.(name, result as Samples);
      }
      await this.#clock.delay(slot.interval);
    }
  }
}
