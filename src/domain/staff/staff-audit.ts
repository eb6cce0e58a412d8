import { DomainError, type DomainEvent } from '../shared/decider.js';
import type { StaffRole } from './staff-role.js';

/**
 * What staff did, for the public record: sign-ins (and failures), sign-outs, and every operator
 * action on a voter's file (look-up, code re-sent, phone changed after an identity check...).
 * Audit streams are `staffaudit-<staffId>` (and `staffaudit-unidentified` for sign-in attempts
 * with an unknown username): append-only facts with no rule to check, so they are appended with
 * expected state `any` rather than through a decider (an operator's stream grows all day long).
 *
 * No secret here: no password, token or code, and no personal data in clear (a voter is named
 * by an id, never by name, phone or e-mail).
 */
export type StaffAuditEvent =
  | DomainEvent<'StaffSignedIn', { staffId: string; username: string; role: StaffRole; sessionId: string; expiresAt: string }>
  | DomainEvent<'StaffSignInFailed', { staffId: string | null; username: string | null; reason: SignInFailureReason }>
  | DomainEvent<'StaffSignedOut', { staffId: string; sessionId: string }>
  | DomainEvent<'StaffActionRecorded', { staffId: string; username: string; role: StaffRole; action: string; subject: string; details: AuditDetails }>;

export type SignInFailureReason = 'unknown_username' | 'wrong_password' | 'disabled' | 'no_password';

export type AuditDetail = string | number | boolean | null;
export type AuditDetails = { readonly [key: string]: AuditDetail };

export const UNIDENTIFIED = 'unidentified';
export const staffAuditStream = (staffId: string): string => `staffaudit-${staffId}`;

const ACTION = /^[a-z][a-zA-Z0-9]*(?:[.-][a-zA-Z0-9]+)*$/;
const SECRET_KEY = /pass(word|wd|phrase)|token|secret|credential|privatekey|authorization|apikey|code$/;
const HARMLESS_CODE = /^(status|error|exit|country|language|postal|zip)code$/;

/**
 * Checks an operator action before it is recorded: a dotted action name (`voter.lookup`,
 * `code.resend`, `phone.change`), a subject id, and flat details with no secret-looking key
 * (password, token, code, credential...). Personal data must not be in the details either:
 * that cannot be checked here, it is the caller's duty (pass ids and reasons, not values).
 */
export function checkStaffAction(action: string, subject: string, details: AuditDetails): void {
  if (action.length > 64 || !ACTION.test(action)) throw new DomainError('InvalidStaffAction', 'An action is a dotted name such as "voter.lookup".', { action });
  if (subject.length === 0 || subject.length > 200) throw new DomainError('InvalidStaffAction', 'An action names its subject (an id).');
  for (const [key, value] of Object.entries(details)) {
    const name = key.toLowerCase().replace(/[_-]/g, '');
    if (SECRET_KEY.test(name) && !HARMLESS_CODE.test(name))
      throw new DomainError('SecretInAuditDetails', `"${key}" looks like a secret: secrets never enter the log.`, { key });
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
      throw new DomainError('InvalidStaffAction', 'Action details are flat: strings, numbers, booleans or null.', { key });
  }
}
