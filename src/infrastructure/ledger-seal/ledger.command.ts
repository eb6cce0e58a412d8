import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSealDocument, sealDocument, type SealDocument, type TrustedKey } from '../../domain/ledger/index.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/cli-error.js';
import type { EventStore } from '../event-store/event-store.port.js';

/**
 * `urne ledger verify`: recomputes the ledger chain (from a data folder, KurrentDB, or an
 * `urne export ledger` file) and checks it against a seal you kept; `urne ledger seals` prints the
 * seals found in the ledger (the latest one as a file to keep); `urne ledger key` prints the public
 * key. Exit 0 verified, 1 a divergence or a bad signature, 2 usage.
 */
export function registerLedgerCommand(program: Command): void {
  const ledger = program.command('ledger').description('tamper evidence: the ledger hash chain and its signed seals');
  ledger
    .command('verify')
    .description('recompute the chain and check it against a kept seal (and every seal signed in the ledger)')
    .option('--seal <file>', 'a seal you kept (JSON, e.g. from `latestLedgerSeal { document }`): check the ledger up to its position')
    .option('--since <file>', 'a seal verified before: start from its position and chain hash instead of the start')
    .option('--data-dir <dir>', "a node's data folder (its events.sqlite); default URNE_DATA_DIR or ./data")
    .option('--kurrentdb <connection-string>', 'read the ledger from KurrentDB')
    .option('--from-export <file>', 'read the ledger from an `urne export ledger` file (not redacted)')
    .option('--key <file>', "the server's public key (PEM, or the hex of ledgerSealingKey.publicKey); default: the seal file's publicKey")
    .option('--json', 'print the JSON report instead of text')
    .action(verify);
  ledger
    .command('seals')
    .description('print the seals found in the ledger, one JSON document per line (--latest: the last one, to keep)')
    .option('--latest', 'only the latest seal, pretty-printed')
    .option('--data-dir <dir>', "a node's data folder")
    .option('--kurrentdb <connection-string>', 'read the ledger from KurrentDB')
    .action(seals);
  ledger
    .command('key')
    .description("print this node's public sealing key (from <data-dir>/ledger-seal.key)")
    .option('--data-dir <dir>', "a node's data folder")
    .action(key);
}

interface SourceOptions {
  dataDir?: string;
  kurrentdb?: string;
}

interface VerifyOptions extends SourceOptions {
  seal?: string;
  since?: string;
  fromExport?: string;
  key?: string;
  json?: boolean;
}

function dataDirOf(options: SourceOptions): string {
  return resolve(options.dataDir ?? process.env.URNE_DATA_DIR ?? './data');
}

async function openStore(options: SourceOptions): Promise<EventStore> {
  if (options.kurrentdb) {
    const { KurrentDbEventStore } = await import('../event-store/kurrentdb/kurrentdb-event-store.js');
    return new KurrentDbEventStore({ connectionString: options.kurrentdb });
  }
  const file = join(dataDirOf(options), 'events.sqlite');
  if (!existsSync(file)) throw new CliError(`no ledger at ${file}: give --data-dir, --kurrentdb or --from-export`, EXIT_USAGE);
  const { SqliteEventStore } = await import('../event-store/sqlite/sqlite-event-store.js');
  return new SqliteEventStore({ file });
}

