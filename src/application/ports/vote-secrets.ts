import type { Round } from '../../domain/vote/vote.events.js';

/**
 * What the vote needs to keep secret and outside the log: voters' private credentials (the
 * access codes, while the election keeps them for re-sending) and the server's own trustee key
 * for each round. Values are sealed by the personal data vault, one subject each, so forgetting
 * a credential destroys its key (crypto-shredding). Adapter: src/infrastructure/vote/sqlite-vote-secrets.ts.
 */
export interface PrivateCredentialEntry {
  registrationId: string;
  credential: string;
}

export interface VoteSecrets {
  /** Stores credentials not yet stored (a registration keeps its first credential); all or nothing. */
  storePrivateCredentials(electionId: string, round: Round, entries: readonly PrivateCredentialEntry[]): void;
  /** Every stored credential of the round, forgotten ones left out, in registration id order. */
  privateCredentials(electionId: string, round: Round): PrivateCredentialEntry[];
  privateCredential(electionId: string, round: Round, registrationId: string): string | null;
  /** Links the notification that carries a credential to it, so the sender finds it at send time. */
  attachNotification(notificationId: string, electionId: string, round: Round, registrationId: string): void;
  credentialForNotification(notificationId: string): { electionId: string; round: Round; registrationId: string; credential: string | null } | null;
  /** Destroys the credential (the election forgets credentials once delivered). */
  forgetPrivateCredential(electionId: string, round: Round, registrationId: string): void;
  /** Stores the key unless one is already stored for the round (the first stays): read it back with serverKey. */
  storeServerKey(electionId: string, round: Round, privateKey: bigint): void;
  serverKey(electionId: string, round: Round): bigint | null;
}

export const VOTE_SECRETS = Symbol.for('urne:VoteSecrets');
