// `npm run soak [-- CUTS [SEED]]`: the power-cut soak of test/integration/flash-soak.test.ts with
// more cuts (default 1,000) and a chosen seed; it prints the seed and the counts. (Prosody restarts
// and connection cuts mid-stanza are not in it yet.)
import { spawnSync } from 'node:child_process';

const [cuts = '1000', seed = String(Date.now() % 1e9)] = process.argv.slice(2);
console.log(`soak: ${cuts} power cuts, seed ${seed}`);
const r = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', 'test/integration/flash-soak.test.ts'], {
  stdio: 'inherit', env: { ...process.env, SPIMEKIT_SOAK_CUTS: cuts, SPIMEKIT_SOAK_SEED: seed },
});
process.exit(r.status ?? 1);
