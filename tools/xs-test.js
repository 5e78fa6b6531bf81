// The XS test harness: every portable suite (`test/**/*.spec.ts`) is bundled with a jest
// look-alike (test/xs/jest-shim.ts) and run on XS. Prints one line per test and returns counts.
// Usage: node tools/xs-test.js [substring-filter]
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForXs, startXs } from './xs.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');

function findSpecs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findSpecs(path);
    return name.endsWith('.spec.ts') ? [path] : [];
  });
}

async function runSpec(path) {
  const rel = relative(root, path);
  const shim = relative(join(root, 'test'), join(root, 'test/xs/jest-shim.ts'));
  const entry = `import './${shim}';\nimport './${relative(join(root, 'test'), path)}';\n`;
  const script = await bundleForXs(entry, join(root, 'test'));
  const results = [];
  let done = null;
  const worker = await startXs({
    name: rel.replace(/[^\w.-]/g, '_'),
    onMessage: (m) => {
      if (m.type === 'result') results.push(m);
      else if (m.type === 'log') console.log(`    [xs] ${m.text}`);
      else if (m.type === 'done') done = m;
    },
  });
  try {
    await worker.evaluate(script);
    await worker.issueStringCommand('run');
    // XS has no event loop of its own here: when it is idle and not done, fire the next virtual timer.
    let ticks = 0;
    while (!done) {
      const reply = await worker.issueStringCommand('tick');
      if (reply.reply !== '1') { done = { error: 'suite hung: pending promises and no timers left' }; break; }
      if (++ticks > 1e6) { done = { error: 'suite did not finish after 1e6 timer ticks' }; break; }
    }
  } catch (e) {
    done = { error: `XS worker failed: ${e?.message ?? e}` };
  } finally {
    await worker.close().catch(() => worker.terminate?.());
  }
  return { rel, results, error: done?.error };
}

export async function runXsTests(filter = '') {
  const specs = findSpecs(join(root, 'test')).filter((p) => relative(root, p).includes(filter)).sort();
  let passed = 0, failed = 0, skipped = 0;
  for (const spec of specs) {
    const { rel, results, error } = await runSpec(spec);
    const bad = results.filter((r) => r.ok === false);
    console.log(`${bad.length || error ? 'FAIL' : 'PASS'} [xs] ${rel} (${results.length} tests)`);
    for (const r of results) {
      if (r.skipped) { skipped++; continue; }
      if (r.ok) passed++;
      else { failed++; console.log(`  ✕ ${r.name}\n      ${String(r.error).split('\n').join('\n      ')}`); }
    }
    if (error) { failed++; console.log(`  ✕ ${rel}: ${error}`); }
    if (!error && results.length === 0) { failed++; console.log(`  ✕ ${rel}: no test ran on XS`); }
  }
  return { passed, failed, skipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { passed, failed, skipped } = await runXsTests(process.argv[2] ?? '');
  console.log(`xs: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}
