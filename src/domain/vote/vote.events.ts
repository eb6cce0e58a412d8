import type { DomainEvent } from '../shared/decider.js';

/**
 * The facts of the vote. One round of voting is one Belenios election (its own uuid, credentials,
 * keys): `round` is 1, or 2 for a second round. Three kinds of streams keep apart what must not
 * be linked:
 *
 * - `emargement-<electionId>.<round>.<registrationId>`: the voter's record of having voted
 *   (the émargement). No ballot content, no tracking number, no credential.
 * - `ballotbox-<electionId>.<round>`: opening, the accepted ballots (as Belenios ballot texts,
 *   which carry a public credential and no voter identity), closing. Every cast appends here at
 *   the exact revision, so a ballot can never slip in after the close.
 * - `credential-<electionId>.<round>.<credentialHash>`: which voter a credential is bound to
 *   (its first use binds it), by a keyed pseudonym of the voter, never by name.
 *
 * A cast writes the émargement, the ballot and, on first use, the binding in one atomic
 * multi-stream append: a crash can never leave one without the other.
 */

export type Round = 1 | 2;

/** A voter voted (or, where the last vote counts, voted again: `revote`). */
export type EmargementRecorded = DomainEvent<
  'EmargementRecorded',
  { electionId: string; round: Round; registrationId: string; district: string; revote: boolean; at: string }
>;

/** The ballot box opened, empty, under the recorded seal. */
export type BallotBoxOpened = DomainEvent<
  'BallotBoxOpened',
  { electionId: string; round: Round; beleniosUuid: string; sealFingerprint: string; at: string }
>;

/** A ballot passed every check. `ballot` is the exact Belenios 2.0 ballot text; the tracking number is its hash. */
export type BallotAccepted = DomainEvent<
  'BallotAccepted',
  {
    electionId: string;
    round: Round;
    ballot: string;
    trackingNumber: string;
    credential: string;
    /** The earlier ballot with the same credential that this one replaces (revote), or null. */
    replaces: string | null;
    at: string;
  }
>;

/** No ballot is accepted afterwards. `by` says whether the schedule or the council closed it. */
export type BallotBoxClosed = DomainEvent<
  'BallotBoxClosed',
  { electionId: string; round: Round; by: 'schedule' | 'council'; acceptedBallots: number; countedBallots: number; at: string }
>;

/** A credential's first use bound it to one voter, named by a keyed pseudonym. */
export type CredentialBound = DomainEvent<'CredentialBound', { electionId: string; round: Round; voter: string; at: string }>;

export type BallotBoxEvent = BallotBoxOpened | BallotAccepted | BallotBoxClosed;

export const EMARGEMENT_CATEGORY = 'emargement';
export const BALLOT_BOX_CATEGORY = 'ballotbox';
export const CREDENTIAL_BINDING_CATEGORY = 'credential';

export function emargementStream(electionId: string, round: Round, registrationId: string): string {
  return `${EMARGEMENT_CATEGORY}-${electionId}.${round}.${registrationId}`;
}

export function ballotBoxStream(electionId: string, round: Round): string {
  return `${BALLOT_BOX_CATEGORY}-${electionId}.${round}`;
}

/** `credentialHash`: a short hash of the public credential (streams names stay short). */
export function credentialBindingStream(electionId: string, round: Round, credentialHash: string): string {
  return `${CREDENTIAL_BINDING_CATEGORY}-${electionId}.${round}.${credentialHash}`;
}
