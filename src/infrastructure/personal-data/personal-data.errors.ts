/** Errors of the personal data vault. None of their messages holds personal data or key material. */

/** A sealed value failed authentication: altered, truncated, or moved to another subject. */
export class PersonalDataTamperedError extends Error {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`sealed personal data of subject ${JSON.stringify(subject)} cannot be authenticated (${reason}): it was altered, or it belongs to another subject`);
    this.name = 'PersonalDataTamperedError';
  }
}

/**
 * The subject has no key and was never forgotten: the key store does not match the log (a key
 * store from another installation, or restored from a backup older than the data). Not the same
 * as an erasure, so it is not reported as one.
 */
export class PersonalDataKeyMissingError extends Error {
  constructor(readonly subject: string) {
    super(`no key for subject ${JSON.stringify(subject)} in the key store, and it was never forgotten: is this the right keys.sqlite?`);
    this.name = 'PersonalDataKeyMissingError';
  }
}

/** Sealing for a forgotten subject: its key is never re-created (that would undo the erasure's intent). */
export class SubjectForgottenError extends Error {
  constructor(readonly subject: string) {
    super(`subject ${JSON.stringify(subject)} was forgotten: no personal data can be sealed for it any more`);
    this.name = 'SubjectForgottenError';
  }
}

/**
 * The master key does not open this key store (another URNE_MASTER_KEY, another master.key), or
 * no master key is available for an existing key store.
 */
export class MasterKeyError extends Error {
  constructor(
    readonly keysFile: string,
    detail: string,
  ) {
    super(`the master key does not open the key store ${keysFile}: ${detail}`);
    this.name = 'MasterKeyError';
  }
}
