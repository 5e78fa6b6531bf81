// The file-backed flash (Node): same NOR semantics as the device, and it persists — a log
// written by one process run is found again by the next.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlash } from '../../hosts/node/flash.js';
import { FlashLog } from '../../src/storage/log.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'spimekit-flash-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a new file is erased flash; writes AND into the cells; erase restores 0xFF', () => {
  const f = new FileFlash(join(dir, 'p.bin'), { blocks: 2, blockLength: 256 });
  expect(f.status()).toEqual({ size: 512, blockLength: 256, blocks: 2 });
  expect(new Uint8Array(f.read(512, 0)).every((x) => x === 0xff)).toBe(true);
  f.write(new Uint8Array([0xf0]), 3);
  f.write(new Uint8Array([0x3c]), 3);
  expect(new Uint8Array(f.read(1, 3))[0]).toBe(0x30);
  f.eraseBlock(0);
  expect(new Uint8Array(f.read(1, 3))[0]).toBe(0xff);
  expect(() => f.read(1, 512)).toThrow(RangeError);
  f.close();
});

test('the log survives closing and reopening the file', () => {
  const path = join(dir, 'log.bin');
  let flash = new FileFlash(path, { blocks: 4, blockLength: 1024 });
  let log = new FlashLog(flash);
  for (let i = 0; i < 50; i++) log.append(new Uint8Array([i, i, i]));
  log.acknowledge(19);
  flash.close();
  flash = new FileFlash(path, { blocks: 4, blockLength: 1024 });
  log = new FlashLog(flash);
  expect(log.read(100).map((e) => e.payload[0])).toEqual(Array.from({ length: 30 }, (_, i) => i + 20));
  flash.close();
});

test('a file of the wrong size is refused, not reformatted', () => {
  const path = join(dir, 'small.bin');
  writeFileSync(path, new Uint8Array(100));
  expect(() => new FileFlash(path, { blocks: 4, blockLength: 1024 })).toThrow(RangeError);
});
