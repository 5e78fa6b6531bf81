// tools/ensure-servers.js, which `npm test` and `npm start` run first: with the servers missing and
// no way to install, it stops at once with the install command for the system; with them present
// it says nothing. Run with a PATH stripped to `node` alone, so nothing is found and apt-get is never
// reached (no package is installed by this test).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain JavaScript tool without declarations
import { detectSystem, installCommand, missingServers } from '../../tools/ensure-servers.js';

const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
const debianCommand = `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends prosody lua-unbound ejabberd openssl`;
let dir: string;
let bare: string; // a PATH with node only

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spimekit-ensure-'));
  bare = join(dir, 'bin');
  mkdirSync(bare);
  symlinkSync(process.execPath, join(bare, 'node'));
  writeFileSync(join(dir, 'debian'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  writeFileSync(join(dir, 'fedora'), 'NAME="Fedora Linux"\nVERSION_ID=40\nID=fedora\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, ['tools/ensure-servers.js', ...args], { env, encoding: 'utf8' });

test('Debian without the servers and without apt-get: exit 1 at once, naming what is missing and the apt-get command', () => {
  const r = run(['prosody', 'ejabberd', 'openssl'], { PATH: bare, SPIMEKIT_OS_RELEASE: join(dir, 'debian') });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`spimekit runs private XMPP servers on loopback and needs prosody, ejabberd, openssl, not installed (apt-get is not on PATH). Install them with:\n  ${debianCommand}\n`);
});

test('SPIMEKIT_NO_INSTALL stops before apt-get even when apt-get is there', () => {
  const fake = join(dir, 'fake-apt');
  mkdirSync(fake);
  const marker = join(dir, 'apt-get-ran');
  writeFileSync(join(fake, 'apt-get'), `#!/bin/sh\necho ran > '${marker}'\nexit 1\n`);
  chmodSync(join(fake, 'apt-get'), 0o755);
  const r = run(['prosody'], { PATH: `${bare}:${fake}`, SPIMEKIT_OS_RELEASE: join(dir, 'debian'), SPIMEKIT_NO_INSTALL: '1' });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`spimekit runs private XMPP servers on loopback and needs prosody, not installed (SPIMEKIT_NO_INSTALL is set). Install it with:\n  ${debianCommand}\n`);
  expect(existsSync(marker)).toBe(false);
});

test('Fedora: the dnf command, no attempt to install', () => {
  const r = run(['prosody'], { PATH: bare, SPIMEKIT_OS_RELEASE: join(dir, 'fedora') });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('(automatic install is done with apt-get only)');
  expect(r.stderr).toContain(`\n  ${sudo}dnf install -y prosody lua-unbound ejabberd openssl\n`);
});

test('systems and their commands', () => {
  expect(detectSystem('ID=ubuntu\nID_LIKE=debian\n', 'linux')).toBe('debian');
  expect(detectSystem('ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'linux')).toBe('debian');
  expect(detectSystem('ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'linux')).toBe('fedora');
  expect(detectSystem('', 'darwin')).toBe('macos');
  expect(detectSystem('ID=alpine\n', 'linux')).toBe('unknown');
  expect(installCommand('macos', false)).toBe('brew install prosody ejabberd openssl');
  expect(installCommand('debian', true)).toBe('apt-get update && apt-get install -y --no-install-recommends prosody lua-unbound ejabberd openssl');
  expect(installCommand('fedora', false)).toBe('sudo dnf install -y prosody lua-unbound ejabberd openssl');
});

test('with the servers on PATH (this machine, as the test harness needs them): nothing missing, exit 0, silent', () => {
  expect(missingServers(['prosody', 'ejabberd', 'openssl'], { PATH: bare })).toEqual(['prosody', 'ejabberd', 'openssl']);
  expect(missingServers(['prosody', 'ejabberd', 'openssl'], process.env)).toEqual([]);
  const r = run([], { PATH: process.env.PATH ?? '' });
  expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
});
