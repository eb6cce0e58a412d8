import type { BallotVerification } from '../../domain/belenios/ballot-verification.js';

/**
 * Checks a ballot against an election (both as their exact texts): canonical form, group
 * membership, proofs and signature. About 50 exponentiations modulo a 2048-bit prime per ballot,
 * so the server runs it on worker threads, off the event loop. Adapter:
 * src/infrastructure/crypto/ballot-verifier.ts.
 */
export interface BallotVerifier {
  verify(electionText: string, ballotText: string): Promise<BallotVerification>;
  close(): Promise<void>;
}

export const BALLOT_VERIFIER = Symbol.for('urne:BallotVerifier');
