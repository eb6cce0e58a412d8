import type { DomainEvent } from '../shared/decider.js';

/**
 * A voter signed in to vote (e-mail address + SMS authentication code), the voter's counterpart of
 * `StaffSignedIn`. One stream per registration, `votersignin-<registrationId>`: append-only facts
 * with no rule to check (expected state `any`). No secret (code, token) and no personal data:
 * the voter is named by the registration id; `sessionId` is the session's random id, not derived
 * from its token.
 */
export type VoterSignedIn = DomainEvent<'VoterSignedIn', { registrationId: string; electionId: string; sessionId: string; expiresAt: string; at: string }>;

export type VoterSignInEvent = VoterSignedIn;

export const VOTER_SIGN_IN_CATEGORY = 'votersignin';
export const voterSignInStream = (registrationId: string): string => `${VOTER_SIGN_IN_CATEGORY}-${registrationId}`;
