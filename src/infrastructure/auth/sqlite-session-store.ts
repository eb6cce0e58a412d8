import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../application/ports/clock.js';
import type { IssuedSession, StaffSessions, VoterSessions } from '../../application/ports/sessions.js';
import { isStaffRole, type StaffRole } from '../../domain/staff/staff-role.js';
import { AuthKeys, type SecretsDb } from './secrets-database.js';

/** 32 random bytes in base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type Session =
  | { kind: 'staff'; sessionId: string; staffId: string; username: string; role: StaffRole; expiresAt: Date }
  | { kind: 'voter'; sessionId: string; registrationId: string; expiresAt: Date };

interface SessionRow {
  session_id: string;
  kind: 'staff' | 'voter';
  subject: string;
  username: string | null;
  role: string | null;
  expires_at: number;
}

/**
 * Sessions in the secrets store. The token is 32 bytes from the CSPRNG, given once to its owner;
 * the store keeps HMAC-SHA-256(session key, token), so a copy of the store opens no session.
 * A staff session keeps the role the account had at sign-in: changing the role, disabling the
 * account or resetting its password ends its sessions (`revokeAll`).
 */
export class SqliteSessionStore {
  private readonly statements;
  /** The port given to the staff slices. */
  readonly staff: StaffSessions;
  /** The port given to the registration and voting slices. */
  readonly voters: VoterSessions;

  constructor(
    db: SecretsDb,
    private readonly keys: AuthKeys,
    private readonly clock: Clock,
    private readonly defaultTtlMs: number,
  ) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO sessions (token_hash, session_id, kind, subject, username, role, created_at, expires_at) VALUES (@tokenHash, @sessionId, @kind, @subject, @username, @role, @createdAt, @expiresAt)',
      ),
      find: db.prepare<[Buffer], SessionRow>('SELECT session_id, kind, subject, username, role, expires_at FROM sessions WHERE token_hash = ?'),
      deleteById: db.prepare<[string, string], { subject: string }>('DELETE FROM sessions WHERE session_id = ? AND kind = ? RETURNING subject'),
      deleteBySubject: db.prepare<[string, string]>('DELETE FROM sessions WHERE kind = ? AND subject = ?'),
      prune: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
    };
    this.staff = {
      create: (staff) => this.open('staff', staff.staffId, { username: staff.username, role: staff.role }),
      revoke: async (sessionId) => {
        const row = this.statements.deleteById.get(sessionId, 'staff');
        return row === undefined ? null : { staffId: row.subject };
      },
      revokeAll: async (staffId) => void this.statements.deleteBySubject.run('staff', staffId),
    };
    this.voters = {
      create: (registrationId, options) => this.open('voter', registrationId, { ttlMs: options?.ttlMs }),
      revoke: async (sessionId) => this.statements.deleteById.get(sessionId, 'voter') !== undefined,
      revokeAll: async (registrationId) => void this.statements.deleteBySubject.run('voter', registrationId),
    };
  }

  /** The open session a token belongs to, or null (unknown, malformed, expired or revoked). */
  resolve(token: string): Session | null {
    if (!TOKEN.test(token)) return null;
    const row = this.statements.find.get(this.hash(token));
    if (row === undefined || row.expires_at <= this.clock.now().getTime()) return null;
    const expiresAt = new Date(row.expires_at);
    if (row.kind === 'voter') return { kind: 'voter', sessionId: row.session_id, registrationId: row.subject, expiresAt };
    if (!isStaffRole(row.role) || row.username === null) return null;
    return { kind: 'staff', sessionId: row.session_id, staffId: row.subject, username: row.username, role: row.role, expiresAt };
  }

  private async open(kind: 'staff' | 'voter', subject: string, extra: { username?: string; role?: string; ttlMs?: number | undefined }): Promise<IssuedSession> {
    const ttlMs = extra.ttlMs ?? this.defaultTtlMs;
    if (!(ttlMs > 0)) throw new RangeError('a session lasts a positive time');
    const now = this.clock.now().getTime();
    const token = randomBytes(32).toString('base64url');
    const sessionId = randomUUID();
    const expiresAt = now + ttlMs;
    this.statements.prune.run(now);
    this.statements.insert.run({ tokenHash: this.hash(token), sessionId, kind, subject, username: extra.username ?? null, role: extra.role ?? null, createdAt: now, expiresAt });
    return { token, expiresAt: new Date(expiresAt), sessionId };
  }

  private hash(token: string): Buffer {
    return AuthKeys.hmac(this.keys.session, token);
  }
}
