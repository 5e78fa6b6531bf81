// Start a test server by hand, for debugging a client against it:
//   node tools/run-ts.js test/servers/cli.ts prosody|ejabberd [user password]…
// Prints ports, the CA path and the log path, registers the given accounts, and runs until ^C
// (then stops the server and deletes its dir; SPIMEKIT_KEEP_SERVER_DIRS=1 keeps the dir).
import { startEjabberd } from './ejabberd.js';
import { startProsody } from '../../tools/servers/prosody.js';

const [kind = 'prosody', ...accounts] = process.argv.slice(2);
if (kind !== 'prosody' && kind !== 'ejabberd') {
  console.error('usage: node tools/run-ts.js test/servers/cli.ts prosody|ejabberd [user password]…');
  process.exit(2);
}
const t0 = Date.now();
const server = kind === 'prosody' ? await startProsody() : await startEjabberd();
const started = Date.now() - t0;
for (let i = 0; i + 1 < accounts.length; i += 2) await server.register(accounts[i] as string, accounts[i + 1] as string);
console.log(`${kind} started in ${started} ms (pid ${server.pid})
  domain         ${server.host}
  c2s (STARTTLS) 127.0.0.1:${server.c2sPort}
  direct TLS     127.0.0.1:${server.directTlsPort}
  component      127.0.0.1:${server.componentPort}  ${server.componentDomain}  secret ${server.componentSecret}
  pubsub         ${server.pubsubDomain}
  CA             ${server.caPath}
  log            ${server.logPath}
  dir            ${server.configDir}
accounts: ${accounts.length >= 2 ? accounts.filter((_, i) => i % 2 === 0).map((u) => `${u}@${server.host}`).join(', ') : 'none'}
^C to stop.`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
