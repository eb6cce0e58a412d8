import type { StaffRole } from '../../domain/staff/staff-role.js';

/**
 * Sessions are bearer tokens: 32 random bytes in base64url, sent as `Authorization: Bearer <token>`
 * (or `authorization` in the graphql-ws connection parameters). Only an HMAC-SHA-256 of the token
 * is stored, with its expiry (URNE_SESSION_TTL_MINUTES, 8 hours by default). The token itself is
 * returned once, to its owner: never log it, never put it in an event.
 */
export interface IssuedSession {
  token: string;
  expiresAt: Date;
  /** A random id for the session (not derived from the token): safe to record in events. */
  sessionId: string;
}

/** Sessions of signed-in voters: the token makes the caller an actor of kind 'voter'. */
export interface VoterSessions {
  /** Opens a session for the voter of this registration (e.g. once their codes were checked). */
  create(registrationId: string, options?: { ttlMs?: number }): Promise<IssuedSession>;
  /** Ends one session (sign-out); false if it was not open. */
  revoke(sessionId: string): Promise<boolean>;
  /** Ends every session of this registration. */
  revokeAll(registrationId: string): Promise<void>;
}

export const VOTER_SESSIONS = Symbol.for('urne:VoterSessions');

export interface StaffSessions {
  create(staff: { staffId: string; username: string; role: StaffRole }): Promise<IssuedSession>;
  /** Ends one session; returns the staff id it belonged to, or null if it was not open. */
  revoke(sessionId: string): Promise<{ staffId: string } | null>;
  /** Ends every session of a staff account (its role changed, it was disabled, its password reset). */
  revokeAll(staffId: string): Promise<void>;
}

export const STAFF_SESSIONS = Symbol.for('urne:StaffSessions');
