#!/usr/bin/env node
// `npx spimekit <command> …`: the project's commands for users (owner, scopenode, provision).
// Each command is a TypeScript module tools/cli/<command>.ts, run through tools/run-ts.js.
import { existsSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'tools', 'cli');
const commands = (existsSync(cliDir) ? readdirSync(cliDir) : []).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const [command, ...args] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || !existsSync(join(cliDir, `${command}.ts`))) {
  if (command && command !== '--help' && command !== '-h') console.error(`spimekit: unknown command '${command}'`);
  console.error(`usage: spimekit <command> [options]   (commands: ${commands.join(', ') || 'none yet'}; spimekit <command> --help)`);
  process.exit(command && command !== '--help' && command !== '-h' ? 2 : 0);
}
const child = spawn(process.execPath, [join(root, 'tools', 'run-ts.js'), join(cliDir, `${command}.ts`), ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
