import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ImportOutcome, ImportProgress } from '../../../application/reference-data/shared/versioned-csv-import.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { configFromEnvironment, defaultActor } from '../cli-context.js';

/**
 * Reference data from CSV files:
 *   urne roll import <electionId> <file.csv>         the electoral roll (personal fields sealed per person)
 *   urne officials import <electionId> <file.csv>    the list of elected officials (public, in clear)
 *   urne roll generate --size N --out roll.csv       a synthetic, deterministic roll (demo, bench)
 *   urne officials generate --size N --out elus.csv  a synthetic list of officials
 *
 * Imports show a progress bar on stderr (rows, rows/s, ETA from the file's size) and a summary on
 * stdout: the new version, or "unchanged" when the file is the one in force. Exit codes: 0 done,
 * 1 invalid file (every problem listed with its line; nothing written) or runtime failure,
 * 2 usage. Formats: electoral-roll-csv.ts and elected-officials-csv.ts in src/application/reference-data/.
 */
export function registerRollCommand(program: Command): void {
  const roll = program.command('roll').description('the electoral roll of an election (reference data, imported from CSV)');
  roll
    .command('import')
    .argument('<electionId>', 'the election whose roll this is')
    .argument('<file>', 'CSV with the columns nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant (or last_name, first_names, birth_date, address, arrondissement, polling_station, roll_identifier)')
    .option('--actor <id>', 'who imports, recorded in event metadata (default: cli:<os user>)')
    .option('--source-name <name>', 'the name recorded for the file (default: its base name)')
    .option('--json', 'print the outcome as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .description('import (or re-import) an electoral roll: a new version if the file changed, nothing if not, resumes an interrupted import')
    .action((electionId: string, file: string, options: ImportOptions) => runImport('roll', electionId, file, options));
  roll
    .command('generate')
    .requiredOption('--size <n>', 'rows', parsePositiveInteger)
    .requiredOption('--out <file>', 'where to write the CSV')
    .option('--arrondissements <n>', 'districts', parsePositiveInteger, 20)
    .option('--seed <n>', 'the same seed gives the same file', parseNonNegativeInteger, 2013)
    .description('write a synthetic, deterministic French-looking electoral roll (demo and benchmarks)')
    .action((options: GenerateOptions) => runGenerate('roll', options));

  const officials = program.command('officials').description('the elected officials who may sponsor candidates (reference data, imported from CSV)');
  officials
    .command('import')
    .argument('<electionId>', 'the election')
    .argument('<file>', 'CSV with the columns identifiant;nom;prenoms;mandat;arrondissement (or official_identifier, last_name, first_names, mandate, arrondissement)')
    .option('--actor <id>', 'who imports, recorded in event metadata (default: cli:<os user>)')
    .option('--source-name <name>', 'the name recorded for the file (default: its base name)')
    .option('--json', 'print the outcome as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .description('import (or re-import) the list of elected officials, versioned like the roll')
    .action((electionId: string, file: string, options: ImportOptions) => runImport('officials', electionId, file, options));
  officials
    .command('generate')
    .requiredOption('--size <n>', 'rows', parsePositiveInteger)
    .requiredOption('--out <file>', 'where to write the CSV')
    .option('--arrondissements <n>', 'districts', parsePositiveInteger, 20)
    .option('--seed <n>', 'the same seed gives the same file', parseNonNegativeInteger, 2013)
    .description('write a synthetic, deterministic list of elected officials')
    .action((options: GenerateOptions) => runGenerate('officials', options));
}

interface ImportOptions {
  actor?: string;
  sourceName?: string;
  json?: boolean;
  progress: boolean;
}

interface GenerateOptions {
  size: number;
  out: string;
  arrondissements: number;
  seed: number;
}

type ListKind = 'roll' | 'officials';

function parsePositiveInteger(value: string): number {
  const number = Number(value.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(number) || number < 1) throw new CliError(`expected a positive integer, got "${value}"`, EXIT_USAGE);
  return number;
}

function parseNonNegativeInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new CliError(`expected an integer >= 0, got "${value}"`, EXIT_USAGE);
  return number;
}

const LABELS: Record<ListKind, string> = { roll: 'electoral roll', officials: 'elected officials' };

async function runImport(kind: ListKind, electionId: string, fileArgument: string, options: ImportOptions): Promise<void> {
  const file = resolve(fileArgument);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`no such file: ${fileArgument}`, EXIT_USAGE);
  const { assertElectionId } = await import('../../../domain/reference-data/versioned-import.js');
  const { DomainError } = await import('../../../domain/shared/decider.js');
  try {
    assertElectionId(electionId);
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(`${error.message} (got "${electionId}")`, EXIT_USAGE);
    throw error;
  }

  const config = configFromEnvironment();
  const { createLogger } = await import('../../logging/create-logger.js');
  // Logs go to stderr at warn and above: stdout is for the summary.
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const { createEventStore } = await import('../../event-store/create-event-store.js');
  const { InvalidCsvFileError } = await import('../../../application/reference-data/shared/csv-reader.js');
  const store = await createEventStore(config, logger);
  let vault: { close(): void } | undefined;
  const progress = options.progress ? await progressBar() : undefined;
  const command = { electionId, file, sourceName: options.sourceName ?? basename(file), actor: options.actor ?? defaultActor() };
  let outcome: ImportOutcome;
  try {
    if (kind === 'roll') {
      const { openPersonalDataVault } = await import('../../personal-data/personal-data.module.js');
      const { MasterKeyError } = await import('../../personal-data/personal-data.errors.js');
      let opened;
      try {
        opened = openPersonalDataVault(config, logger);
      } catch (error) {
        if (error instanceof MasterKeyError) throw new CliError(error.message, EXIT_FAILURE);
        throw error;
      }
      vault = opened;
      const { ElectoralRollImporter } = await import('../../../application/reference-data/import-electoral-roll/import-electoral-roll.js');
      outcome = await new ElectoralRollImporter(store, opened).import(command, { onProgress: progress?.update });
    } else {
      const { ElectedOfficialsImporter } = await import('../../../application/reference-data/import-elected-officials/import-elected-officials.js');
      outcome = await new ElectedOfficialsImporter(store).import(command, { onProgress: progress?.update });
    }
  } catch (error) {
    progress?.stop();
    if (error instanceof InvalidCsvFileError) throw new CliError(error.message, EXIT_FAILURE);
    if (error instanceof DomainError) throw new CliError(error.message, EXIT_FAILURE);
    if ((error as { code?: unknown }).code === 'FILE_CHANGED_DURING_IMPORT' || (error as { code?: unknown }).code === 'CONCURRENT_IMPORT')
      throw new CliError((error as Error).message, EXIT_FAILURE);
    throw error;
  } finally {
    progress?.stop();
    vault?.close();
    await store.close();
  }

  if (options.json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  process.stdout.write(`${summary(kind, outcome)}\n`);
  if (outcome.ignoredColumns.length > 0) process.stdout.write(`ignored columns: ${outcome.ignoredColumns.join(', ')}\n`);
}

function summary(kind: ListKind, outcome: ImportOutcome): string {
  const rows = outcome.rows.toLocaleString('en');
  const seconds = outcome.seconds.toFixed(1);
  const head = `${LABELS[kind]} of ${outcome.electionId}:`;
  if (outcome.status === 'unchanged')
    return `${head} unchanged (the file is version ${outcome.version}, ${outcome.importId}, already in force: ${rows} rows); nothing written; ${seconds} s`;
  const rate = Math.round(outcome.rowsAppended / Math.max(outcome.importSeconds, 0.001)).toLocaleString('en');
  const resumed = outcome.status === 'resumed' ? `, resumed at row ${outcome.resumedFromRow.toLocaleString('en')}` : '';
  return `${head} imported version ${outcome.version} (${outcome.importId}): ${rows} rows in ${outcome.batches.toLocaleString('en')} batches${resumed}; ${seconds} s (validation ${outcome.validationSeconds.toFixed(1)} s, import ${outcome.importSeconds.toFixed(1)} s, ${rate} rows/s); SHA-256 ${outcome.contentHash}`;
}

/** A cli-progress bar on stderr over the file's bytes, one per phase (validating, importing). */
async function progressBar(): Promise<{ update: (progress: ImportProgress) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: InstanceType<typeof SingleBar> | undefined;
  let phase: ImportProgress['phase'] | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    stop,
    update: (progress) => {
      const values = { phase: progress.phase.padEnd(10), rows: progress.rows.toLocaleString('en'), rps: Math.round(progress.rowsPerSecond).toLocaleString('en') };
      if (phase !== progress.phase) {
        stop();
        phase = progress.phase;
        bar = new SingleBar(
          {
            format: '{phase} [{bar}] {percentage}% | {rows} rows | {rps} rows/s | ETA {eta_formatted}',
            stream: process.stderr,
            hideCursor: true,
            etaBuffer: 50,
            // Off a terminal (CI, logs), a plain line every 2 s instead of redrawing.
            noTTYOutput: true,
            notTTYSchedule: 2000,
          },
          Presets.shades_classic,
        );
        bar.start(Math.max(progress.totalBytes, 1), progress.bytes, values);
      } else bar?.update(progress.bytes, values);
    },
  };
}

async function runGenerate(kind: ListKind, options: GenerateOptions): Promise<void> {
  const out = resolve(options.out);
  const { generateRoll, generateOfficials } = await import('../../reference-data/synthetic-lists.js');
  const started = Date.now();
  let result;
  if (kind === 'roll') {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    const bar = new SingleBar(
      { format: 'generating [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
      Presets.shades_classic,
    );
    bar.start(options.size, 0);
    try {
      result = await generateRoll(out, { size: options.size, arrondissements: options.arrondissements, seed: options.seed, onProgress: (rows) => bar.update(rows) });
    } finally {
      bar.stop();
    }
  } else {
    result = await generateOfficials(out, { size: options.size, arrondissements: options.arrondissements, seed: options.seed });
  }
  const megabytes = (result.bytes / (1024 * 1024)).toFixed(1);
  process.stdout.write(`${options.out}: ${result.rows.toLocaleString('en')} rows of synthetic ${LABELS[kind]} (${megabytes} MB, seed ${options.seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
