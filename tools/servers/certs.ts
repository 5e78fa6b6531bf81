// A throwaway PKI per test run: a CA and a server certificate it signs, made with the openssl CLI
// into a temp dir. The server certificate names the XMPP domain, its subdomains (components),
// `localhost` and 127.0.0.1, so clients can verify whichever name they connect with — nothing in
// the tests turns certificate verification off.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  /** PEM of the CA that signed the server certificate: the only thing a client must trust. */
  caPem: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** Certificate and key concatenated (ejabberd's `certfiles` wants one file). */
  bundlePath: string;
}

export function makeTestPki(dir: string, domain: string): TestPki {
  const p = (f: string) => join(dir, f);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // P-256 keys: generating them takes milliseconds, unlike RSA.
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=spimekit test CA']);
  run(['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${domain}`]);
  writeFileSync(p('server.ext'), [
    `subjectAltName=DNS:${domain},DNS:*.${domain},DNS:localhost,IP:127.0.0.1`,
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n') + '\n');
  run(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.pem'), '-days', '2', '-extfile', p('server.ext')]);
  writeFileSync(p('server-bundle.pem'), readFileSync(p('server.pem'), 'utf8') + readFileSync(p('server.key'), 'utf8'));
  return {
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    caPath: p('ca.pem'),
    certPath: p('server.pem'),
    keyPath: p('server.key'),
    bundlePath: p('server-bundle.pem'),
  };
}
