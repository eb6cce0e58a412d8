/**
 * Runs the real `belenios-tool` (Debian package belenios-tool 2.0), the independent referee of
 * our Belenios records. Suites skip with the reason in their name when it is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const beleniosToolAvailable = spawnSync('belenios-tool', ['--version'], { encoding: 'utf8' }).status === 0;

/** `describe` title suffix: says why a suite is skipped. */
export const beleniosToolSkipReason = beleniosToolAvailable ? '' : ' [skipped: belenios-tool is not installed (apt-get install belenios-tool)]';

export interface BeleniosToolRun {
  cwd: string;
  input?: string;
}

/** Runs belenios-tool and returns its standard output; throws with its standard error on failure. */
export function beleniosTool(args: readonly string[], run: BeleniosToolRun): string {
  const result = spawnSync('belenios-tool', args, {
    cwd: run.cwd,
    input: run.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, BELENIOS_USE_URANDOM: '1' },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`belenios-tool ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** `belenios-tool election verify` in `dir`: true when it prints "all checks passed". */
export function beleniosToolVerifies(dir: string): { ok: boolean; output: string } {
  const result = spawnSync('belenios-tool', ['election', 'verify', '--dir', dir], { encoding: 'utf8', env: { ...process.env, BELENIOS_USE_URANDOM: '1' } });
  const output = `${result.stdout}${result.stderr}`;
  return { ok: result.status === 0 && output.includes('all checks passed'), output };
}

export interface BeleniosToolElectionOptions {
  group?: 'BELENIOS-2048' | 'RFC-3526-2048';
  /** question_h structures, as in election.json */
  questions: readonly { question: string; answers: readonly string[]; min: number; max: number; blank?: boolean }[];
  voters: number;
  /** Number of Single trustees (default 1). */
  trustees?: number;
}

export interface BeleniosToolElection {
  dir: string;
  uuid: string;
  /** The exact election.json text (its serialization is what the fingerprint hashes). */
  electionJson: string;
  trusteesJson: string;
  publicCredentialsJson: string;
  privateCredentials: string[];
  /** Single trustees' private keys, as files belenios-tool can read (`--privkey`). */
  privateKeyFiles: string[];
  archive: string;
}

/** Sets up an election with belenios-tool alone, as its demo.sh does, with `archive init`. */
export function createBeleniosToolElection(dir: string, options: BeleniosToolElectionOptions): BeleniosToolElection {
  mkdirSync(dir, { recursive: true });
  const group = options.group ?? 'BELENIOS-2048';
  const uuid = beleniosTool(['setup', 'generate-token'], { cwd: dir }).trim();
  beleniosTool(['setup', 'generate-credentials', '--uuid', uuid, '--group', group, '--count', String(options.voters)], { cwd: dir });
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.pubcreds')) renameSync(join(dir, name), join(dir, 'public_creds.json'));
    if (name.endsWith('.privcreds')) renameSync(join(dir, name), join(dir, 'private_creds.txt'));
  }
  for (let i = 0; i < (options.trustees ?? 1); i++) beleniosTool(['setup', 'generate-trustee-key', '--group', group], { cwd: dir });
  const publicKeys = readdirSync(dir).filter((name) => name.endsWith('.pubkey')).sort();
  writeFileSync(join(dir, 'public_keys.jsons'), publicKeys.map((name) => readFileSync(join(dir, name), 'utf8').trim()).join('\n') + '\n');
  beleniosTool(['setup', 'make-trustees'], { cwd: dir });
  writeFileSync(join(dir, 'template.json'), JSON.stringify({ description: 'Test election', name: 'Test', questions: options.questions }));
  beleniosTool(['setup', 'make-election', '--uuid', uuid, '--group', group, '--template', 'template.json'], { cwd: dir });
  const electionJson = readFileSync(join(dir, 'election.json'), 'utf8').trim();
  const trusteesJson = readFileSync(join(dir, 'trustees.json'), 'utf8').trim();
  const publicCredentialsJson = readFileSync(join(dir, 'public_creds.json'), 'utf8').trim();
  beleniosTool(['archive', 'init'], { cwd: dir });
  const privateCredentials = readFileSync(join(dir, 'private_creds.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]!);
  const privateKeyFiles = readdirSync(dir)
    .filter((name) => name.endsWith('.privkey'))
    .sort()
    .map((name) => join(dir, name));
  return { dir, uuid, electionJson, trusteesJson, publicCredentialsJson, privateCredentials, privateKeyFiles, archive: join(dir, `${uuid}.bel`) };
}

/** A ballot made by belenios-tool for `election` (its election.json in `dir`), as JSON text. */
export function beleniosToolBallot(dir: string, privateCredential: string, choices: readonly (readonly number[])[]): string {
  writeFileSync(join(dir, 'privcred.tmp'), `${privateCredential}\n`);
  writeFileSync(join(dir, 'choices.tmp'), JSON.stringify(choices));
  return beleniosTool(['election', 'generate-ballot', '--privcred', 'privcred.tmp', '--ballot', 'choices.tmp'], { cwd: dir }).trim();
}

/** Appends an event (and its payload from stdin) to the archive in `dir`. */
export function beleniosToolAddEvent(dir: string, type: string, payload = ''): void {
  beleniosTool(['archive', 'add-event', `--type=${type}`], { cwd: dir, input: payload });
}

/** Lists the archive's members in order (tar). */
export function archiveMembers(archive: string): string[] {
  return execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
}
