import type { SponsorKind } from '../election/election.rules.js';
import type { DomainEvent } from '../shared/decider.js';

/**
 * Candidacy streams:
 *  - `candidate-<electionId>.<candidateId>`: CandidateDeclared, CandidateCertified, CandidateWithdrawn;
 *  - `sponsor-<electionId>.<sponsorKind>.<sponsorId>`: one SponsorshipGiven, appended with
 *    `no_stream` (a sponsor sponsors one candidate at most, across all candidates). This stream is
 *    the single source of truth of a sponsorship: nothing is written on the candidate's stream,
 *    so there is no two-stream write to keep atomic;
 *  - `ballotorder-<electionId>`: BallotOrderSet (the official order, with its reason).
 * The sponsor id is the official's id or the roll entry id (pseudonymous): no name in any event
 * but the candidate's own, public, name.
 */
export type CandidateDeclared = DomainEvent<'CandidateDeclared', { electionId: string; candidateId: string; name: string; party: string | null; declaredAt: string }>;
export type SponsorFigures = { sponsorKind: SponsorKind; sponsors: number; distinctDistricts: number; minimumSponsors: number; minimumDistinctDistricts: number };
export type CandidateCertified = DomainEvent<'CandidateCertified', { electionId: string; candidateId: string; certifiedAt: string; figures: SponsorFigures[] }>;
export type CandidateWithdrawn = DomainEvent<'CandidateWithdrawn', { electionId: string; candidateId: string; reason: string; withdrawnAt: string }>;
export type CandidateEvent = CandidateDeclared | CandidateCertified | CandidateWithdrawn;

export type SponsorshipGiven = DomainEvent<'SponsorshipGiven', { electionId: string; candidateId: string; sponsorKind: SponsorKind; sponsorId: string; district: string; givenAt: string }>;
export type SponsorEvent = SponsorshipGiven;

export type BallotOrderSet = DomainEvent<'BallotOrderSet', { electionId: string; candidateIds: string[]; reason: string; setAt: string }>;
export type BallotOrderEvent = BallotOrderSet;

export const CANDIDATE_STREAM_CATEGORY = 'candidate';
export const SPONSOR_STREAM_CATEGORY = 'sponsor';
export const BALLOT_ORDER_STREAM_CATEGORY = 'ballotorder';

export const candidateStreamName = (electionId: string, candidateId: string) => `${CANDIDATE_STREAM_CATEGORY}-${electionId}.${candidateId}`;
export const sponsorStreamName = (electionId: string, sponsorKind: SponsorKind, sponsorId: string) => `${SPONSOR_STREAM_CATEGORY}-${electionId}.${sponsorKind}.${sponsorId}`;
export const ballotOrderStreamName = (electionId: string) => `${BALLOT_ORDER_STREAM_CATEGORY}-${electionId}`;
