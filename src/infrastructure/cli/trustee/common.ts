import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../../../domain/shared/decider.js';
import { webCryptoAesCcm } from '../../../domain/belenios/threshold/aes-ccm.js';
import type { ThresholdCrypto } from '../../../domain/belenios/threshold/pki.js';
import { nodeBeleniosCrypto } from '../../crypto/node-belenios-crypto.js';
import { CliError, EXIT_FAILURE } from '../cli-error.js';
import { checkServerUrl, DEFAULT_SERVER, GraphqlClient } from './graphql-client.js';
import { roundRef, TrusteeFolder, type RoundRef } from './key-files.js';
import { voteRound, voteRoundAs, type Me, type VoteRoundView } from './trustee-api.js';

/** What every `urne trustee` sub-command shares: options, the session, crypto, output. */

export interface CommonOptions {
  server?: string;
  dir: string;
}

export interface RoundOptions extends CommonOptions {
  election: string;
  round?: string;
}

export const SESSION_FILE = 'session.json';

/** Wraps an action: refusals from the domain and file-system errors become one line, exit 1. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof DomainError) throw new CliError(`${error.message} (${error.code})`, EXIT_FAILURE);
      const errno = error as NodeJS.ErrnoException;
      if (typeof errno?.code === 'string' && typeof errno.syscall === 'string') throw new CliError(`${errno.message}`, EXIT_FAILURE);
      if (error instanceof RangeError || error instanceof TypeError || error instanceof SyntaxError) throw new CliError(error.message, EXIT_FAILURE);
      throw error;
    }
  };
}

export interface StoredSession {
  server: string;
  username: string;
  role: string;
  token: string;
  expiresAt: string;
}

export function readSession(folder: TrusteeFolder): StoredSession | undefined {
  const text = folder.readNamed(SESSION_FILE);
  if (text === undefined) return undefined;
  try {
    const session = JSON.parse(text) as StoredSession;
    if (typeof session.token === 'string' && typeof session.server === 'string') return session;
  } catch {
    // fall through
  }
  throw new CliError(`${folder.path}/${SESSION_FILE} is damaged: sign in again with "urne trustee sign-in"`);
}

/** The server to talk to: --server, else the signed-in one, else the default. */
export function serverOf(options: CommonOptions, folder: TrusteeFolder): string {
  if (options.server) {
    checkServerUrl(options.server);
    return options.server;
  }
  return readSessionQuietly(folder)?.server ?? DEFAULT_SERVER;
}

function readSessionQuietly(folder: TrusteeFolder): StoredSession | undefined {
  try {
    return readSession(folder);
  } catch {
    return undefined;
  }
}

/**
 * A client carrying the stored session; refuses when there is none or it is for another server.
 * Expiry is the server's to judge (its clock counts): when it refuses the token, the message says
 * whether the stored session had expired.
 */
export function signedInClient(options: CommonOptions, folder: TrusteeFolder): GraphqlClient {
  const server = serverOf(options, folder);
  const session = readSession(folder);
  const signIn = `run "urne trustee sign-in --server ${server} --username ${session?.username ?? '<you>'}${options.dir === './trustee' ? '' : ` --dir ${options.dir}`}"`;
  if (!session) throw new CliError(`not signed in: ${signIn}`);
  if (session.server !== server) throw new CliError(`the session in ${folder.path} is for ${session.server}, not ${server}: ${signIn}`);
  return new GraphqlClient(server, session.token, () => {
    const expires = Date.parse(session.expiresAt);
    if (Number.isFinite(expires) && expires <= Date.now()) return `the session of "${session.username}" expired at ${session.expiresAt}: ${signIn}`;
    return `the server no longer accepts the session of "${session.username}" (expired or ended): ${signIn}`;
  });
}

export function publicClient(options: CommonOptions, folder: TrusteeFolder): GraphqlClient {
  return new GraphqlClient(serverOf(options, folder));
}

export function parseRound(options: RoundOptions): { ref: RoundRef; folder: TrusteeFolder } {
  return { ref: roundRef(options.election, options.round), folder: new TrusteeFolder(options.dir) };
}

/** The round as the server shows it; refuses when it does not exist. */
export async function fetchRound(client: GraphqlClient, ref: RoundRef): Promise<VoteRoundView> {
  const round = await voteRound(client, ref);
  if (!round || round.stage === 'none') throw new CliError(`round ${ref.round} of ${ref.electionId} has not been prepared on ${client.server}`);
  return round;
}

/**
 * The round, and the caller as the server sees them, before any work: refuses at once when the
 * server no longer accepts the session, or the account is not a trustee.
 */
export async function fetchRoundAsTrustee(client: GraphqlClient, ref: RoundRef): Promise<{ me: Me; round: VoteRoundView }> {
  const { me, voteRound: round } = await voteRoundAs(client, ref);
  if (!me || me.kind === 'anonymous') throw client.sessionRefused();
  if (me.kind !== 'staff' || me.role !== 'trustee') {
    throw new CliError(`"${me.username ?? me.kind}" is signed in with the role ${me.role ?? me.kind}, not trustee: the trustees' operations will be refused (FORBIDDEN)`);
  }
  if (!round || round.stage === 'none') throw new CliError(`round ${ref.round} of ${ref.electionId} has not been prepared on ${client.server}`);
  return { me, round };
}

/** Refuses, in one line, when the round is not at one of `stages`. */
export function requireStage(round: VoteRoundView, stages: string[], doing: string): void {
  if (stages.includes(round.stage)) return;
  const waiting = round.missing.length > 0 ? `; still missing: ${round.missing.join(', ')}` : '';
  throw new CliError(`cannot ${doing} now: round ${round.round} of ${round.electionId} is at stage "${round.stage}", this needs ${stages.map((s) => `"${s}"`).join(' or ')}${waiting} (WrongVoteStage)`);
}

/** Node's crypto: OpenSSL modExp, node:crypto SHA-256 and CSPRNG; AES-CCM over WebCrypto. */
export function trusteeCrypto(): ThresholdCrypto & { randomBytes(length: number): Uint8Array } {
  const node = nodeBeleniosCrypto();
  return { modExp: node.modExp, sha256: node.sha256, randomExponent: (group) => node.randomExponent(group), aesCcm: webCryptoAesCcm, randomBytes: (length) => new Uint8Array(randomBytes(length)) };
}

/** SHA-256 in base 64 without padding: how belenios-tool (`sha256-b64`) and Belenios print fingerprints. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64').replace(/=+$/, '');
}

/** belenios-tool's short id of a key: the first 8 hexadecimal digits of SHA-256(public key in base 10), upper case. */
export function shortKeyId(publicKey: bigint): string {
  return createHash('sha256').update(publicKey.toString(), 'utf8').digest('hex').slice(0, 8).toUpperCase();
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** What the round waits for, after a submission. */
export function describeRound(round: VoteRoundView): string {
  const parts = [`stage ${round.stage}`];
  if (round.thresholdStep && round.thresholdStep !== 'none') parts.push(`threshold ceremony: ${round.thresholdStep}`);
  if (round.missing.length > 0) parts.push(`still missing: ${round.missing.join(', ')}`);
  if (round.decryptedBy.length > 0) parts.push(`partial decryptions: ${round.decryptedBy.length}`);
  return parts.join('; ');
}

export function describeResult(round: VoteRoundView): string[] {
  const result = round.result;
  if (!result) return [];
  return [
    `result (${result.countedBallots} ballots counted):`,
    ...result.candidates.map((c) => `  ${c.name}: ${c.votes}`),
    ...(result.blank > 0 ? [`  blank: ${result.blank}`] : []),
  ];
}
