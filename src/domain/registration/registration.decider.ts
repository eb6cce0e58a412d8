import { assertActivityOpen } from '../election/election.phases.js';
import type { ElectionState } from '../election/election.decider.js';
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/decider.js';
import type { SealedPersonalData } from '../shared/personal-data.js';
import type { RegistrationEvent, RollEntryClaimEvent, RegistrationThresholdsSet } from './registration.events.js';
import { REJECTION_REASON_MAX_LENGTH, reviewReasons, type FraudSignal, type FraudThresholds, type ReviewReason } from './registration.rules.js';

export type RegistrationStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'cancelled';

export interface RegistrationState {
  status: RegistrationStatus;
  registrationId: string | null;
  electionId: string | null;
  rollEntryId: string | null;
  district: string | null;
  flagged: boolean;
  reasons: ReviewReason[];
  reviewCleared: boolean;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
  personalData: SealedPersonalData | null;
  phoneData: SealedPersonalData | null;
  rejectionReason: string | null;
}

export interface SubmitRegistration {
  type: 'SubmitRegistration';
  registrationId: string;
  election: ElectionState;
  /** The roll entry the identity matched, or null (not on the roll). */
  rollMatch: { rollEntryId: string; district: string; matches: number } | null;
  personalData: SealedPersonalData;
  emailIndex: string;
  phoneIndex: string;
  paymentIndex: string | null;
  networkIndex: string;
  disposableEmail: boolean;
  signals: FraudSignal[];
  at: string;
}
export interface ConfirmContact { type: 'ConfirmContact'; channel: 'email' | 'phone'; election: ElectionState; at: string }
/** Approves a registration whose contacts are confirmed and which is not (or no longer) under review; nothing otherwise. */
export interface ApproveIfReady { type: 'ApproveIfReady'; at: string }
export interface ReviewRegistration { type: 'ReviewRegistration'; decision: 'approve' | 'reject'; reason: string; at: string }
export interface CancelRegistration { type: 'CancelRegistration'; at: string }
export interface ChangeRegistrationPhone { type: 'ChangeRegistrationPhone'; personalData: SealedPersonalData; phoneIndex: string; at: string }

export type RegistrationCommand = SubmitRegistration | ConfirmContact | ApproveIfReady | ReviewRegistration | CancelRegistration | ChangeRegistrationPhone;

const initial = (): RegistrationState => ({
  status: 'none',
  registrationId: null,
  electionId: null,
  rollEntryId: null,
  district: null,
  flagged: false,
  reasons: [],
  reviewCleared: false,
  emailConfirmed: false,
  phoneConfirmed: false,
  personalData: null,
  phoneData: null,
  rejectionReason: null,
});

/** Checks a submission can go ahead before anything is written (roll, window): used before the claim. */
export function checkSubmission(command: Pick<SubmitRegistration, 'election' | 'rollMatch' | 'at'>): { rollEntryId: string; district: string; matches: number } {
  assertActivityOpen(command.election, 'registration', command.at);
  if (command.rollMatch === null) throw new DomainError('NotOnTheRoll', 'No entry of the electoral roll has this name and birth date.');
  return command.rollMatch;
}

function requireRegistration(state: RegistrationState): asserts state is RegistrationState & { registrationId: string; electionId: string; district: string } {
  if (state.status === 'none') throw new DomainError('RegistrationNotFound', 'There is no such registration.');
}

function requireLive(state: RegistrationState): void {
  requireRegistration(state);
  if (state.status === 'cancelled') throw new DomainError('RegistrationCancelled', 'This registration was cancelled.');
  if (state.status === 'rejected') throw new DomainError('RegistrationRejected', 'This registration was rejected.');
}

function approvalIfReady(state: RegistrationState, at: string): RegistrationEvent[] {
  if (state.status !== 'pending' || !state.emailConfirmed || !state.phoneConfirmed) return [];
  if (state.flagged && !state.reviewCleared) return [];
  return [{ type: 'RegistrationApproved', data: { registrationId: state.registrationId!, electionId: state.electionId!, district: state.district!, by: state.flagged ? 'council' : 'automatic', at } }];
}

