/**
 * The worker thread of BallotVerifierPool (ballot-verifier-pool.ts): verifies ballots with the
 * domain's verifyBallot and OpenSSL, one at a time, for any number of elections, each parsed once.
 *
 *   in:  { id, electionText, ballotText }
 *   out: { id, result }   the BallotVerification, as verifyBallot returns it (bigints included)
 *        { id, error }    verifyBallot or parseElection threw (a malformed election, a bug)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { verifyBallot } from '../../domain/belenios/ballot-verification.js';
import { parseElection, type Election } from '../../domain/belenios/election.js';
import { DomainError } from '../../domain/shared/decider.js';
import { nodeBeleniosCrypto, type NodeBeleniosCryptoOptions } from './node-belenios-crypto.js';

export interface VerifyRequest {
  readonly id: number;
  readonly electionText: string;
  readonly ballotText: string;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly stack?: string;
}

export type VerifyResponse = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: SerializedError };

/** Elections kept parsed, by their exact text (the fingerprint is the hash of that text). */
const ELECTION_CACHE_SIZE = 16;

if (!parentPort) throw new Error('ballot-verifier-worker runs as a worker thread of BallotVerifierPool');
const port = parentPort;
const crypto = nodeBeleniosCrypto((workerData as { crypto?: NodeBeleniosCryptoOptions } | undefined)?.crypto ?? {});
const elections = new Map<string, Promise<Election>>();

function election(text: string): Promise<Election> {
  let parsed = elections.get(text);
  if (parsed) {
    // most recently used last
    elections.delete(text);
    elections.set(text, parsed);
    return parsed;
  }
  parsed = parseElection(text, crypto.sha256);
  // a text that does not parse is not kept
  parsed.catch(() => elections.delete(text));
  if (elections.size >= ELECTION_CACHE_SIZE) elections.delete(elections.keys().next().value!);
  elections.set(text, parsed);
  return parsed;
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof DomainError) return { name: error.name, message: error.message, code: error.code, details: error.details, ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

port.on('message', (request: VerifyRequest) => {
  election(request.electionText)
    .then((parsed) => verifyBallot(parsed, request.ballotText, crypto))
    .then(
      (result) => port.postMessage({ id: request.id, result } satisfies VerifyResponse),
      (error: unknown) => {
        try {
          port.postMessage({ id: request.id, error: serializeError(error) } satisfies VerifyResponse);
        } catch {
          // details that cannot be cloned
          port.postMessage({ id: request.id, error: { name: 'Error', message: error instanceof Error ? error.message : String(error) } } satisfies VerifyResponse);
        }
      },
    );
});
