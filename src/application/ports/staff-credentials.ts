/**
 * Staff passwords: hashed with argon2id, kept in the node's secrets store keyed by staff id,
 * never in the log (which auditors download).
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of a verification against a dummy hash and returns false: used when there is
   * no account, so that a wrong username takes as long to refuse as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
}

export const PASSWORD_HASHER = Symbol.for('urne:PasswordHasher');

export interface StaffCredentials {
  setPasswordHash(staffId: string, hash: string): Promise<void>;
  passwordHash(staffId: string): Promise<string | null>;
  remove(staffId: string): Promise<void>;
}

export const STAFF_CREDENTIALS = Symbol.for('urne:StaffCredentials');

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
