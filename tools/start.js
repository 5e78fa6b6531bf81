// `npm start`: the host simulation. Until the simulation exists this runs a short self-check of
// what does: the portable suites on XS.
import { runXsTests } from './xs-test.js';
const { passed, failed } = await runXsTests('');
console.log(`spimekit: ${passed} portable checks passed on XS, ${failed} failed`);
process.exit(failed ? 1 : 0);
