import type { Command } from 'commander';
import { resolve } from 'node:path';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import { cliLogger, configFromEnvironment } from '../cli/cli-context.js';
import type { LedgerExportProgress, LedgerExportSummary, Redaction } from './ledger-export.js';

/**
 * `urne export ledger [--from <position>] [--out file.ndjson] [--redact sealed,indexes]` writes the
 * whole event log as NDJSON (docs/public-record.md): to `--out` (through `<file>.partial`, renamed
 * once complete) or to stdout. A progress bar on stderr; a summary on stdout with --out (on stderr
 * without: stdout is the export). `--data-dir` overrides URNE_DATA_DIR. Exit codes: 0 written,
 * 1 store unreachable or file not writable, 2 usage.
 */
export function registerExportLedgerCommand(program: Command): void {
  // `urne export` may already exist (urne export belenios): add to it.
  const exportCommand = program.commands.find((command) => command.name() === 'export') ?? program.command('export').description('export public records in standard formats');
  exportCommand
    .command('ledger')
    .option('--from <position>', 'continue after this position (exclusive): the "position" of the last line of an earlier export')
    .option('--out <file>', 'write to this file (through <file>.partial) instead of stdout')
    .option('--redact <what>', 'leave out: "sealed" (sealed personal data: only its subject stays), "indexes" (blind indexes), or "sealed,indexes"', 'none')
    .option('--data-dir <dir>', 'the data folder holding events.sqlite (default: URNE_DATA_DIR, or ./data)')
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar')
    .description('write the whole event log as NDJSON, one event per line in $all order, resumable (see docs/public-record.md)')
    .action(runExportLedger);
}

interface ExportLedgerOptions {
  from?: string;
  out?: string;
  redact: string;
  dataDir?: string;
  json?: boolean;
  progress: boolean;
}

async function runExportLedger(options: ExportLedgerOptions): Promise<void> {
  const { LedgerExportError, exportLedger, exportLedgerToFile, parsePosition, parseRedactions } = await import('./ledger-export.js');
  const usage = <T>(option: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof LedgerExportError) throw new CliError(`${option}: ${error.message}`, EXIT_USAGE);
      throw error;
    }
  };
  const from = options.from === undefined ? null : usage('--from', () => parsePosition(options.from!));
  const redact: Redaction[] = usage('--redact', () => parseRedactions(options.redact));
  if (options.dataDir !== undefined) process.env.URNE_DATA_DIR = resolve(options.dataDir);
  const config = configFromEnvironment();
  const logger = await cliLogger();
  const { createEventStore } = await import('../event-store/create-event-store.js');
  const store = await createEventStore(config, logger);
  const progress = options.progress ? await progressBar() : undefined;
  const started = Date.now();
  let summary: LedgerExportSummary;
  try {
    const exportOptions = { from, redact, ...(progress ? { onProgress: progress.update } : {}) };
    if (options.out !== undefined) summary = await exportLedgerToFile(store, resolve(options.out), exportOptions);
    else summary = await exportLedger(store, (chunk) => writeToStdout(chunk), exportOptions);
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) {
      if (error.code === 'EPIPE') throw new CliError('stdout was closed before the export ended', EXIT_FAILURE);
      throw new CliError(`cannot write ${options.out ?? 'to stdout'}: ${error.message}`, EXIT_FAILURE);
    }
    throw error;
  } finally {
    progress?.stop();
    await store.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const report = options.json
    ? `${JSON.stringify({ ...summary, ...(options.out !== undefined ? { file: resolve(options.out) } : {}), seconds })}\n`
    : `${options.out ?? 'stdout'}: ${summary.count.toLocaleString('en')} events` +
      ` after ${summary.from ?? 'the start'} up to position ${summary.position ?? '(none)'} (head ${summary.headPosition ?? 'empty'})` +
      `${summary.redacted.length ? `, redacted: ${summary.redacted.join(', ')}` : ''}, ${(summary.bytes / (1024 * 1024)).toFixed(1)} MB in ${seconds.toFixed(1)} s` +
      `\ncontinue later with: urne export ledger --from ${summary.position ?? '0'}${options.out !== undefined ? ' --out <next file>' : ''}\n`;
  (options.out !== undefined ? process.stdout : process.stderr).write(report);
}

/** Writes to stdout and waits for it to drain when its buffer is full (back-pressure on a slow pipe). */
function writeToStdout(chunk: string): Promise<void> | void {
  if (process.stdout.write(chunk)) return;
  return new Promise((done, fail) => {
    const finish = () => {
      process.stdout.off('drain', finish);
      process.stdout.off('error', failed);
      done();
    };
    const failed = (error: Error) => {
      process.stdout.off('drain', finish);
      process.stdout.off('error', failed);
      fail(error);
    };
    process.stdout.on('drain', finish);
    process.stdout.on('error', failed);
  });
}

/** A cli-progress bar on stderr over positions from `from` to the head (off a terminal: a plain line every 2 s). */
async function progressBar(): Promise<{ update: (progress: LedgerExportProgress) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: InstanceType<typeof SingleBar> | undefined;
  return {
    update: (progress) => {
      if (progress.headPosition === null) return;
      const start = progress.from ?? 0n;
      const total = Number(progress.headPosition - start);
      const done = Number((progress.position ?? start) - start);
      if (!bar) {
        // Only worth a bar for long exports.
        if (total < 50_000) return;
        bar = new SingleBar(
          { format: 'exporting [{bar}] {percentage}% | {events} events | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
          Presets.shades_classic,
        );
        bar.start(total, done, { events: progress.count.toLocaleString('en') });
      } else bar.update(done, { events: progress.count.toLocaleString('en') });
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
