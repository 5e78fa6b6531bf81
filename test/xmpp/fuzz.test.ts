// The client's inbound path under fuzzing (test/xmpp/fuzz.ts): random and mutated server streams
// through the raw peer, split at random points, over real TCP and TLS. A fixed small budget here
// (a fixed seed, so CI is repeatable; SPIMEKIT_FUZZ_SEED picks another); `npm run fuzz` runs
// longer with a random seed. The campaign runs in its own Node process (tools/fuzz.js) so that
// its process-level handlers, not jest's, see any exception or rejection that escapes the client,
// and so that a hang cannot take the test runner with it.
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { CampaignResult } from './fuzz.js';

const SEED = Number(process.env.SPIMEKIT_FUZZ_SEED ?? 9);
const CASES = 60;
const SECONDS = 50; // a cap: on a slow machine fewer cases run, never a longer test

function runFuzz(args: string[]): Promise<{ code: number | null; result?: CampaignResult; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['tools/fuzz.js', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    // the campaign bounds itself (SECONDS, CASE_MS per case); this only guards against the harness
    const guard = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 60) * 1000);
    child.on('close', (code) => {
      clearTimeout(guard);
      const line = out.trim().split('\n').pop() ?? '';
      let result: CampaignResult | undefined;
      try { result = JSON.parse(line) as CampaignResult; } catch { /* reported below */ }
      resolve({ code, result, stderr: err });
    });
  });
}

describe('fuzz: the client against random and mutated server streams', () => {
  test(`seed ${SEED}, ${CASES} cases: nothing escapes, no hang, typed stops, bounded heap, nothing lost`, async () => {
    const { code, result, stderr } = await runFuzz(['--seed', String(SEED), '--cases', String(CASES), '--seconds', String(SECONDS)]);
    if (!result) throw new Error(`the fuzz run produced no result (exit ${code}):\n${stderr.slice(-4000)}`);
    // a run that exercised nothing proves nothing: most cases must get through TLS and SASL
    expect(result.cases).toBeGreaterThanOrEqual(20);
    expect(Object.entries(result.outcomes).filter(([k]) => k.startsWith('online')).reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(result.cases / 4);
    const report = result.findings.map((f) =>
      `${f.signature}  ×${f.count}\n    replay: npm run fuzz -- --replay ${f.seeds[0]}   (run: npm run fuzz -- --seed ${SEED} --cases ${CASES})`).join('\n');
    if (result.findings.length) {
      // the full reproducer of the first finding (its server stream, split points, the client's side)
      const first = result.findings[0];
      throw new Error(`fuzz seed ${SEED}: ${result.findings.length} distinct finding(s) in ${result.cases} cases\n${report}\n\nfirst finding:\n  ${first.notes.join('\n  ')}\n${first.transcript.slice(0, 6000)}`);
    }
    expect(result.heap.ok).toBe(true);
    expect(code).toBe(0);
  }, (SECONDS + 90) * 1000);
});
