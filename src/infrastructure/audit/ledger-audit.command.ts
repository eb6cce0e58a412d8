import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import { cliLogger } from '../cli/cli-context.js';
import { auditCommand } from './belenios-audit.command.js';
import type { ChainAudit, LedgerAuditReport } from './ledger-audit.js';

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
    .option('--seal <file>', 'a seal you kept (urne ledger seals, or ledgerSeals over GraphQL): the chain must reach it unchanged')
    .option('--since <file>', 'a seal verified earlier: the chain is checked from it (the record before it must be unchanged)')
    .option('--key <file>', "the server's public sealing key (default: the seal file's, else this data folder's)")
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
  seal?: string;
  since?: string;
  key?: string;
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
  const chain = await verifyChain(options, store, dataDir);
  const progress = options.progress ? progressLine() : undefined;
  let report: LedgerAuditReport;
  try {
    report = await auditLedger(store, {
      source: options.kurrentdb ? 'KurrentDB' : (options.fromExport ?? dataDir),
      liveReadModels,
      verifierThreads: options.threads ?? availableParallelism(),
      chain,
      ...(chain?.ok && chain.since?.ok ? { since: BigInt(chain.since.position) } : {}),
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

/**
 * The chain and seals, when a key is at hand (given, in a seal file, or this data folder's): from
 * the genesis to the head (or your seal), checking every signed seal found in the ledger; with
 * --since, the record before that seal must chain to it unchanged, and the rest is checked from it.
 */
async function verifyChain(options: Options, store: import('../event-store/event-store.port.js').EventStore, dataDir: string): Promise<ChainAudit | null> {
  const { readSealFile, trustedKeyFor } = await import('../ledger-seal/ledger.command.js');
  const { describeVerification, exportFileLedgerSource, storeLedgerSource, verifyLedger } = await import('../ledger-seal/verify-ledger.js');
  const { sealingKeyFileOf } = await import('../ledger-seal/sealing-key-file.js');
  const seal = options.seal ? readSealFile(options.seal, '--seal') : undefined;
  const since = options.since ? readSealFile(options.since, '--since') : undefined;
  const keyAtHand = options.key || seal || since || (!options.kurrentdb && !options.fromExport && existsSync(sealingKeyFileOf(dataDir)));
  if (!keyAtHand) return null;
  const key = await trustedKeyFor({ key: options.key, dataDir, kurrentdb: options.kurrentdb, fromExport: options.fromExport }, seal, since);
  const source = () => (options.fromExport ? exportFileLedgerSource(resolve(options.fromExport)) : storeLedgerSource(store));
  // --since: first the prefix, up to the earlier seal, unchanged; then what came after it.
  const prefix = since ? await verifyLedger(source(), { key, seal: since }) : null;
  const rest = await verifyLedger(source(), { key, ...(seal ? { seal } : {}), ...(since ? { since } : {}) });
  const reports = prefix ? [prefix, rest] : [rest];
  return {
    ok: reports.every((r) => r.ok),
    eventsRead: reports.reduce((sum, r) => sum + r.eventsRead, 0),
    anchorsChecked: rest.anchorsChecked,
    anchorsMatched: rest.anchorsMatched,
    seal: rest.seal ? { position: rest.seal.position, ok: rest.seal.ok } : null,
    since: rest.since ? { position: rest.since.position, ok: rest.since.ok } : null,
    description: reports.map(describeVerification).join('\n'),
  };
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