export const registrationDecider: Decider<RegistrationCommand, RegistrationEvent, RegistrationState> = {
  initialState: initial,
  decide(command, state) {
    switch (command.type) {
      case 'SubmitRegistration': {
        if (state.status !== 'none') throw new DomainError('RegistrationExists', 'This registration was already submitted.');
        const match = checkSubmission(command);
        const reasons = reviewReasons(command.signals, command.disposableEmail, match.matches);
        const electionId = (command.election as { electionId: string }).electionId;
        const events: RegistrationEvent[] = [
          {
            type: 'RegistrationSubmitted',
            data: {
              registrationId: command.registrationId,
              electionId,
              rollEntryId: match.rollEntryId,
              district: match.district,
              personalData: command.personalData,
              emailIndex: command.emailIndex,
              phoneIndex: command.phoneIndex,
              paymentIndex: command.paymentIndex,
              networkIndex: command.networkIndex,
              disposableEmail: command.disposableEmail,
              rollMatches: match.matches,
              signals: command.signals,
              at: command.at,
            },
          },
        ];
        if (reasons.length > 0) events.push({ type: 'RegistrationFlagged', data: { registrationId: command.registrationId, electionId, reasons, at: command.at } });
        return events;
      }
      case 'ConfirmContact': {
        requireLive(state);
        if (state.status === 'approved' && (command.channel === 'email' ? state.emailConfirmed : state.phoneConfirmed)) return [];
        if (command.channel === 'email' ? state.emailConfirmed : state.phoneConfirmed) return [];
        assertActivityOpen(command.election, 'registration', command.at);
        return [
          command.channel === 'email'
            ? { type: 'EmailConfirmed', data: { registrationId: state.registrationId!, at: command.at } }
            : { type: 'PhoneConfirmed', data: { registrationId: state.registrationId!, at: command.at } },
        ];
      }
      case 'ApproveIfReady':
        requireRegistration(state);
        return approvalIfReady(state, command.at);
      case 'ReviewRegistration': {
        requireLive(state);
        const reason = command.reason.trim();
        if (state.status === 'approved') throw new DomainError('RegistrationAlreadyApproved', 'This registration is already approved.');
        if (!state.flagged || state.reviewCleared) throw new DomainError('NotUnderReview', 'This registration is not in the review queue.');
        if (reason === '' || reason.length > REJECTION_REASON_MAX_LENGTH)
          throw new DomainError('ReasonRequired', `A decision needs a reason of 1 to ${REJECTION_REASON_MAX_LENGTH} characters.`);
        if (command.decision === 'reject')
          return [{ type: 'RegistrationRejected', data: { registrationId: state.registrationId!, electionId: state.electionId!, district: state.district!, reason, at: command.at } }];
        const cleared: RegistrationEvent = { type: 'RegistrationReviewCleared', data: { registrationId: state.registrationId!, electionId: state.electionId!, reason, at: command.at } };
        return [cleared, ...approvalIfReady(registrationDecider.evolve(state, cleared), command.at)];
      }
      case 'CancelRegistration':
        requireLive(state);
        return [{ type: 'RegistrationCancelled', data: { registrationId: state.registrationId!, electionId: state.electionId!, district: state.district!, at: command.at } }];
      case 'ChangeRegistrationPhone':
        requireLive(state);
        if (command.personalData.subject !== state.personalData?.subject) throw new DomainError('WrongSubject', 'The phone must be sealed for this registration.');
        return [{ type: 'RegistrationPhoneChanged', data: { registrationId: state.registrationId!, electionId: state.electionId!, personalData: command.personalData, phoneIndex: command.phoneIndex, at: command.at } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'RegistrationSubmitted':
        return {
          ...state,
          status: 'pending',
          registrationId: event.data.registrationId,
          electionId: event.data.electionId,
          rollEntryId: event.data.rollEntryId,
          district: event.data.district,
          personalData: event.data.personalData,
        };
      case 'RegistrationFlagged':
        return { ...state, flagged: true, reasons: event.data.reasons };
      case 'EmailConfirmed':
        return { ...state, emailConfirmed: true };
      case 'PhoneConfirmed':
        return { ...state, phoneConfirmed: true };
      case 'RegistrationApproved':
        return { ...state, status: 'approved' };
      case 'RegistrationReviewCleared':
        return { ...state, reviewCleared: true };
      case 'RegistrationRejected':
        return { ...state, status: 'rejected', rejectionReason: event.data.reason };
      case 'RegistrationCancelled':
        return { ...state, status: 'cancelled' };
      case 'RegistrationPhoneChanged':
        // A new number must be confirmed again; an approved registration stays approved.
        return { ...state, phoneData: event.data.personalData, phoneConfirmed: state.status === 'approved' };
      default:
        return state;
    }
  },
};

export function foldRegistration(events: ReadonlyArray<{ type: string; data: unknown }>): RegistrationState {
  return events.reduce((state, event) => registrationDecider.evolve(state, event as RegistrationEvent), registrationDecider.initialState());
}

// ---- The roll entry's claim: one live registration per roll entry. ----

export interface RollEntryClaimState {
  claimedBy: string | null;
}
export interface ClaimRollEntry { type: 'ClaimRollEntry'; registrationId: string; electionId: string; rollEntryId: string }
export interface ReleaseRollEntryClaim { type: 'ReleaseRollEntryClaim'; registrationId: string; electionId: string; rollEntryId: string; why: 'cancelled' | 'rejected' }

/**
 * `rollentry-<electionId>.<rollEntryId>`: created with no_stream by the first claim; once released,
 * the next claim appends at the exact revision read (the command handler's expected revision), so
 * two concurrent claims cannot both win.
 */
export const rollEntryClaimDecider: Decider<ClaimRollEntry | ReleaseRollEntryClaim, RollEntryClaimEvent, RollEntryClaimState> = {
  initialState: () => ({ claimedBy: null }),
  decide(command, state) {
    if (command.type === 'ClaimRollEntry') {
      if (state.claimedBy === command.registrationId) return [];
      if (state.claimedBy !== null) throw new DomainError('AlreadyRegistered', 'This person is already registered for this election.');
      return [{ type: 'RegistrationClaimed', data: { registrationId: command.registrationId, electionId: command.electionId, rollEntryId: command.rollEntryId } }];
    }
    if (state.claimedBy !== command.registrationId) return [];
    return [{ type: 'RegistrationClaimReleased', data: { registrationId: command.registrationId, electionId: command.electionId, rollEntryId: command.rollEntryId, why: command.why } }];
  },
  evolve(state, event) {
    return event.type === 'RegistrationClaimed' ? { claimedBy: event.data.registrationId } : event.type === 'RegistrationClaimReleased' ? { claimedBy: null } : state;
  },
};

// ---- Per-election thresholds. ----

export interface SetRegistrationThresholds { type: 'SetRegistrationThresholds'; electionId: string; thresholds: FraudThresholds; at: string }
export interface RegistrationRulesState { thresholds: FraudThresholds | null }

export const registrationRulesDecider: Decider<SetRegistrationThresholds, RegistrationThresholdsSet, RegistrationRulesState> = {
  initialState: () => ({ thresholds: null }),
  decide(command) {
    for (const [name, value] of Object.entries(command.thresholds))
      if (!Number.isInteger(value) || value < 1) throw new DomainError('InvalidThreshold', `${name} must be a whole number of at least 1.`, { name });
    return [{ type: 'RegistrationThresholdsSet', data: { electionId: command.electionId, thresholds: { ...command.thresholds }, at: command.at } }];
  },
  evolve(_state, event) {
    return { thresholds: event.data.thresholds };
  },
};
