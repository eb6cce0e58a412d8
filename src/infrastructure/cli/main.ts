import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { appVersion } from '../config/version.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error.js';
import { registerDemoCommand } from './commands/demo.command.js';
import { registerElectionCommand } from './commands/election.command.js';
import { registerExportCommand } from '../belenios-export/export.command.js';
import { registerBeleniosAuditCommand } from '../audit/belenios-audit.command.js';
import { registerLedgerAuditCommand } from '../audit/ledger-audit.command.js';
import { registerExportLedgerCommand } from '../ledger-export/export-ledger.command.js';
import { registerGdprCommand } from './commands/gdpr.command.js';
import { registerLedgerCommand } from '../ledger-seal/ledger.command.js';
import { registerProjectionsCommand } from './commands/projections.command.js';
import { registerRollCommand } from './commands/roll.command.js';
import { registerServeCommand } from './commands/serve.command.js';
import { registerStaffCommand } from './commands/staff.command.js';
import { registerTrusteeCommand } from './trustee/trustee.command.js';

/** One function per command, each in its own file under ./commands: add a line to register one. */
const COMMANDS: Array<(program: Command) => void> = [
  registerServeCommand,
  registerProjectionsCommand,
  registerGdprCommand,
  registerStaffCommand,
  registerElectionCommand,
  registerRollCommand,
  registerDemoCommand,
  registerTrusteeCommand,
  registerExportCommand,
  registerBeleniosAuditCommand,
  registerLedgerAuditCommand,
  registerExportLedgerCommand,
  registerLedgerCommand,
];

/** Builds the `urne` program. Settings are made before the commands so that they inherit them. */
export function buildProgram(): Command {
  const program = new Command('urne')
    .description('Urne: an event-sourced, verifiable election ledger')
    .version(appVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showHelpAfterError('(run "urne --help" for usage)')
    .showSuggestionAfterError(true);
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (a running `serve` keeps the process alive afterwards). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help, or the version).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(`urne: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`urne: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
