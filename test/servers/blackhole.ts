// A loopback address whose TCP connect never completes: a listening socket that never accepts
// (its thread is blocked), with its accept queue filled, so the kernel drops further SYNs and a
// client's connect hangs — a blackholed route without leaving loopback. For connect deadlines.
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

const LISTENER = `
const { workerData, parentPort } = require('node:worker_threads');
const s = require('node:net').createServer(() => {});
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(s.address().port);
  setImmediate(() => Atomics.wait(new Int32Array(workerData), 0, 0)); // never accept
});`;

export async function startBlackhole(): Promise<Blackhole> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(LISTENER, { eval: true, workerData: gate });
  const port = await new Promise<number>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  // fill the accept queue: connect until one does not complete (setup, not an assertion)
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 64; i++) {
    const s = net.connect(port, '127.0.0.1');
    fillers.push(s);
    s.on('error', () => {});
    const connected = await new Promise<boolean>((r) => { s.once('connect', () => r(true)); setTimeout(() => r(false), 300); });
    if (!connected) break;
  }
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      const g = new Int32Array(gate);
      Atomics.store(g, 0, 1);
      Atomics.notify(g, 0);
      await worker.terminate();
    },
  };
}
