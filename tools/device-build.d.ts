// Typings of device-build.js for the TypeScript entry points that use it (bench/device-heap.ts).
type Log = (line: string) => void;
export function bundleSim(dir: string): void;
export function linLibrary(out: string): string | undefined;
export function buildLauncher(out: string, env?: NodeJS.ProcessEnv): string | Error;
export function deviceBuild(o?: { platform?: string; skip?: string; env?: NodeJS.ProcessEnv; log?: Log; out?: string }): boolean | undefined;
export function deviceTier(out: string, o?: { env?: NodeJS.ProcessEnv; log?: Log }): { passed: number; failed: number };
