// Round trips to "online" (bound resource, initial presence sent) through a loopback proxy adding
// a fixed delay each way, against a real Prosody: the project client vs xmpp.js (@xmpp/client).
// Time to online divided by the proxy's round-trip time ≈ round trips (CPU shows as a fraction).
// `node bench/xmpp-connect.js [one-way-delay-ms]`
import * as net from 'node:net';
import { createClient } from '../hosts/node/xmpp.js';
import { startProsody } from '../test/servers/prosody.js';
import { makeXmppjsClient } from '../test/servers/xmppjs.js';

class DelayProxy {
  server: net.Server;
  port = 0;
  constructor(target: number, delay: number) {
    this.server = net.createServer((down) => {
      const up = net.connect({ host: '127.0.0.1', port: target });
      down.setNoDelay(true); up.setNoDelay(true);
      const relay = (from: net.Socket, to: net.Socket) => from.on('data', (b) => setTimeout(() => { if (!to.destroyed) to.write(b); }, delay));
      relay(down, up); relay(up, down);
      const end = () => { setTimeout(() => { down.destroy(); up.destroy(); }, delay); };
      down.on('close', end); up.on('close', end); down.on('error', end); up.on('error', end);
    });
  }
  async listen() { await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r)); this.port = (this.server.address() as net.AddressInfo).port; }
}

const delay = Number(process.argv[2] ?? 25);
const rtt = 2 * delay;
const server = await startProsody();
await server.register('bench', 'bench-pw');
const starttls = new DelayProxy(server.c2sPort, delay); await starttls.listen();
const direct = new DelayProxy(server.directTlsPort, delay); await direct.listen();

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / rtt;
}

const rows: Array<[string, number]> = [];
try {
  for (const directTls of [false, true]) {
    const c = createClient({ jid: `bench@${server.host}`, password: 'bench-pw', host: '127.0.0.1', port: directTls ? direct.port : starttls.port, directTls, ca: server.caPem, reconnect: false, keepaliveMs: 0 });
    rows.push([`spimekit ${directTls ? 'direct TLS' : 'STARTTLS'}, first login`, await time(() => c.start())]);
    await c.stop();
    rows.push([`spimekit ${directTls ? 'direct TLS' : 'STARTTLS'}, next login (mechanisms known)`, await time(() => c.start())]);
    await c.stop();
    const x = makeXmppjsClient({ server, username: 'bench', password: 'bench-pw', transport: directTls ? 'directtls' : 'starttls', port: directTls ? direct.port : starttls.port });
    rows.push([`xmpp.js  ${directTls ? 'direct TLS' : 'STARTTLS'}`, await time(async () => { await x.start(); })]);
    await x.stop();
  }
} finally {
  starttls.server.close(); direct.server.close();
  await server.stop();
}
console.log(`round trips to online (one-way delay ${delay} ms, Prosody 0.12, TLS 1.3):`);
for (const [name, n] of rows) console.log(`  ${name.padEnd(52)} ${n.toFixed(1)}`);
