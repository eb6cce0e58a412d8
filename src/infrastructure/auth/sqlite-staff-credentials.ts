import type { Clock } from '../../application/ports/clock.js';
import type { StaffCredentials } from '../../application/ports/staff-credentials.js';
import type { SecretsDb } from './secrets-database.js';

/** Password hashes of staff accounts, in the secrets store, keyed by staff id. */
export class SqliteStaffCredentials implements StaffCredentials {
  private readonly statements;

  constructor(
    db: SecretsDb,
    private readonly clock: Clock,
  ) {
    this.statements = {
      upsert: db.prepare<[string, string, number]>(
        'INSERT INTO staff_credentials (staff_id, password_hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at',
      ),
      get: db.prepare<[string], { password_hash: string }>('SELECT password_hash FROM staff_credentials WHERE staff_id = ?'),
      delete: db.prepare<[string]>('DELETE FROM staff_credentials WHERE staff_id = ?'),
    };
  }

  async setPasswordHash(staffId: string, hash: string): Promise<void> {
    this.statements.upsert.run(staffId, hash, this.clock.now().getTime());
  }

  async passwordHash(staffId: string): Promise<string | null> {
    return this.statements.get.get(staffId)?.password_hash ?? null;
  }

  async remove(staffId: string): Promise<void> {
    this.statements.delete.run(staffId);
  }
}
