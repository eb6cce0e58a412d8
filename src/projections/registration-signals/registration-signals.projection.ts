import type { Projection, ReadModelDb } from '../projection.js';

export const REGISTRATION_SIGNALS = 'registration-signals';

/**
 * Local counts behind the fraud signals: which registrations used which blind index (e-mail,
 * phone, payment fingerprint, network). Blind indexes only: no personal data. The registration
 * handler reads it before deciding (after waiting for it to reach the head of the log).
 */
export const registrationSignalsProjection: Projection = {
  name: REGISTRATION_SIGNALS,
  version: 1,
  description: 'Blind-index usage counts for registration fraud signals',
  filter: { kind: 'streamName', prefixes: ['registration-'] },
  setUp(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS registration_signal_uses (
      election_id     TEXT NOT NULL,
      kind            TEXT NOT NULL,
      index_value     TEXT NOT NULL,
      registration_id TEXT NOT NULL,
      at              TEXT NOT NULL,
      PRIMARY KEY (election_id, kind, index_value, registration_id)
    ) STRICT`);
    db.exec('CREATE INDEX IF NOT EXISTS registration_signal_uses_at ON registration_signal_uses (election_id, kind, index_value, at)');
  },
  tearDown(db) {
    db.exec('DROP TABLE IF EXISTS registration_signal_uses');
  },
  apply(db, event) {
    const data = event.data as Record<string, unknown>;
    const insert = db.prepare('INSERT OR IGNORE INTO registration_signal_uses (election_id, kind, index_value, registration_id, at) VALUES (?, ?, ?, ?, ?)');
    if (event.type === 'RegistrationSubmitted') {
      const { electionId, registrationId, at } = data as { electionId: string; registrationId: string; at: string };
      insert.run(electionId, 'email', data.emailIndex as string, registrationId, at);
      insert.run(electionId, 'phone', data.phoneIndex as string, registrationId, at);
      if (typeof data.paymentIndex === 'string') insert.run(electionId, 'payment', data.paymentIndex, registrationId, at);
      insert.run(electionId, 'network', data.networkIndex as string, registrationId, at);
    } else if (event.type === 'RegistrationPhoneChanged') {
      insert.run(data.electionId as string, 'phone', data.phoneIndex as string, data.registrationId as string, data.at as string);
    }
  },
};

export type SignalIndexKind = 'email' | 'phone' | 'payment' | 'network';

/** Registrations (other than `exclude`) that used this index; for `network`, only those since `since`. */
export function countSignalUses(db: ReadModelDb, electionId: string, kind: SignalIndexKind, indexValue: string, options: { exclude?: string; since?: string } = {}): number {
  const row = db
    .prepare<[string, string, string, string, string], { n: number }>(
      'SELECT COUNT(DISTINCT registration_id) AS n FROM registration_signal_uses WHERE election_id = ? AND kind = ? AND index_value = ? AND registration_id <> ? AND at >= ?',
    )
    .get(electionId, kind, indexValue, options.exclude ?? '', options.since ?? '');
  return row?.n ?? 0;
}
