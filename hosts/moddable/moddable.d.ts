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

declare module 'embedded:io/socket/tcp' {
  type ByteBuffer = ArrayBufferLike | ArrayBufferView;
  export type Options = ((({ address: string } | { host: string }) & { port: number }) | { from: TCP }) & {
    nodelay?: boolean;
    onReadable?: (this: TCP, bytes: number) => void;
    onWritable?: (this: TCP, bytes: number) => void;
    onError?: (this: TCP) => void;
    format?: 'number' | 'buffer';
    target?: unknown;
  };
  export default class TCP {
    constructor(options: Options);
    readonly remoteAddress: string | undefined;
    readonly remotePort: number | undefined;
    read(byteLength?: number): number | ArrayBuffer;
    read(buffer: ByteBuffer): void;
    // the SDK's typing says void; lin and lwIP return the bytes still writable
    write(value: number | ByteBuffer): void;
    close(): void;
    format: 'number' | 'buffer';
  }
}

declare module 'preference' {
  const Preference: {
    set: (domain: string, key: string, value: string | boolean | number | ArrayBuffer) => void;
    get: (domain: string, key: string) => string | boolean | number | ArrayBuffer | undefined;
    delete: (domain: string, key: string) => void;
    keys: (domain: string) => string[];
  };
  export default Preference;
}

declare module 'embedded:storage/flash' {
  type ByteBuffer = ArrayBufferLike | ArrayBufferView;
  export interface FlashStatus { size: number; blockLength: number; blocks: number; writeAlign: number; eraseValue: number }
  export class Flash {
    close(): void;
    eraseBlock(start: number, end?: number): void;
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    read(buffer: ByteBuffer, byteOffset: number): number;
    write(buffer: ByteBuffer, byteOffset: number): void;
    status(): FlashStatus;
    format: 'buffer';
  }
  const FlashStorage: { open(options: { path: string; mode?: 'r' | 'r+' }): Flash };
  export default FlashStorage;
}

declare module 'net' {
  const Net: { resolve(name: string, callback: (name: string, address?: string) => void): void };
  export default Net;
}

declare module 'sntp' {
  type SNTPCallback = (message: -1 | 1 | 2, value?: number) => void;
  class SNTP {
    static readonly time: 1;
    static readonly retry: 2;
    static readonly error: -1;
    constructor(options: { host: string }, callback: SNTPCallback);
  }
  export default SNTP;
}

declare module 'embedded:network/interface/wifi' {
  class WiFi {
    constructor(options: { onChanged?: (this: WiFi, property: 'connection' | 'address') => void });
    close(): void;
    connect(options: { SSID: string; password?: string }): void;
    disconnect(): void;
    readonly connection: number;
    readonly address: string | undefined;
  }
  export default WiFi;
}
