import type { SealedPersonalData } from '../shared/personal-data.js';
import type { FraudSignal, FraudThresholds, ReviewReason } from './registration.rules.js';

export const REGISTRATION_CATEGORY = 'registration';
export const registrationStreamName = (registrationId: string) => `${REGISTRATION_CATEGORY}-${registrationId}`;
/** The uniqueness stream of a roll entry: one live registration per entry. */
export const rollEntryClaimStreamName = (electionId: string, rollEntryId: string) => `rollentry-${electionId}.${rollEntryId}`;
/** Per-election registration settings (fraud thresholds). */
export const registrationRulesStreamName = (electionId: string) => `registrationrules-${electionId}`;

export type ContactChannel = 'email' | 'phone';

export type RegistrationSubmitted = {
  type: 'RegistrationSubmitted';
  data: {
    registrationId: string;
    electionId: string;
    rollEntryId: string;
    district: string;
    /** lastName, firstNames, birthDate, address, email, phone; subject `registration-<id>`. */
    personalData: SealedPersonalData;
    emailIndex: string;
    phoneIndex: string;
    paymentIndex: string | null;
    networkIndex: string;
    disposableEmail: boolean;
    rollMatches: number;
    signals: FraudSignal[];
    at: string;
  };
};
export type RegistrationFlagged = { type: 'RegistrationFlagged'; data: { registrationId: string; electionId: string; reasons: ReviewReason[]; at: string } };
export type EmailConfirmed = { type: 'EmailConfirmed'; data: { registrationId: string; at: string } };
export type PhoneConfirmed = { type: 'PhoneConfirmed'; data: { registrationId: string; at: string } };
export type RegistrationApproved = { type: 'RegistrationApproved'; data: { registrationId: string; electionId: string; district: string; by: 'automatic' | 'council'; at: string } };
/** The council cleared a flagged registration; it is approved once both contacts are confirmed. */
export type RegistrationReviewCleared = { type: 'RegistrationReviewCleared'; data: { registrationId: string; electionId: string; reason: string; at: string } };
export type RegistrationRejected = { type: 'RegistrationRejected'; data: { registrationId: string; electionId: string; district: string; reason: string; at: string } };
export type RegistrationCancelled = { type: 'RegistrationCancelled'; data: { registrationId: string; electionId: string; district: string; at: string } };
export type RegistrationPhoneChanged = {
  type: 'RegistrationPhoneChanged';
  data: { registrationId: string; electionId: string; personalData: SealedPersonalData; phoneIndex: string; at: string };
};

export type RegistrationEvent =
  | RegistrationSubmitted
  | RegistrationFlagged
  | EmailConfirmed
  | PhoneConfirmed
  | RegistrationApproved
  | RegistrationReviewCleared
  | RegistrationRejected
  | RegistrationCancelled
  | RegistrationPhoneChanged;

export type RegistrationClaimed = { type: 'RegistrationClaimed'; data: { registrationId: string; electionId: string; rollEntryId: string } };
export type RegistrationClaimReleased = { type: 'RegistrationClaimReleased'; data: { registrationId: string; electionId: string; rollEntryId: string; why: 'cancelled' | 'rejected' } };
export type RollEntryClaimEvent = RegistrationClaimed | RegistrationClaimReleased;

export type RegistrationThresholdsSet = { type: 'RegistrationThresholdsSet'; data: { electionId: string; thresholds: FraudThresholds; at: string } };
