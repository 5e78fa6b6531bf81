// `npm run soak [-- CUTS [SEED [NET_CUTS [RESTARTS]]]]`: the soak of test/integration/flash-soak.test.ts
// at full size — 1,000 power cuts at seeded random points of flash writes and erases, 1,000 cuts of
// the spime's TCP connection at a random byte (mid-stanza), 100 Prosody restarts, all in one run —
// then a drain; it prints the seed and the counts (0 lost, 0 duplicated, per-spime order kept) and
// progress every 100 boots. Not part of `npm test` (which runs it with 100 / 20 / 2).
import { spawnSync } from 'node:child_process';

const [cuts = '1000', seed = String(Date.now() % 1e9), netCuts = '1000', restarts = '100'] = process.argv.slice(2);
console.log(`soak: ${cuts} power cuts, ${netCuts} connection cuts mid-stanza, ${restarts} Prosody restarts, seed ${seed}`);
const r = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', '--forceExit', 'test/integration/flash-soak.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SPIMEKIT_SOAK_CUTS: cuts, SPIMEKIT_SOAK_SEED: seed, SPIMEKIT_SOAK_NET_CUTS: netCuts, SPIMEKIT_SOAK_RESTARTS: restarts, SPIMEKIT_SOAK_VERBOSE: '100' },
});
console.log(`soak: seed ${seed} — ${r.status === 0 ? 'passed' : 'FAILED'} (the counts are in the "soak seed" line above)`);
process.exit(r.status ?? 1);
