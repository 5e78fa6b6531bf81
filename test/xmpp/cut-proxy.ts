// A loopback TCP proxy that can lose traffic and cut connections, to break a client's link to a
// real server the way a flaky network does (no FIN to the server, no stream close).
import * as net from 'node:net';

export class CutProxy {
  readonly server: net.Server;
  port = 0;
  /** Drop client→server bytes (they are "lost in the network") until the next cut. */
  blackhole = false;
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  connections = 0;

  constructor(readonly targetPort: number) {
    this.server = net.createServer((down) => {
      this.connections++;
      const up = net.connect({ host: '127.0.0.1', port: targetPort });
      const pair: [net.Socket, net.Socket] = [down, up];
      this.#pairs.add(pair);
      down.on('data', (b) => { if (!this.blackhole) up.write(b); });
      up.on('data', (b) => down.write(b));
      const end = () => { down.destroy(); up.destroy(); this.#pairs.delete(pair); };
      down.on('close', end); up.on('close', end); down.on('error', end); up.on('error', end);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Reset every connection on the client side; the server side is left hanging (it learns nothing). */
  cut(): void {
    for (const [down, up] of this.#pairs) { down.resetAndDestroy(); up.pause(); }
    this.#pairs.clear();
    this.blackhole = false;
  }

  async close(): Promise<void> {
    for (const [down, up] of this.#pairs) { down.destroy(); up.destroy(); }
    await new Promise((r) => this.server.close(r));
  }
}
