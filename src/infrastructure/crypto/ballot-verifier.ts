import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { BallotVerifier } from '../../application/ports/ballot-verifier.js';
import { verifyBallot } from '../../domain/belenios/ballot-verification.js';
import { parseElection, type Election } from '../../domain/belenios/election.js';
import { BallotVerifierPool, BallotVerifierPoolFullError } from './ballot-verifier-pool.js';
import { nodeBeleniosCrypto } from './node-belenios-crypto.js';
import { DomainError } from '../../domain/shared/decider.js';

/**
 * Verification on `threads` worker threads (the pool), or on the main thread when `threads` is 0
 * or the compiled worker is missing (a test run from sources without a build: said in the log).
 * A full pool answers ServerBusy, which a client may retry: the ballot was not recorded.
 */
export function createBallotVerifier(threads: number, logger: Logger): BallotVerifier {
  const workerFile = workerPath();
  if (threads > 0 && existsSync(workerFile)) {
    const pool = new BallotVerifierPool({ threads });
    return {
      verify: (electionText, ballotText) =>
        pool.verify(electionText, ballotText).catch((error: unknown) => {
          if (error instanceof BallotVerifierPoolFullError) throw new DomainError('ServerBusy', 'Too many ballots are being checked right now: send yours again in a few seconds (it was not recorded)');
          throw error;
        }),
      close: () => pool.close(),
    };
  }
  if (threads > 0) logger.warn({ workerFile }, 'ballot verifier worker not built: verifying ballots on the main thread');
  const crypto = nodeBeleniosCrypto();
  const elections = new Map<string, Promise<Election>>();
  return {
    async verify(electionText, ballotText) {
      let election = elections.get(electionText);
      if (!election) elections.set(electionText, (election = parseElection(electionText, crypto.sha256)));
      return verifyBallot(await election, ballotText, crypto);
    },
    close: async () => undefined,
  };
}

function workerPath(): string {
  const here = import.meta.url;
  const url = here.endsWith('.js') ? new URL('./ballot-verifier-worker.js', here) : new URL(here.replace(/\/src\/infrastructure\/crypto\/[^/]*$/, '/dist/src/infrastructure/crypto/ballot-verifier-worker.js'));
  return fileURLToPath(url);
}
