import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import { cliLogger } from '../cli/cli-context.js';
import { auditCommand } from './belenios-audit.command.js';
import type { LedgerAuditReport } from './ledger-audit.js';

/**
 * `urne audit [ledger]`: replays a whole ledger and verifies it (see ledger-audit.ts): from a data
 * folder (its events.sqlite, and its read-models.sqlite to compare the read models with), or a
 * KurrentDB connection string. Progress on stderr; the Markdown report on stdout (or --report
 * file), the JSON report with --json <file>. Exit 0 verified, 1 a check failed, 2 usage.
 */
export function registerLedgerAuditCommand(program: Command): void {
  auditCommand(program)
    .command('ledger', { isDefault: true })
    .description('replay the whole ledger and verify it: the rules, every vote (Belenios), every read model')
    .option('--data-dir <dir>', 'a node\'s data folder (events.sqlite; read-models.sqlite is compared when present)')
    .option('--kurrentdb <connection-string>', 'read the ledger from KurrentDB instead')
    .option('--from-export <file>', 'audit an `urne export ledger` file (no read model to compare)')
    .option('--report <file>', 'write the Markdown report to this file (default: stdout)')
    .option('--json <file>', 'also write the JSON report to this file')
    .option('--threads <n>', 'worker threads verifying ballots (default: the cores available)', parseThreads)
    .option('--no-progress', 'no progress on stderr')
    .action(run);
}

interface Options {
  dataDir?: string;
  kurrentdb?: string;
  fromExport?: string;
  report?: string;
  json?: string;
  threads?: number;
  progress: boolean;
}

function parseThreads(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 64) throw new CliError(`--threads: expected 0 to 64, got "${value}"`, EXIT_USAGE);
  return Number(value);
}

async function run(options: Options): Promise<void> {
  if ([options.dataDir, options.kurrentdb, options.fromExport].filter((o) => o !== undefined).length > 1) throw new CliError('give one of --data-dir, --kurrentdb, --from-export', EXIT_USAGE);
  const dataDir = resolve(options.dataDir ?? process.env.URNE_DATA_DIR ?? './data');
  if (options.fromExport !== undefined && !existsSync(options.fromExport)) throw new CliError(`no such file: ${options.fromExport}`, EXIT_USAGE);
  if (!options.kurrentdb && options.fromExport === undefined && !existsSync(join(dataDir, 'events.sqlite'))) throw new CliError(`no ledger in ${dataDir} (events.sqlite not found): give --data-dir, --kurrentdb or --from-export`, EXIT_USAGE);
  const logger = await cliLogger();
  const { SqliteEventStore } = await import('../event-store/sqlite/sqlite-event-store.js');
  const { KurrentDbEventStore } = await import('../event-store/kurrentdb/kurrentdb-event-store.js');
  const scratch = options.fromExport === undefined ? null : mkdtempSync(join(tmpdir(), 'urne-audit-'));
  const store = options.kurrentdb
    ? new KurrentDbEventStore({ connectionString: options.kurrentdb })
    : new SqliteEventStore({ file: join(scratch ?? dataDir, 'events.sqlite'), synchronous: scratch ? 'NORMAL' : 'FULL' });
  if (options.fromExport !== undefined) {
    const { importLedgerExport, LedgerImportError } = await import('./import-ledger-export.js');
    try {
      const loaded = await importLedgerExport(options.fromExport, store, (events) => options.progress && process.stderr.write(`\rloading the record: ${events.toLocaleString('en')} events   `));
      if (options.progress) process.stderr.write(`\rloaded ${loaded.toLocaleString('en')} events from ${options.fromExport}\n`);
    } catch (error) {
      await store.close();
      rmSync(scratch!, { recursive: true, force: true });
      if (error instanceof LedgerImportError) throw new CliError(error.message, EXIT_FAILURE);
      throw error;
    }
  }
  const readModelsFile = join(dataDir, 'read-models.sqlite');
  const { openReadModelDatabase } = await import('../../projections/read-model-database.js');
  const liveReadModels = !options.kurrentdb && scratch === null && existsSync(readModelsFile) ? openReadModelDatabase(readModelsFile) : undefined;
  const { auditLedger, ledgerAuditMarkdown } = await import('./ledger-audit.js');
  const progress = options.progress ? progressLine() : undefined;
  let report: LedgerAuditReport;
  try {
    report = await auditLedger(store, {
      source: options.kurrentdb ? 'KurrentDB' : (options.fromExport ?? dataDir),
      liveReadModels,
      verifierThreads: options.threads ?? availableParallelism(),
      logger,
      onProgress: progress,
    });
  } finally {
    process.stderr.write(progress ? '\n' : '');
    liveReadModels?.close();
    await store.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const markdown = ledgerAuditMarkdown(report);
  if (options.report) await writeFile(options.report, markdown);
  else process.stdout.write(markdown);
  if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (!report.verified) {
    const f = report.firstFailure!;
    throw new CliError(`audit FAILED: ${f.check} at ${f.position} (${f.stream}, ${f.type}): ${f.reason}`, EXIT_FAILURE);
  }
  process.stderr.write(`audit verified: ${report.events} events, ${report.rounds.length} rounds, in ${report.seconds.toFixed(1)} s\n`);
}

/** One line on stderr, rewritten: the step, how far, what. */
function progressLine() {
  let last = 0;
  return (step: string, done: number, total: number | null, detail?: string) => {
    const now = Date.now();
    if (now - last < 200 && total !== done) return;
    last = now;
    process.stderr.write(`\r${step}: ${done.toLocaleString('en')}${total === null ? '' : ` / ${total.toLocaleString('en')}`}${detail ? ` (${detail})` : ''}   `);
  };
}
