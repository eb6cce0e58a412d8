import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import type { AuditProgress, AuditReport } from '../../domain/belenios/audit/audit.js';

/**
 * `urne audit belenios <archive.bel>` verifies a whole Belenios 2.0 archive, ours or one made by
 * belenios-tool, with the pure verifier of src/domain/belenios/audit (see there for the checks),
 * ballots on worker threads. Prints what was checked, the result per question and answer, and
 * the verdict (or a JSON report with --json); progress on stderr for large archives.
 * Exit codes: 0 verified, 1 a check failed (the failure names the event and the reason),
 * 2 usage (missing or unreadable file, not a Belenios archive at all).
 */
export function registerBeleniosAuditCommand(program: Command): void {
  auditCommand(program)
    .command('belenios')
    .argument('<archive>', 'a Belenios 2.0 archive (<uuid>.bel)')
    .option('--json', 'print a machine-readable report on stdout')
    .option('--no-progress', 'no progress on stderr')
    .option('--threads <n>', 'worker threads verifying ballots (default: the cores available; 0 verifies on the main thread)', parseThreads)
    .description('verify a Belenios 2.0 archive: integrity, set-up, every ballot, tally, partial decryptions, result')
    .action(runAudit);
}

/** The `audit` parent command, created by whoever registers first (other auditors' tools add sub-commands to it). */
export function auditCommand(program: Command): Command {
  return program.commands.find((command) => command.name() === 'audit') ?? program.command('audit').description("auditors' tools: verify public records independently");
}

interface AuditCliOptions {
  json?: boolean;
  progress: boolean;
  threads?: number;
}

function parseThreads(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 256) throw new CliError(`--threads: expected a number of threads from 0 to 256, got "${value}"`, EXIT_USAGE);
  return Number(value);
}

/** Below this many ballots, starting worker threads costs more than it saves. */
const POOL_THRESHOLD = 64;

async function runAudit(file: string, options: AuditCliOptions): Promise<void> {
  let bytes: Uint8Array;
  try {
    if (!(await stat(file)).isFile()) throw new CliError(`${file} is not a file`, EXIT_USAGE);
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }
  const { ArchiveError, readArchive } = await import('../../domain/belenios/archive/archive.js');
  const { auditArchive, auditReadArchive } = await import('../../domain/belenios/audit/audit.js');
  const { formatAuditReport } = await import('../../domain/belenios/audit/format.js');
  const { nodeBeleniosCrypto } = await import('../crypto/node-belenios-crypto.js');
  const crypto = nodeBeleniosCrypto();
  const started = Date.now();

  let report: AuditReport;
  let archive;
  try {
    archive = await readArchive(bytes, crypto.sha256);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    // Not a Belenios archive at all (not tar from the first byte, or no BELENIOS header): a usage error.
    const offset = (error.details as { offset?: unknown }).offset;
    if (error.code === 'BadHeader' || (error.code === 'NotTar' && (offset === 0 || offset === undefined))) {
      throw new CliError(`${file} is not a Belenios archive: ${error.message}`, EXIT_USAGE);
    }
    archive = undefined;
  }
  if (!archive) {
    report = await auditArchive(bytes, crypto); // reports the integrity failure
  } else {
    const ballots = archive.events.filter((e) => e.event.type === 'Ballot').length;
    const threads = options.threads ?? availableParallelism();
    const progress = options.progress && ballots >= 200 ? await progressBar(ballots) : undefined;
    let pool: import('../crypto/ballot-verifier-pool.js').BallotVerifierPool | undefined;
    if (threads >= 1 && ballots >= POOL_THRESHOLD) {
      const { BallotVerifierPool } = await import('../crypto/ballot-verifier-pool.js');
      pool = new BallotVerifierPool({ threads, maxQueue: 4 * threads + 16, inFlightPerWorker: 2 });
    }
    try {
      report = await auditReadArchive(archive, crypto, {
        ...(pool ? { verifyBallot: (election, text) => pool!.verify(election.text, text), concurrency: 3 * pool.size } : {}),
        ...(progress ? { onProgress: progress.update, progressEvery: 20 } : {}),
      });
    } finally {
      progress?.stop();
      await pool?.destroy();
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (options.json) process.stdout.write(`${JSON.stringify({ file, ...report, seconds })}\n`);
  else process.stdout.write(formatAuditReport(file, report, seconds));
  if (!report.verified) throw new CliError(`${file}: verification failed: ${report.failure!.reason}`, EXIT_FAILURE);
}

/** A cli-progress bar on stderr over the ballots (off a terminal: a plain line every 2 s). */
async function progressBar(total: number): Promise<{ update: (progress: AuditProgress) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    { format: 'verifying [{bar}] {percentage}% | {value}/{total} ballots | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (progress) => bar.update(progress.done), stop: () => bar.stop() };
}
