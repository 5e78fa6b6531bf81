// The Linux target as the device (the headless lin launcher runs it): output to stdout, the
// provisioning record from the JSON file named by $SPIMEKIT_PROVISION, the flash log on the file
// named by $SPIMEKIT_FLASH, and the simulated sensors of hosts/sim (Linux has no I2C).
import { exit, getenv, heap, print, readTextFile, resetHeapPeak } from 'spimekit/host/lin/native';
import { FileFlash } from 'spimekit/host/lin/flash';
import { moddableClock } from 'spimekit/host/sensors/clock';
import { parseProvisioning, ProvisioningError, type Provisioning } from 'spimekit/host/provisioning';
import type { Flash } from 'spimekit/storage/flash';
import type { DataEntry } from 'spimekit/openspime/data';
// The simulated sensors: hosts/sim bundled (see lin/manifest.json).
import { simulatedSpime } from 'spimekit/host/lin/sim';

export const platform = 'lin';

export function log(text: string): void { print(text); }

/** The XS heap peaks since the last call (chunk and slot bytes), then reset: bench/device-heap.ts. */
export function heapPeak(): string {
  const [, chunks, , slots] = heap();
  resetHeapPeak();
  return `chunks=${chunks} slots=${slots}`;
}

export function halt(text: string): never {
  print(text);
  return exit(1);
}

export function provisioning(): Provisioning {
  const path = getenv('SPIMEKIT_PROVISION');
  if (!path) throw new ProvisioningError('$SPIMEKIT_PROVISION names no provisioning file');
  const text = readTextFile(path);
  if (text === undefined) throw new ProvisioningError(`cannot read ${path}`);
  return parseProvisioning(text);
}

export function openFlash(): Flash {
  const blocks = Number(getenv('SPIMEKIT_FLASH_BLOCKS') ?? 16);
  return new FileFlash(getenv('SPIMEKIT_FLASH') ?? 'spimekit.flash', blocks, 4096);
}

/** The desktop is on the network with its clock set already. */
export function startNetwork(_p: Provisioning): Promise<void> { return Promise.resolve(); }

/** The record store's partition: two banks of two 4 KiB blocks, as on the Node host. */
export function openRecordFlash(): Flash {
  return new FileFlash(getenv('SPIMEKIT_RECORDS') ?? `${getenv('SPIMEKIT_FLASH') ?? 'spimekit.flash'}.records`, 4, 4096);
}

/** The sensors' fresh samples as an entry (its date is the caller's). */
export async function startReadings(): Promise<() => DataEntry | undefined> {
  const spime = simulatedSpime({ clock: moddableClock, seed: Number(getenv('SPIMEKIT_SEED') ?? 42), epoch: Date.now() });
  await spime.start();
  return () => spime.manager.entry(Date.now());
}
