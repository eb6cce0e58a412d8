import { normaliseEmail } from '../../domain/registration/index.js';
import { DomainError } from '../../domain/shared/decider.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { ProjectionsService } from '../../projections/projections.service.js';
import { REGISTRATION_SIGNALS } from '../../projections/registration-signals/registration-signals.projection.js';
import type { NotificationTemplate } from '../notifications/templates.js';
import type { PersonalDataVault } from '../ports/personal-data-vault.js';

/** ONE_TIME_CODES purpose of the SMS authentication code (subject: the registration id). */
export const VOTING_CODE_PURPOSE = 'voting-sign-in';
export const VOTING_CODE_TTL_MS = 10 * 60_000;
/** A voting session is short: enough to vote, not a day's browsing (capped by URNE_SESSION_TTL_MINUTES). */
export const VOTING_SESSION_TTL_MS = 30 * 60_000;

/** Sliding windows, counted whether or not the e-mail address belongs to a voter. */
export const VOTING_CODE_REQUEST_LIMITS = {
  perEmail: { limit: 5, windowMs: 60 * 60_000 },
  perAddress: { limit: 30, windowMs: 60 * 60_000 },
} as const;
export const VOTING_SIGN_IN_LIMITS = {
  perEmail: { limit: 10, windowMs: 15 * 60_000 },
  perAddress: { limit: 30, windowMs: 15 * 60_000 },
} as const;

/** The SMS carrying the authentication code; the code is issued at send time (never in the log). */
export const VOTING_CODE_TEMPLATE: NotificationTemplate = {
  name: 'voting-sign-in-code',
  channel: 'sms',
  requiredParameters: [],
  secrets: ['code'],
  render: (_parameters, secrets) => ({
    text: [
      `Code pour voter : ${secrets.code} (valable ${VOTING_CODE_TTL_MS / 60_000} minutes). Ne le donnez à personne.`,
      `Code to vote: ${secrets.code} (valid for ${VOTING_CODE_TTL_MS / 60_000} minutes). Never give it to anyone.`,
    ].join('\n'),
  }),
};

/** The one answer to a wrong, expired, used or locked code, and to an address that is no voter's. */
export const invalidCode = () => new DomainError('InvalidCode', 'This code is not valid: check it, or ask for a new one.');

/** The blind index registration keeps of a normalised e-mail address; InvalidEmail when it is not one. */
export function emailIndexOf(vault: PersonalDataVault, email: string): string {
  const normalised = normaliseEmail(email);
  if (normalised === null) throw new DomainError('InvalidEmail', 'This is not an e-mail address.');
  return vault.blindIndex('email', normalised);
}

/**
 * The registrations of an election submitted with this e-mail (by its blind index), from the
 * local `registration-signals` read model (any status: callers read each registration's stream).
 * Several people may share an address (up to the election's threshold, or after the council's review).
 */
export function registrationsWithEmail(db: ReadModelDb, electionId: string, emailIndex: string): string[] {
  return db
    .prepare<[string, string], { registration_id: string }>(
      "SELECT registration_id FROM registration_signal_uses WHERE election_id = ? AND kind = 'email' AND index_value = ? ORDER BY registration_id",
    )
    .all(electionId, emailIndex)
    .map((row) => row.registration_id);
}

/** Waits (at most `timeoutMs`) for `registration-signals` to apply every registration event recorded so far; false if late. */
export async function registrationSignalsCaughtUp(store: EventStore, projections: ProjectionsService, timeoutMs = 10_000): Promise<boolean> {
  const runner = projections.runner(REGISTRATION_SIGNALS);
  if (!runner) throw new Error(`the ${REGISTRATION_SIGNALS} projection is not registered`);
  let last: bigint | null = null;
  for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'streamName', prefixes: ['registration-'] } })) last = event.position;
  if (last === null) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([runner.waitForPosition(last).then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
