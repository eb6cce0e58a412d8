/**
 * Personal data (names, birth dates, addresses, e-mails, phones) never enters the log in clear.
 * It is sealed with a key of its own per person (the subject), kept outside the log; forgetting
 * the subject destroys the key (crypto-shredding): the events stay, intact and verifiable, and
 * their personal fields can no longer be read by anyone.
 *
 * Adapter: SqliteKeyStoreVault (src/infrastructure/personal-data/), injected with
 * `@Inject(PERSONAL_DATA_VAULT)` (the module is global). Its errors are typed:
 * PersonalDataTamperedError, PersonalDataKeyMissingError, SubjectForgottenError
 * (src/infrastructure/personal-data/personal-data.errors.ts).
 *
 * Ordering rule for writers: a sealed value may be appended to the event store only once `seal`
 * has returned outside any `withinTransaction` of the adapter (its key is then durable). Bulk
 * writers (the roll import) seal a batch inside `withinTransaction`, and append after it returns.
 */

// The sealed value's type lives in the domain (events hold it); it is re-exported here unchanged.
import type { SealedPersonalData } from '../../domain/shared/personal-data.js';
export type { SealedPersonalData } from '../../domain/shared/personal-data.js';

export interface PersonalDataVault {
  /**
   * Encrypts fields under the subject's key, creating the key on first use. Throws
   * SubjectForgottenError for a forgotten subject (its key is never re-created).
   */
  seal(subject: string, fields: Readonly<Record<string, string>>): SealedPersonalData;
  /**
   * The fields, or null when the subject was forgotten. Throws PersonalDataTamperedError if the
   * data was tampered with (or moved to another subject), PersonalDataKeyMissingError if the
   * subject has no key and was never forgotten (a key store restored from an old backup…).
   */
  open(sealed: SealedPersonalData): Record<string, string> | null;
  /** Destroys the subject's key and leaves a tombstone (no key). Idempotent. */
  forget(subject: string): void;
  isForgotten(subject: string): boolean;
  /**
   * A keyed hash (HMAC-SHA-256 under a secret kept outside the log) for equality look-ups without
   * the value: "is this e-mail already used by 3 registrations?", "which roll entry has this
   * normalised name and birth date?". `purpose` separates the domains (`email`, `phone`, `roll-identity`…).
   * Normalise the value first (case, spaces, accents): the index is of the exact string.
   */
  blindIndex(purpose: string, value: string): string;
}

/** Where a subject stands in the key store: `unknown` never had a key; `forgotten` had one, destroyed. */
export type SubjectKeyStatus = 'unknown' | 'active' | 'forgotten';

/** What the erasure use case needs beyond the vault: telling "never known" from "forgotten". */
export interface PersonalDataSubjects {
  subjectStatus(subject: string): SubjectKeyStatus;
}

export const PERSONAL_DATA_VAULT = Symbol.for('urne:PersonalDataVault');
