import type { DomainEvent } from '../shared/decider.js';
import type { RevotePolicy } from '../election/election.rules.js';
import type { Round } from './vote.events.js';

/**
 * The facts of one round's Belenios election, in `vote-<electionId>.<round>`: set-up, key
 * ceremony, seal, tally, result. Belenios structures (trustee keys, election, partial
 * decryptions, result) are kept as their exact JSON texts: their hashes are what auditors and
 * belenios-tool check, so they are never re-serialised.
 */

export type CredentialRecovery = 'keep' | 'forget';

export interface VoteCandidate {
  candidateId: string;
  name: string;
}

export interface TrusteePlan {
  /** Staff accounts (role trustee) whose key is each mandatory ("Single"). */
  singles: string[];
  /** A threshold group ("Pedersen"): `threshold` of `trustees` are needed to decrypt. Null: none. */
  thresholdGroup: { trustees: string[]; threshold: number } | null;
}

export type VotePrepared = DomainEvent<
  'VotePrepared',
  {
    electionId: string;
    round: Round;
    /** The Belenios election uuid (base 58, 14+ characters): also the credentials' PBKDF2 salt. */
    beleniosUuid: string;
    group: 'BELENIOS-2048';
    title: string;
    /** In the official ballot order: answer i of the question is candidate i. */
    candidates: VoteCandidate[];
    blankAllowed: boolean;
    revotePolicy: RevotePolicy;
    credentialRecovery: CredentialRecovery;
    trustees: TrusteePlan;
    /** The server's own mandatory key for this round (trustee_public_key JSON text). Its private part stays in the key store. */
    serverKey: string;
    at: string;
  }
>;

/** The credential authority handed over the complete list of public credentials. */
export type PublicCredentialsHandedOver = DomainEvent<
  'PublicCredentialsHandedOver',
  {
    electionId: string;
    round: Round;
    count: number;
    /** SHA-256 (base 64, no padding) of the public_credentials JSON text, as belenios-tool prints it. */
    fingerprint: string;
    /** The stream holding the list in batches (`credentials-<electionId>.<round>`). */
    stream: string;
    at: string;
  }
>;

/** A "Single" trustee's verification key (trustee_public_key JSON text), its proof checked. */
export type TrusteeKeySubmitted = DomainEvent<'TrusteeKeySubmitted', { electionId: string; round: Round; trusteeId: string; key: string; at: string }>;

/** Threshold ceremony, step 1: a trustee's certificate (cert JSON text), its signature checked. */
export type ThresholdCertificateSubmitted = DomainEvent<
  'ThresholdCertificateSubmitted',
  { electionId: string; round: Round; trusteeId: string; certificate: string; at: string }
>;

/** Threshold ceremony, step 2: a trustee's polynomial (encrypted to each trustee), checked. */
export type ThresholdPolynomialSubmitted = DomainEvent<
  'ThresholdPolynomialSubmitted',
  { electionId: string; round: Round; trusteeId: string; polynomial: string; at: string }
>;

/** Threshold ceremony, step 3: a trustee's voutput (its verification key share), checked against the coefficients. */
export type ThresholdVoutputSubmitted = DomainEvent<
  'ThresholdVoutputSubmitted',
  { electionId: string; round: Round; trusteeId: string; voutput: string; at: string }
>;

/** The election public key is formed: the election and trustees structures as published. */
export type ElectionKeyPublished = DomainEvent<
  'ElectionKeyPublished',
  { electionId: string; round: Round; election: string; trustees: string; publicKey: string; at: string }
>;

export interface SealFingerprints {
  /** SHA-256 hex of each part. */
  election: string;
  candidates: string;
  publicCredentials: string;
  trustees: string;
  code: string;
}

/** The council sealed the vote: from now on the set-up cannot change, and the tally re-checks it. */
export type VoteSealed = DomainEvent<'VoteSealed', { electionId: string; round: Round; fingerprints: SealFingerprints; seal: string; at: string }>;

export type EncryptedTallyComputed = DomainEvent<
  'EncryptedTallyComputed',
  {
    electionId: string;
    round: Round;
    /** encrypted_tally JSON text */
    encryptedTally: string;
    numTallied: number;
    totalWeight: string;
    /** The seal was re-checked and matched. */
    seal: string;
    at: string;
  }
>;

/** A trustee's partial decryption passed its proofs. `owner` is its Belenios trustee index (1-based). */
export type PartialDecryptionAccepted = DomainEvent<
  'PartialDecryptionAccepted',
  { electionId: string; round: Round; trusteeId: string; owner: number; partialDecryption: string; at: string }
>;

export interface CandidateCount {
  candidateId: string;
  votes: number;
}

/** A quorum of partial decryptions gave the result (result JSON text and its reading). */
export type ResultComputed = DomainEvent<
  'ResultComputed',
  { electionId: string; round: Round; result: string; counts: CandidateCount[]; blank: number; countedBallots: number; at: string }
>;

export type ResultCertified = DomainEvent<
  'ResultCertified',
  {
    electionId: string;
    round: Round;
    /** The candidate elected, or null when a second round is needed (or nobody got a vote). */
    winner: string | null;
    secondRoundNeeded: boolean;
    at: string;
  }
>;

export type VoteSetupEvent =
  | VotePrepared
  | PublicCredentialsHandedOver
  | TrusteeKeySubmitted
  | ThresholdCertificateSubmitted
  | ThresholdPolynomialSubmitted
  | ThresholdVoutputSubmitted
  | ElectionKeyPublished
  | VoteSealed
  | EncryptedTallyComputed
  | PartialDecryptionAccepted
  | ResultComputed
  | ResultCertified;

export const VOTE_CATEGORY = 'vote';
export const voteStream = (electionId: string, round: Round) => `${VOTE_CATEGORY}-${electionId}.${round}`;

/** Public credentials in batches (a full list is several MB: one event holds at most 1 MiB). */
export type PublicCredentialsPublished = DomainEvent<
  'PublicCredentialsPublished',
  { electionId: string; round: Round; batch: number; credentials: string[] }
>;

/** The credential authority sent an access code (the private credential) to a voter, through the outbox. */
export type CredentialsIssued = DomainEvent<
  'CredentialsIssued',
  { electionId: string; round: Round; batch: number; registrationIds: string[]; notificationIds: string[]; at: string }
>;

/** A voter's lost access code was sent again (only where the election keeps private credentials). */
export type CredentialResent = DomainEvent<
  'CredentialResent',
  { electionId: string; round: Round; registrationId: string; notificationId: string; reason: string; at: string }
>;

export type CredentialAuthorityEvent = PublicCredentialsPublished | CredentialsIssued | CredentialResent;

export const CREDENTIALS_CATEGORY = 'credentials';
export const credentialsStream = (electionId: string, round: Round) => `${CREDENTIALS_CATEGORY}-${electionId}.${round}`;
