import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT_USAGE } from '../cli-error.js';

/**
 * `urne demo`: builds an election (by default the example in examples/paris-2013.election.json)
 * on a synthetic electoral roll, and drives it through the real command path (GraphQL over HTTP
 * against the application started in this process, on a manual clock): declaration, reference
 * data, candidates, sponsorships, certification, a withdrawal, the ballot order, registrations
 * confirmed with the codes from the outbox, a fraud the checks flag, then the vote to certified
 * results (credentials, a threshold key ceremony, seal, voters signing in and casting encrypted
 * ballots, turnout, tally, partial decryptions, certification; --no-vote stops before it). Progress on stderr; a
 * summary (figures, time per step, what to look at) on stdout. Exit 2: a data folder that already
 * holds events (unless --force-new), or a bad option.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('build the example election on a synthetic roll through the real command path, then print what to look at')
    .option('--size <n>', 'people on the synthetic electoral roll', parsePositiveInteger, 50_000)
    .option('--data-dir <dir>', 'folder for the demo’s data (must hold no events yet)', './data-demo')
    .option('--force-new', 'when --data-dir already holds events, use a fresh sub-folder in it')
    .option('--port <n>', 'HTTP port (0: any free port)', parsePort, 4000)
    .option('--election <file>', 'the election file (default: examples/paris-2013.election.json)')
    .option('--registrations <n>', 'registrations to submit and confirm (0: none)', parseNonNegativeInteger, 500)
    .option('--officials <n>', 'elected officials on the synthetic list', parsePositiveInteger, 163)
    .option('--districts <n>', 'districts (arrondissements) of the synthetic lists', parsePositiveInteger, 20)
    .option('--concurrency <n>', 'requests in flight', parsePositiveInteger, 8)
    .option('--seed <n>', 'the same seed gives the same demo', parseNonNegativeInteger, 2013)
    .option('--no-vote', 'stop after the registrations (the round is left for a council and trustees to run)')
    .option('--keep-running', 'keep serving after the demo, until Ctrl-C')
    .action(run);
}

interface DemoCliOptions {
  size: number;
  dataDir: string;
  forceNew?: boolean;
  port: number;
  election?: string;
  registrations: number;
  officials: number;
  districts: number;
  concurrency: number;
  seed: number;
  keepRunning?: boolean;
  vote?: boolean;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(number) || number < 1) throw new CliError(`expected a positive integer, got "${value}"`, EXIT_USAGE);
  return number;
}

function parseNonNegativeInteger(value: string): number {
  const number = Number(value.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(number) || number < 0) throw new CliError(`expected an integer >= 0, got "${value}"`, EXIT_USAGE);
  return number;
}

function parsePort(value: string): number {
  const number = parseNonNegativeInteger(value);
  if (number > 65535) throw new CliError(`expected a port from 0 to 65535, got "${value}"`, EXIT_USAGE);
  return number;
}

/** examples/ at the package root (from src/… or dist/src/…). */
function defaultElectionFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'examples', 'paris-2013.election.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new CliError('cannot find examples/paris-2013.election.json: give --election <file>', EXIT_USAGE);
}

async function run(options: DemoCliOptions): Promise<void> {
  const electionFile = options.election ?? defaultElectionFile();
  if (!existsSync(electionFile)) throw new CliError(`no such file: ${electionFile}`, EXIT_USAGE);
  const { runDemo, DemoUsageError } = await import('../../demo/run-demo.js');
  try {
    const report = await runDemo({
      size: options.size,
      dataDir: options.dataDir,
      port: options.port,
      electionFile,
      registrations: options.registrations,
      officials: options.officials,
      districts: options.districts,
      concurrency: options.concurrency,
      keepRunning: options.keepRunning === true,
      noVote: options.vote === false,
      forceNew: options.forceNew === true,
      seed: options.seed,
    });
    process.stdout.write(report.stdout);
  } catch (error) {
    if (error instanceof DemoUsageError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}
