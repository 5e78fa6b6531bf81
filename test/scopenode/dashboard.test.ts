// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core) over
// the real `npx spimekit scopenode` process: a private Prosody, the key service, three spimes
// reporting signed, encrypted entries. The page loads with the three, a chart has points, a new
// report shows up without a reload; a screenshot is kept in .tmp/artifacts/. Then the ScopeNode
// is restarted on the same data dir and still serves the three spimes (SQLite file). Last, `npm
// start`: the dashboard URL it prints shows its simulated fleet filling in, live.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createNodeCrypto, exportPrivateKeyPem, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { createClient } from '../../hosts/node/xmpp.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { formatDateTime } from '../../src/openspime/datetime.js';
import { SpimeReporter } from '../../src/roles/spime.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

// what the page functions see (run in the browser; this suite is compiled without the DOM lib)
declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined>; className: string; textContent: string } | null; querySelectorAll(s: string): { length: number } };
declare const window: Record<string, unknown>;
type SVGPathElement = { getTotalLength(): number };

const crypto = createNodeCrypto();
const N = 3;
const ARTIFACTS = resolve('.tmp', 'artifacts');
let server: TestServer;
let keyService: KeyService;
let dir: string;
let browser: Browser | undefined;
let scopenode: { proc: ChildProcess; out: string[]; url: string } | undefined;
const spimes: Array<{ client: Client; reporter: SpimeReporter }> = [];
const scopeKey = generateNodeRsaKey();

