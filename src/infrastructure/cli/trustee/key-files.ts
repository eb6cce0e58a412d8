import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ELECTION_ID_MAX_LENGTH, ELECTION_ID_PATTERN } from '../../../domain/election/election.rules.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';

/**
 * The trustee's local folder (default `./trustee`, mode 0700): the session token, and per round
 * `<election>.<round>.privkey` (a Single trustee's private key, as belenios-tool writes it: a JSON
 * string of the decimal number), `.pubkey`, and for a threshold trustee `.seed`, `.cert`,
 * `.polynomial`, `.voutput` and `.dkey`. Every file is 0600. Secrets are never overwritten:
 * writing one that exists is refused.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export type RoundFile = 'privkey' | 'pubkey' | 'seed' | 'cert' | 'polynomial' | 'voutput' | 'dkey';

/** Files that hold a secret: refused when readable by others. */
const SECRET_FILES: ReadonlySet<RoundFile> = new Set(['privkey', 'seed', 'dkey', 'polynomial']);

export interface RoundRef {
  readonly electionId: string;
  readonly round: number;
}

/** The election id and round, checked (the election id becomes part of file names). */
export function roundRef(electionId: string, round: string | number | undefined): RoundRef {
  if (typeof electionId !== 'string' || electionId.length < 3 || electionId.length > ELECTION_ID_MAX_LENGTH || !ELECTION_ID_PATTERN.test(electionId)) {
    throw new CliError(`--election must be an election id like paris-2013 (lower-case letters and digits joined by hyphens), got ${JSON.stringify(electionId)}`, EXIT_USAGE);
  }
  const value = round === undefined ? 1 : Number(round);
  if (value !== 1 && value !== 2) throw new CliError(`--round must be 1 or 2, got ${JSON.stringify(round)}`, EXIT_USAGE);
  return { electionId, round: value };
}

export class TrusteeFolder {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** Creates the folder (0700) if needed; tightens an existing one to 0700. */
  ensure(): void {
    if (!existsSync(this.path)) mkdirSync(this.path, { recursive: true, mode: DIR_MODE });
    const stat = statSync(this.path);
    if (!stat.isDirectory()) throw new CliError(`${this.path} is not a folder`);
    if ((stat.mode & 0o777) !== DIR_MODE) chmodSync(this.path, DIR_MODE);
  }

  fileName(ref: RoundRef, kind: RoundFile): string {
    return join(this.path, `${ref.electionId}.${ref.round}.${kind}`);
  }

  has(ref: RoundRef, kind: RoundFile): boolean {
    return existsSync(this.fileName(ref, kind));
  }

  /** Writes a new file (0600, flushed to disk); refuses if it exists. */
  create(ref: RoundRef, kind: RoundFile, content: string): string {
    this.ensure();
    const file = this.fileName(ref, kind);
    writeNewFile(file, content);
    return file;
  }

  /** The content of a round file; a clear error when it is missing or readable by others. */
  read(ref: RoundRef, kind: RoundFile, hint = ''): string {
    const file = this.fileName(ref, kind);
    if (!existsSync(file)) throw new CliError(`${file} does not exist${hint ? `: ${hint}` : ''}`);
    return readPrivateFile(file, SECRET_FILES.has(kind));
  }

  /** The private key x of a Single trustee, from its `.privkey` file. */
  readPrivateKey(ref: RoundRef): bigint {
    const file = this.fileName(ref, 'privkey');
    return parsePrivateKey(this.read(ref, 'privkey', `generate it with "urne trustee generate-key --election ${ref.electionId} --round ${ref.round}"`), file);
  }

  readSeed(ref: RoundRef): string {
    const seed = this.read(ref, 'seed', `start with "urne trustee threshold-certificate --election ${ref.electionId} --round ${ref.round}"`).trim();
    if (!/^[1-9A-HJ-NP-Za-km-z]{22}$/.test(seed)) throw new CliError(`${this.fileName(ref, 'seed')} does not hold a seed (22 base-58 characters)`);
    return seed;
  }

  /** Renames a round file out of the way (to `<name>.set-aside-<time>`), for one the server never accepted. */
  setAside(ref: RoundRef, kind: RoundFile): string {
    const file = this.fileName(ref, kind);
    const target = `${file}.set-aside-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, target);
    return target;
  }

  /** Replaces a file atomically (0600): for the session, which is not a long-term secret. */
  replace(name: string, content: string): string {
    this.ensure();
    const file = join(this.path, name);
    const temporary = `${file}.${process.pid}.tmp`;
    writeNewFile(temporary, content);
    renameSync(temporary, file);
    return file;
  }

  readNamed(name: string): string | undefined {
    const file = join(this.path, name);
    if (!existsSync(file)) return undefined;
    return readPrivateFile(file, true);
  }
}

/** The private key file format of belenios-tool: `"<decimal>"` and a line break. */
export function privateKeyText(x: bigint): string {
  return `${JSON.stringify(x.toString())}\n`;
}

export function parsePrivateKey(text: string, file: string): bigint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new CliError(`${file} does not hold a private key (a JSON string of a decimal number)`);
  return BigInt(value);
}

function writeNewFile(file: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${file} already exists: refusing to overwrite it`);
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The umask may have narrowed the mode, never widened it; make it exact.
  chmodSync(file, FILE_MODE);
}

function readPrivateFile(file: string, secret: boolean): string {
  const mode = statSync(file).mode & 0o777;
  if (secret && (mode & 0o077) !== 0) {
    throw new CliError(`${file} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): run "chmod 600 ${file}" and check who may have read it`);
  }
  return readFileSync(file, 'utf8');
}
