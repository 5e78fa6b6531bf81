// The few Moddable SDK modules and globals hosts/moddable/ uses, declared for the host-side check
// (`npx tsc -p hosts/moddable`): there is no current Moddable typings package on npm. Written to
// match the SDK's own typings (typings/timer.d.ts, time.d.ts, embedded_io/i2c.d.ts, serial.d.ts,
// xs/includes/xs.d.ts), narrow parts included, so this check fails where the device build's would.
// The device build (mcconfig) never sees this file: it type-checks against the SDK's typings.

declare const trace: (...text: unknown[]) => void;

declare module 'time' {
  const Time: { readonly ticks: number; set(seconds: number): void; timezone: number; dst: number };
  export default Time;
}

declare module 'timer' {
  type TimerCallback = (timer: Timer) => void;
  class Timer {
    private constructor();
    static set(callback: TimerCallback, interval?: number, repeat?: number): Timer;
    static repeat(callback: TimerCallback, interval: number): Timer;
    static clear(timer: Timer | undefined | null): void;
    private brand: boolean;
  }
  export default Timer;
}

declare module 'embedded:io/i2c' {
  type ByteBuffer = ArrayBufferLike | ArrayBufferView;
  class I2C {
    constructor(options: { data: number; clock: number; hz: number; address: number; port?: number; format?: 'buffer'; target?: unknown });
    readonly resolution: number;
    write(value: ByteBuffer, stop?: boolean): void;
    read(byteLength: number, stop?: boolean): ArrayBuffer;
    read(buffer: ByteBuffer, stop?: boolean): number;
    // no close(): the SDK's typing omits it, though modules/io/i2c implements it
  }
  export default I2C;
}

declare module 'embedded:io/serial' {
  type ByteBuffer = ArrayBufferLike | ArrayBufferView;
  class Serial {
    constructor(options: ({ receive: number; transmit?: number } | { transmit: number }) & {
      baud: number;
      port: number;
      onReadable?: (this: Serial, bytes: number) => void;
      onWritable?: (this: Serial, bytes: number) => void;
      format?: 'number' | 'buffer';
      target?: unknown;
    });
    readonly resolution: number;
    close(): void;
    read(): number | ArrayBuffer | undefined;
    read(byteLength: number): ArrayBuffer | undefined;
    write(value: number | ByteBuffer): void;
  }
  export default Serial;
}
