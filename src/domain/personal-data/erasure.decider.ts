import { DomainError, type Decider } from '../shared/decider.js';

/**
 * The record of an erasure (crypto-shredding, CNIL requirement 14): once a subject's key is
 * destroyed, `PersonalDataErased` on stream `erasure-<subject>` tells auditors that, when and why
 * that person's sealed fields became unreadable. It holds no personal data: the subject is an
 * opaque id (roll entry, registration…) and the reason is an operator's note.
 */

export const ERASURE_CATEGORY = 'erasure';
export const MAX_ERASURE_REASON_LENGTH = 500;

/** The stream recording a subject's erasure; one per subject, so a second one is refused. */
export function erasureStream(subject: string): string {
  return `${ERASURE_CATEGORY}-${subject}`;
}

export interface RecordErasure {
  type: 'RecordErasure';
  subject: string;
  /** Why (e.g. "appeal period over", "request of the person, ticket 1234"). Never personal data. */
  reason: string;
  /** ISO 8601 instant, from the handler's clock. */
  erasedAt: string;
}
export type ErasureCommand = RecordErasure;

export interface PersonalDataErased {
  type: 'PersonalDataErased';
  data: { subject: string; reason: string; erasedAt: string };
}
export type ErasureEvent = PersonalDataErased;

export type ErasureState = { erased: false } | { erased: true; erasedAt: string; reason: string };

export const erasureDecider: Decider<ErasureCommand, ErasureEvent, ErasureState> = {
  initialState: () => ({ erased: false }),
  evolve(_state, event) {
    switch (event.type) {
      case 'PersonalDataErased':
        return { erased: true, erasedAt: event.data.erasedAt, reason: event.data.reason };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RecordErasure': {
        if (state.erased)
          throw new DomainError('AlreadyErased', `The personal data of ${command.subject} was already erased, at ${state.erasedAt}`, {
            subject: command.subject,
            erasedAt: state.erasedAt,
          });
        const reason = command.reason.trim();
        if (reason.length === 0) throw new DomainError('ErasureReasonRequired', 'An erasure needs a reason');
        if (reason.length > MAX_ERASURE_REASON_LENGTH)
          throw new DomainError('ErasureReasonTooLong', `The reason is at most ${MAX_ERASURE_REASON_LENGTH} characters`, {
            maxLength: MAX_ERASURE_REASON_LENGTH,
          });
        return [{ type: 'PersonalDataErased', data: { subject: command.subject, reason, erasedAt: command.erasedAt } }];
      }
    }
  },
};