/** Starts `spimekit scopenode` and waits (bounded) for the dashboard URL it prints. */
async function startScopeNode(): Promise<{ proc: ChildProcess; out: string[]; url: string }> {
  const proc = spawn(process.execPath, ['bin/spimekit.js', 'scopenode', '--jid', `scopenode@${server.host}`, '--password-file', join(dir, 'pw'),
    '--key', join(dir, 'scopenode.pem'), '--cert-service', server.componentDomain, '--server', '127.0.0.1', '--port', String(server.c2sPort),
    '--ca', server.caPath, '--data-dir', join(dir, 'data'), '--seek-service', server.pubsubDomain, '--dashboard-port', '0', '--online-window', '600'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no dashboard URL within 90 s:\n${out.join('')}`)), 90_000);
    const take = (b: Buffer) => {
      out.push(b.toString());
      const m = /dashboard: (http:\/\/\S+)/.exec(out.join(''));
      if (m) { clearTimeout(timer); ok(m[1]!); }
    };
    proc.stdout!.on('data', take);
    proc.stderr!.on('data', take);
    proc.once('exit', (code) => { clearTimeout(timer); fail(new Error(`scopenode exited (${code}):\n${out.join('')}`)); });
  });
  return { proc, out, url };
}

async function stopScopeNode(): Promise<number | null> {
  const s = scopenode;
  scopenode = undefined;
  if (!s || s.proc.exitCode !== null) return s?.proc.exitCode ?? null;
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Entries along a short walk: every field the charts and the track show. */
function walk(i: number, from: number, n: number): DataEntry[] {
  return Array.from({ length: n }, (_, k) => {
    const s = from + k;
    return {
      date: formatDateTime(Date.now() - 120_000 + s * 2000), ppm: 420 + 30 * Math.sin(s / 3) + i * 10, temperature: 21 + Math.cos(s / 4), humidity: 40 + s % 7,
      pressure: 101_300 - s * 3, ele: 120 + s * 0.25, lat: 45.46 + i * 0.001 + s * 0.00005, lon: 9.19 + Math.sin(s / 5) * 0.0003,
    };
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spimekit-dashboard-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startProsody({ admins: ['scopenode'] });
  const names = Array.from({ length: N }, (_, i) => `spime-${i + 1}`);
  await Promise.all(['scopenode', ...names].map((u) => server.register(u, `${u}-pw`)));
  writeFileSync(join(dir, 'pw'), 'scopenode-pw\n');
  writeFileSync(join(dir, 'scopenode.pem'), exportPrivateKeyPem(scopeKey), { mode: 0o600 });
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`scopenode@${server.host}`, [scopeKey.publicKey]);
  scopenode = await startScopeNode();
  for (const name of names) {
    const key = generateNodeRsaKey();
    keyService.publish(`${name}@${server.host}`, [key.publicKey]);
    const client = createClient({ jid: `${name}@${server.host}`, password: `${name}-pw`, resource: 'sim', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort, reconnect: false });
    await client.start();
    spimes.push({ client, reporter: new SpimeReporter({ client, crypto, key, cert: server.componentDomain, scopeNode: `scopenode@${server.host}/scope`, scopeNodeCert: server.componentDomain, now: Date.now }) });
  }
  for (const [i, s] of spimes.entries()) await s.reporter.report(walk(i, 0, 20), i, 2);
  browser = await chromium.launch({
    executablePath: process.env.SPIMEKIT_CHROMIUM ?? '/usr/bin/chromium', // Debian's; npm test installs it
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await stopScopeNode();
  await Promise.allSettled([...spimes.map((s) => s.client.stop()), keyService?.close()]);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ScopeNode dashboard in chromium', () => {
  test('loads with the fleet, plots points, takes a new report live, and is kept in a screenshot', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(scopenode!.url);
    await page.waitForFunction((n) => document.querySelectorAll('#fleet tbody tr').length === n, N, { timeout: 30_000 });
    const rows = await page.$$eval('#fleet tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: N }, (_, i) => `spime-${i + 1}@${server.host}`));
    expect(rows.map((r) => r[1])).toEqual(['yes', 'yes', 'yes']);
    expect(rows.map((r) => [r[3], r[4], r[5], r[6]])).toEqual([['20', '2', '0', '–'], ['20', '2', '1', '–'], ['20', '2', '2', '–']]);
    // spime-1 is selected: its charts and track have points, drawn by uPlot on canvases
    await page.waitForFunction(() => Number(document.getElementById('plot-co2')!.dataset.points) === 20, null, { timeout: 30_000 });
    expect(await page.$$eval('#plot-co2 canvas, #plot-climate canvas, #plot-pressure canvas', (cs) => cs.length)).toBe(3);
    expect(await page.$eval('#plot-pressure', (el) => el.dataset.points)).toBe('20');
    expect(await page.$eval('#track-path', (el) => [el.getAttribute('d')!.split(/[ML]/).length - 1, (el as SVGPathElement).getTotalLength() > 50])).toEqual([20, true]);

    // a new report arrives: the table and the chart change, the page is not reloaded
    await page.evaluate(() => { window.marker = 42; });
    await page.waitForFunction(() => document.getElementById('live')!.className === 'on', null, { timeout: 30_000 });
    await spimes[0]!.reporter.report(walk(0, 20, 5), 0, 0);
    await page.waitForFunction(() => Number(document.getElementById('plot-co2')!.dataset.points) === 25, null, { timeout: 30_000 });
    const row = await page.$eval('#fleet tbody tr', (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect([row[3], row[4]]).toEqual(['25', '0']);
    expect(await page.evaluate(() => window.marker)).toBe(42);
    expect(await page.$eval('#track-path', (el) => el.getAttribute('d')!.split(/[ML]/).length - 1)).toBe(25);

    // clicking another spime shows its charts
    await page.click('#fleet tbody tr:nth-child(3)');
    await page.waitForFunction((jid) => document.getElementById('selected')!.textContent === jid, `spime-3@${server.host}`, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.getElementById('plot-climate')!.dataset.points) === 20, null, { timeout: 10_000 });
    await page.click('#fleet tbody tr:nth-child(1)');
    await page.waitForFunction(() => Number(document.getElementById('plot-co2')!.dataset.points) === 25, null, { timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test('the ScopeNode restarted on the same data dir serves the same fleet from its SQLite file', async () => {
    expect(await stopScopeNode()).toBe(0);
    scopenode = await startScopeNode();
    expect(scopenode.out.join('')).toMatch(new RegExp(`store: sqlite \\S+scopenode\\.sqlite \\(schema \\d+, ${20 * N + 5} entries\\)`));
    const page = await browser!.newPage();
    await page.goto(scopenode.url);
    await page.waitForFunction((n) => document.querySelectorAll('#fleet tbody tr').length === n, N, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('plot-co2')!.dataset.points) === 25, null, { timeout: 30_000 });
    await page.close();
    // and a page on another Host name (DNS rebinding) is refused
    const { port } = new URL(scopenode.url);
    const status = (host: string) => new Promise<number | undefined>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/fleet', headers: { host } }, (res) => { res.resume(); ok(res.statusCode); });
      req.on('error', fail);
      req.end();
    });
    expect(await status('evil.example')).toBe(421);
    expect(await status(`localhost:${port}`)).toBe(200);
  }, 120_000);

  test('npm start: the dashboard it prints fills with its three simulated spimes and their live data', async () => {
    const proc = spawn(process.execPath, ['tools/start.js', '--seconds', '120', '--interval', '1000', '--batch', '2', '--batch-wait', '2', '--outage-for', '0', '--dashboard-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    proc.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
    proc.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 90_000;
      let url: string | undefined;
      while (!(url = /dashboard: (http:\/\/\S+)/.exec(out.join(''))?.[1])) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`npm start printed no dashboard URL:\n${out.join('')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url);
      // the spimes appear as their first reports arrive, without a reload
      await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr').length === 3, null, { timeout: 90_000 });
      await page.waitForFunction(() => Number(document.getElementById('plot-co2')!.dataset.points) > 0, null, { timeout: 30_000 });
      const before = Number(await page.$eval('#plot-co2', (el) => el.dataset.points));
      await page.waitForFunction((n) => Number(document.getElementById('plot-co2')!.dataset.points) > n, before, { timeout: 30_000 });
      expect(Number(await page.$eval('#track-path', (el) => el.dataset.points))).toBeGreaterThan(before);
      await page.screenshot({ path: join(ARTIFACTS, 'npm-start-dashboard.png'), fullPage: true });
      await page.close();
    } finally {
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  }, 180_000);
});
