// Typings of native.js (host_lin.c).
/** One line to stdout, flushed. */
export function print(text: string): void;
export function getenv(name: string): string | undefined;
export function exit(code: number): never;
/** A file's text (up to 64 KB), or undefined if it cannot be opened. */
export function readTextFile(path: string): string | undefined;
/** The first IPv4 address of `name` as text (a literal passes through), or undefined. */
export function resolve(name: string): string | undefined;
/** Raw file-backed NOR cells; bounds are the caller's (hosts/moddable/lin/flash.ts). */
export class NativeFileFlash {
  constructor(path: string, blocks: number, blockLength: number);
  close(): void;
  read(length: number, offset: number): ArrayBuffer;
  /** NOR: new = old AND data. */
  write(data: ArrayBuffer | ArrayBufferView, offset: number): void;
  erase(from: number, to: number): void;
}
/** The XS heap: [chunk bytes now, chunk bytes peak, slot bytes now, slot bytes peak]. */
export function heap(): [number, number, number, number];
/** Peaks := current (to measure the next phase alone). */
export function resetHeapPeak(): void;
