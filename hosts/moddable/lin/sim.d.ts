// Typings of the bundled simulated sensors (hosts/sim/sensors/spime.ts, bundled by
// tools/device-build.js into $SPIMEKIT_SIM/sim.js with this file beside it).
import type { DataEntry } from 'spimekit/openspime/data';

export interface SimulatedSpime {
  start(): Promise<void>;
  manager: { entry(time: number): DataEntry };
}

export function simulatedSpime(options: { clock: { now(): number; delay(ms: number): Promise<void> }; seed?: number; epoch?: number }): SimulatedSpime;
