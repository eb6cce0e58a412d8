/**
 * Personal data (names, birth dates, addresses, e-mails, phones) never enters the log in clear.
 * It is sealed with a key of its own per person (the subject), kept outside the log; forgetting
 * the subject destroys the key (crypto-shredding): the events stay, intact and verifiable, and
 * their personal fields can no longer be read by anyone.
 */

/** What an event carries instead of the fields: JSON-safe, opaque, bound to its subject. */
export interface SealedPersonalData {
  readonly sealed: 'v1';
  /** The person this belongs to (a roll entry id, a registration id…): whose key opens it. */
  readonly subject: string;
  /** Base64url initialisation vector. */
  readonly iv: string;
  /** Base64url ciphertext followed by the authentication tag. */
  readonly data: string;
}

export interface PersonalDataVault {
  /** Encrypts fields under the subject's key, creating the key on first use. */
  seal(subject: string, fields: Readonly<Record<string, string>>): SealedPersonalData;
  /** The fields, or null when the subject was forgotten. Throws if the data was tampered with. */
  open(sealed: SealedPersonalData): Record<string, string> | null;
  /** Destroys the subject's key. Idempotent. */
  forget(subject: string): void;
  isForgotten(subject: string): boolean;
  /**
   * A keyed hash (HMAC-SHA-256 under a secret kept outside the log) for equality look-ups without
   * the value: "is this e-mail already used by 3 registrations?", "which roll entry has this
   * normalised name and birth date?". `purpose` separates the domains (`email`, `phone`, `roll-identity`…).
   */
  blindIndex(purpose: string, value: string): string;
}

export const PERSONAL_DATA_VAULT = Symbol.for('urne:PersonalDataVault');
