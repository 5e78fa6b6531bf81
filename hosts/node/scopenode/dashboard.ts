// The ScopeNode's dashboard: a local web page (127.0.0.1 by default) over the service's store — a
// fleet table and, per spime, uPlot charts and the GPS track — kept live by server-sent events.
// uPlot is served from node_modules (its dist files, as installed), the page's own files from
// hosts/node/scopenode/dashboard/. Read-only: nothing here changes the store.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { ScopeNodeEvent, ScopeNodeService } from './service.js';

export interface DashboardOptions {
  service: ScopeNodeService;
  /** Default 127.0.0.1: the fleet's data is not for the network unless the operator says so. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** The page's files; default found beside this module (or its bundle's repository). */
  assetsDir?: string;
  /** Server-sent event streams open at once. Default 32. */
  maxClients?: number;
  /** Entries a chart request returns at most. Default 2000. */
  maxEntries?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly clients: number;
  close(): Promise<void>;
}

const ASSETS = 'hosts/node/scopenode/dashboard';
/** Bytes of events a stream may have unsent before it is closed (the page reconnects and reloads its data). */
const MAX_BUFFERED = 1 << 20;
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The page's files: beside this module, or (bundled into .tmp/…) in the repository above it. */
export function findAssets(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const here = join(dir, 'dashboard');
  if (existsSync(join(here, 'index.html'))) return here;
  for (;;) {
    if (existsSync(join(dir, ASSETS, 'index.html'))) return join(dir, ASSETS);
    const up = dirname(dir);
    if (up === dir) throw new Error(`dashboard files (${ASSETS}) not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** uPlot's dist dir, resolved the way Node resolves the package. */
function uplotDist(): string {
  return dirname(createRequire(import.meta.url).resolve('uplot'));
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const assets = o.assetsDir ?? findAssets();
  const uplot = uplotDist();
  const files: Record<string, string> = {
    '/': join(assets, 'index.html'),
    '/dashboard.js': join(assets, 'dashboard.js'),
    '/dashboard.css': join(assets, 'dashboard.css'),
    '/uplot/uPlot.iife.min.js': join(uplot, 'uPlot.iife.min.js'),
    '/uplot/uPlot.min.css': join(uplot, 'uPlot.min.css'),
  };
  const maxClients = o.maxClients ?? 32;
  const streams = new Set<ServerResponse>();
  let allowedHosts: Set<string> = new Set();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) => send(res, 200, 'application/json', JSON.stringify(value));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // A page elsewhere must not read the fleet through a DNS name rebound to loopback.
    if (allowedHosts.size && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, 'text/plain', 'unknown Host\n');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const file = files[url.pathname];
    if (file) {
      const ext = file.slice(file.lastIndexOf('.'));
      return send(res, 200, TYPES[ext] ?? 'application/octet-stream', readFileSync(file));
    }
    if (url.pathname === '/api/fleet') return json(res, { now: Date.now(), onlineWindowMs: o.service.onlineWindowMs, spimes: await o.service.fleet(), counts: o.service.counts });
    if (url.pathname === '/api/entries') {
      const spime = url.searchParams.get('spime') ?? '';
      if (!spime || spime.length > 3071) return send(res, 400, 'text/plain', 'spime= needed\n');
      const limit = Math.min(Number(url.searchParams.get('limit')) || 500, o.maxEntries ?? 2000);
      return json(res, await o.service.store.entries(spime, { limit }));
    }
    if (url.pathname === '/events') {
      if (streams.size >= maxClients) return send(res, 503, 'text/plain', 'too many event streams\n');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': spimekit ScopeNode\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => { if (!res.headersSent) send(res, 500, 'text/plain', `${(e as Error).message}\n`); else res.end(); });
  });
  const push = (e: ScopeNodeEvent) => {
    if (e.type !== 'report' && e.type !== 'owner' && e.type !== 'rejected') return;
    const text = `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    for (const s of streams) {
      // a tab that stopped reading must not make us buffer the fleet's reports without bound
      if (s.writableLength > MAX_BUFFERED) { streams.delete(s); s.destroy(); continue; }
      s.write(text);
    }
  };
  const unsubscribe = o.service.on(push);
  // comments keep idle streams open through proxies and show a dead browser tab quickly
  const heartbeat = setInterval(() => { for (const s of streams) s.write(': \n\n'); }, 15_000);
  heartbeat.unref();
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  // on loopback only loopback names (bound elsewhere on purpose, the operator's names are unknown here)
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    get clients() { return streams.size; },
    close: () => new Promise<void>((resolve) => {
      unsubscribe();
      clearInterval(heartbeat);
      for (const s of streams) s.end();
      streams.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
