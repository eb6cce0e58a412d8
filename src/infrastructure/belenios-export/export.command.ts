import type { Command } from 'commander';
import { resolve } from 'node:path';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import { cliLogger, configFromEnvironment } from '../cli/cli-context.js';
import type { BeleniosExportSummary, ExportProgress } from './belenios-archive-export.js';

/**
 * `urne export belenios --election paris-2013 --round 1 --out paris-2013-1.bel` writes one round's
 * public record as a Belenios 2.0 archive, for `belenios-tool election verify`: everything recorded
 * so far (during the vote: up to the last accepted ballot). A progress bar on stderr, a summary on
 * stdout (or JSON with --json). Exit codes: 0 written, 1 unknown election or round, round without
 * an election key yet, inconsistent record, 2 usage.
 */
export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('export public records in standard formats');
  exportCommand
    .command('belenios')
    .requiredOption('--election <id>', 'the election id, e.g. paris-2013')
    .requiredOption('--round <n>', 'the round: 1 or 2', parseRound)
    .requiredOption('--out <file>', 'where to write the archive (name it <uuid>.bel for belenios-tool)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .description("write one round's public record as a Belenios 2.0 .bel archive (checked by belenios-tool election verify)")
    .action(runExport);
}

interface ExportOptions {
  election: string;
  round: number;
  out: string;
  json?: boolean;
  progress: boolean;
}

function parseRound(value: string): number {
  const round = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(round) || round < 1) throw new CliError(`--round: expected 1 or 2, got "${value}"`, EXIT_USAGE);
  return round;
}

async function runExport(options: ExportOptions): Promise<void> {
  const out = resolve(options.out);
  const config = configFromEnvironment();
  const logger = await cliLogger();
  const { createEventStore } = await import('../event-store/create-event-store.js');
  const { BeleniosExportError, exportBeleniosArchiveToFile } = await import('./belenios-archive-export.js');
  const store = await createEventStore(config, logger);
  const progress = options.progress ? await progressBar() : undefined;
  const started = Date.now();
  let summary: BeleniosExportSummary;
  try {
    summary = await exportBeleniosArchiveToFile(store, { electionId: options.election, round: options.round }, out, { onProgress: progress?.update });
  } catch (error) {
    if (error instanceof BeleniosExportError) throw new CliError(error.message, EXIT_FAILURE);
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) throw new CliError(`cannot write ${options.out}: ${error.message}`, EXIT_FAILURE);
    throw error;
  } finally {
    progress?.stop();
    await store.close();
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, file: out })}\n`);
    return;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const megabytes = (summary.bytes / (1024 * 1024)).toFixed(1);
  process.stdout.write(
    `${options.out}: Belenios archive of ${summary.electionId} round ${summary.round} (uuid ${summary.uuid}), ${summary.stage}: ` +
      `${summary.ballots.toLocaleString('en')} ballots, ${summary.events.toLocaleString('en')} events, ${megabytes} MB in ${seconds} s\n` +
      `verify: mkdir d && cp ${options.out} d/${summary.uuid}.bel && belenios-tool election verify --dir d\n`,
  );
}

/** A cli-progress bar on stderr over the ballots (off a terminal: a plain line every 2 s). */
async function progressBar(): Promise<{ update: (progress: ExportProgress) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: InstanceType<typeof SingleBar> | undefined;
  return {
    update: (progress) => {
      if (!bar) {
        // Only worth a bar for long exports.
        if (progress.ballotBoxEvents < 1000) return;
        bar = new SingleBar(
          { format: 'exporting [{bar}] {percentage}% | {value}/{total} ballots | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
          Presets.shades_classic,
        );
        bar.start(Math.max(progress.ballotBoxEvents, progress.ballots), progress.ballots);
      } else bar.update(progress.ballots);
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
