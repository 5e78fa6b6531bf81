// Node-only (reads files): the Moddable manifest picks one board per platform and carries the
// sensor modules. mcconfig's matchPlatform tries the full `platform/subplatform` before the
// platform alone, so `esp32/esp32s3` must not fall through to the plain ESP32 board.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boards } from '../../boards/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));

function matchPlatform(platforms: Record<string, unknown>, name: string): unknown {
  const parts = name.split('/');
  while (parts.length) {
    const partial = parts.join('/');
    if (partial in platforms) return platforms[partial];
    parts.length -= 1;
  }
  return platforms['...'];
}

describe('manifest.json', () => {
  test.each(Object.values(boards))('platform $platform includes the $name board', (board) => {
    const entry = matchPlatform(manifest.platforms, board.platform) as { include: string[] };
    // one board manifest (besides the platform's host manifest, hosts/moddable/esp32)
    const boardIncludes = entry.include.filter((i) => i.startsWith('./boards/'));
    expect(boardIncludes).toHaveLength(1);
    const boardManifest = JSON.parse(readFileSync(join(root, boardIncludes[0]!), 'utf8'));
    expect(boardManifest.modules['spimekit/board']).toBe('./board');
    const source = readFileSync(join(root, boardIncludes[0]!, '../board.ts'), 'utf8');
    expect(source).toContain(`platform: '${board.platform}'`);
    expect(boardManifest.defines.i2c).toEqual({ sda_pin: board.i2c.data, scl_pin: board.i2c.clock });
  });
  test('every sensor module is in a directory the manifest maps', () => {
    const mapped = Object.values(manifest.modules as Record<string, string>);
    for (const dir of ['src/sensors', 'src/sensors/gps']) {
      expect(mapped).toContain(`./${dir}/*`);
      expect(readdirSync(join(root, dir)).some((f) => f.endsWith('.ts'))).toBe(true);
    }
  });
});
