// `npx spimekit owner <subcommand> …`: the owner's command line (tools/owner/commands.ts).
import { runOwnerCommand } from '../owner/commands.js';

process.exitCode = await runOwnerCommand(process.argv.slice(2));
