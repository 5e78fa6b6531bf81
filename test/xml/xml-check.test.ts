// Node only: the command-line checker, run as a user would, on files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSPIME_STREAM, SERVER_STREAM } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'xml-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, content: string | Buffer): { status: number | null; out: string } {
  const file = join(dir, name);
  writeFileSync(file, content);
  const r = spawnSync(process.execPath, ['tools/xml-check.js', file], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('tools/xml-check.js', () => {
  test.each([
    ['a closed stream', SERVER_STREAM],
    ['an unclosed stream', OPENSPIME_STREAM],
    ['a single element', "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>\n"],
  ])('accepts %s silently', (_name, content) => {
    expect(run('ok.xml', content)).toEqual({ status: 0, out: '' });
  });

  test.each([
    ['a comment', '<a><!-- no --></a>', /^restricted-xml: .* at byte 3\n$/],
    ['a stanza cut short', `${OPENSPIME_STREAM}<iq><query>`, new RegExp(`^not-well-formed: .* at byte ${Buffer.byteLength(OPENSPIME_STREAM) + 11}\\n$`)],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xc0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]), /^not-well-formed: invalid UTF-8 at byte 3\n$/],
    ['Latin-1', "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", /^unsupported-encoding: .* at byte 0\n$/],
  ])('rejects %s with the condition and offset', (_name, content, expected) => {
    const { status, out } = run('bad.xml', content);
    expect(status).toBe(1);
    expect(out).toMatch(expected);
  });
});
