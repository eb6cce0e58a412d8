import { DomainError } from '../shared/decider.js';
import type { RevotePolicy } from '../election/election.rules.js';
import type { BallotAccepted, BallotBoxEvent, CredentialBound, EmargementRecorded, Round } from './vote.events.js';

/**
 * Casting a ballot touches three streams (see vote.events.ts): the ballot box, the voter's
 * émargement, the credential's binding. This is the rule over the three states; the handler
 * reads them, verifies the ballot's proofs first (the expensive part), decides here, and appends
 * the result in one atomic multi-stream append at the revisions it read.
 *
 * Refusal codes follow Belenios' reasons for rejecting a cast.
 */

export const CAST_REFUSALS = [
  'ElectionClosed',
  'UnauthorizedVoter',
  'InvalidBallot',
  'NonCanonical',
  'InvalidCredential',
  'UsedCredential',
  'WrongCredential',
  'RevoteNotAllowed',
  'DuplicateBallot',
] as const;
export type CastRefusal = (typeof CAST_REFUSALS)[number];

export interface BallotBoxState {
  status: 'not-opened' | 'open' | 'closed';
  /** The last accepted ballot's tracking number per public credential (what last(B) keeps). */
  lastByCredential: Map<string, string>;
  trackingNumbers: Set<string>;
  /** The tracking numbers of the ballots that count (what Belenios calls the pretty ballots). */
  counted: Set<string>;
  accepted: number;
}

export function initialBallotBoxState(): BallotBoxState {
  return { status: 'not-opened', lastByCredential: new Map(), trackingNumbers: new Set(), counted: new Set(), accepted: 0 };
}

/** Folds in place: the ballot box is large, and the handler keeps one state per round up to date. */
export function evolveBallotBox(state: BallotBoxState, event: BallotBoxEvent): BallotBoxState {
  switch (event.type) {
    case 'BallotBoxOpened':
      state.status = 'open';
      break;
    case 'BallotAccepted': {
      const replaced = state.lastByCredential.get(event.data.credential);
      if (replaced !== undefined) state.counted.delete(replaced);
      state.counted.add(event.data.trackingNumber);
      state.lastByCredential.set(event.data.credential, event.data.trackingNumber);
      state.trackingNumbers.add(event.data.trackingNumber);
      state.accepted++;
      break;
    }
    case 'BallotBoxClosed':
      state.status = 'closed';
      break;
  }
  return state;
}

export interface CastContext {
  electionId: string;
  round: Round;
  district: string;
  registrationId: string;
  /** The voter's keyed pseudonym: what a credential binding records. */
  voter: string;
  revotePolicy: RevotePolicy;
  ballotBox: BallotBoxState;
  /** Whether the voter has an émargement for this round already. */
  alreadyVoted: boolean;
  /** Who the ballot's credential is bound to (a pseudonym), or null if never used. */
  credentialBoundTo: string | null;
  credentialInList: boolean;
  /** From the verified ballot. */
  ballot: { text: string; trackingNumber: string; credential: string };
  at: string;
}

export interface CastDecision {
  emargement: EmargementRecorded;
  ballot: BallotAccepted;
  /** Only on the credential's first use. */
  binding: CredentialBound | null;
}

function refuse(code: CastRefusal, message: string): never {
  throw new DomainError(code, message);
}

export function decideCast(context: CastContext): CastDecision {
  const { ballotBox, ballot } = context;
  if (ballotBox.status !== 'open') refuse('ElectionClosed', ballotBox.status === 'closed' ? 'The vote is closed' : 'The vote is not open yet');
  if (!context.credentialInList) refuse('InvalidCredential', 'This ballot is signed with a credential that is not in the list of this vote');
  if (context.credentialBoundTo !== null && context.credentialBoundTo !== context.voter)
    refuse('UsedCredential', 'This credential has already been used by another voter');
  if (context.alreadyVoted) {
    if (context.revotePolicy === 'single-vote') refuse('RevoteNotAllowed', 'You have already voted, and this election counts the first vote only');
    if (context.credentialBoundTo !== context.voter) refuse('WrongCredential', 'You voted before with another credential: use the access code you voted with');
  }
  if (ballotBox.trackingNumbers.has(ballot.trackingNumber)) refuse('DuplicateBallot', 'This exact ballot is already in the ballot box');

  const ids = { electionId: context.electionId, round: context.round };
  return {
    emargement: {
      type: 'EmargementRecorded',
      data: { ...ids, registrationId: context.registrationId, district: context.district, revote: context.alreadyVoted, at: context.at },
    },
    ballot: {
      type: 'BallotAccepted',
      data: {
        ...ids,
        ballot: ballot.text,
        trackingNumber: ballot.trackingNumber,
        credential: ballot.credential,
        replaces: ballotBox.lastByCredential.get(ballot.credential) ?? null,
        at: context.at,
      },
    },
    binding: context.credentialBoundTo === null ? { type: 'CredentialBound', data: { ...ids, voter: context.voter, at: context.at } } : null,
  };
}

/** How many ballots the tally will count: one per credential, the last (Belenios' last(B)). */
export function countedBallots(state: BallotBoxState): number {
  return state.lastByCredential.size;
}