export function readSealFile(file: string, option: string): SealDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${option} ${file}: ${(error as Error).message}`, EXIT_USAGE);
  }
  try {
    return parseSealDocument(JSON.parse(text));
  } catch (error) {
    throw new CliError(`${option} ${file}: ${(error as Error).message}`, EXIT_USAGE);
  }
}

async function verify(options: VerifyOptions): Promise<void> {
  const sources = [options.dataDir, options.kurrentdb, options.fromExport].filter((o) => o !== undefined).length;
  if (sources > 1) throw new CliError('give one of --data-dir, --kurrentdb, --from-export', EXIT_USAGE);
  const seal = options.seal ? readSealFile(options.seal, '--seal') : undefined;
  const since = options.since ? readSealFile(options.since, '--since') : undefined;
  if (!seal && !since) throw new CliError('give --seal <file> (a seal you kept), --since <file>, or both', EXIT_USAGE);

  const trusted = await trustedKeyFor(options, seal, since);

  const { describeVerification, exportFileLedgerSource, storeLedgerSource, verifyLedger, LedgerSourceError } = await import('./verify-ledger.js');
  const store = options.fromExport ? null : await openStore(options);
  let report;
  try {
    const source = options.fromExport
      ? exportFileLedgerSource(resolve(options.fromExport))
      : storeLedgerSource(store!, options.kurrentdb ? 'KurrentDB' : join(dataDirOf(options), 'events.sqlite'));
    report = await verifyLedger(source, { key: trusted, ...(seal ? { seal } : {}), ...(since ? { since } : {}) });
  } catch (error) {
    if (error instanceof LedgerSourceError) throw new CliError(error.message, EXIT_FAILURE);
    throw error;
  } finally {
    await store?.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : describeVerification(report));
  if (!report.ok) {
    const d = report.divergence;
    const where = d ? `first divergence after ${d.after.position ?? 'the start'} and at or before ${d.atOrBefore.position}` : (report.anomalies[0]?.message ?? 'a seal does not verify');
    throw new CliError(`ledger verification FAILED: ${where}`, EXIT_FAILURE);
  }
}

async function seals(options: SourceOptions & { latest?: boolean }): Promise<void> {
  const { LEDGER_SEALED, sealOfEventData } = await import('../../domain/ledger/index.js');
  const { readPublicSealingKey, sealingKeyFileOf } = await import('./sealing-key-file.js');
  const keyFile = sealingKeyFileOf(dataDirOf(options));
  const publicKey = !options.kurrentdb && existsSync(keyFile) ? readPublicSealingKey(keyFile) : null;
  const store = await openStore(options);
  try {
    let last: SealDocument | null = null;
    for await (const event of store.readAll({ filter: { kind: 'eventType', prefixes: [LEDGER_SEALED] } })) {
      const seal = event.type === LEDGER_SEALED ? sealOfEventData(event.data) : null;
      if (!seal) continue;
      const doc = sealDocument(seal, {
        sealEvent: { position: event.position.toString(), stream: event.stream, id: event.id },
        ...(publicKey && publicKey.keyId === seal.keyId ? { publicKey: publicKey.publicKey } : {}),
      });
      if (options.latest) last = doc;
      else process.stdout.write(`${JSON.stringify(doc)}\n`);
    }
    if (options.latest) {
      if (!last) throw new CliError('the ledger holds no seal yet', EXIT_FAILURE);
      process.stdout.write(`${JSON.stringify(last, null, 2)}\n`);
    }
  } finally {
    await store.close();
  }
}

async function key(options: SourceOptions): Promise<void> {
  const { readPublicSealingKey, sealingKeyFileOf } = await import('./sealing-key-file.js');
  const { publicKeyFromRaw } = await import('./ledger-crypto.js');
  const file = sealingKeyFileOf(dataDirOf(options));
  if (!existsSync(file)) throw new CliError(`no sealing key at ${file} (the server creates it at its first start)`, EXIT_USAGE);
  const { keyId, publicKey } = readPublicSealingKey(file);
  const pem = publicKeyFromRaw(Buffer.from(publicKey, 'hex')).export({ type: 'spki', format: 'pem' }).toString();
  process.stdout.write(`${JSON.stringify({ keyId, algorithm: 'Ed25519', publicKey, publicKeyPem: pem }, null, 2)}\n`);
}

/**
 * The key an auditor trusts: given (--key), else the one the seal file carries, else this node's
 * (its id must match the seal's). Refuses a key that did not sign the seal.
 */
export async function trustedKeyFor(options: { key?: string; dataDir?: string; kurrentdb?: string; fromExport?: string }, seal: SealDocument | undefined, since: SealDocument | undefined): Promise<TrustedKey> {
  const { parsePublicKeyText, trustedKeyOf } = await import('./ledger-crypto.js');
  const { readPublicSealingKey, sealingKeyFileOf } = await import('./sealing-key-file.js');
  let trusted: TrustedKey;
  let keySource: string;
  try {
    if (options.key) {
      trusted = trustedKeyOf(parsePublicKeyText(readFileSync(options.key, 'utf8')));
      keySource = options.key;
    } else if ((seal ?? since)?.publicKey) {
      trusted = trustedKeyOf(Buffer.from((seal ?? since)!.publicKey!, 'hex'));
      keySource = 'the seal file';
    } else if (!options.kurrentdb && !options.fromExport && existsSync(sealingKeyFileOf(dataDirOf(options)))) {
      trusted = trustedKeyOf(Buffer.from(readPublicSealingKey(sealingKeyFileOf(dataDirOf(options))).publicKey, 'hex'));
      keySource = sealingKeyFileOf(dataDirOf(options));
    } else throw new Error('no public key: give --key (ledgerSealingKey.publicKey or its PEM)');
  } catch (error) {
    throw new CliError(`--key: ${(error as Error).message}`, EXIT_USAGE);
  }
  const expectedKeyId = (seal ?? since)?.keyId;
  if (expectedKeyId !== undefined && trusted.keyId !== expectedKeyId) throw new CliError(`the key from ${keySource} (id ${trusted.keyId}) is not the one that signed the seal (id ${expectedKeyId})`, EXIT_FAILURE);
  return trusted;
}
