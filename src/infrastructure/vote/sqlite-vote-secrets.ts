import type { PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import type { PrivateCredentialEntry, VoteSecrets } from '../../application/ports/vote-secrets.js';
import type { SealedPersonalData } from '../../domain/shared/personal-data.js';
import type { Round } from '../../domain/vote/vote.events.js';
import type { SecretsDb } from '../auth/secrets-database.js';

/**
 * Vote secrets in the node's secrets store (secrets.sqlite, mode 0600), each value sealed by the
 * personal data vault under a subject of its own: `credential-<election>.<round>.<registration>`,
 * `serverkey-<election>.<round>`. Forgetting destroys the subject's key: the row stays, unreadable.
 */
export class SqliteVoteSecrets implements VoteSecrets {
  private readonly statements;

  constructor(
    private readonly db: SecretsDb,
    private readonly vault: PersonalDataVault,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS vote_credentials (
        election_id     TEXT    NOT NULL,
        round           INTEGER NOT NULL,
        registration_id TEXT    NOT NULL,
        sealed          TEXT    NOT NULL,
        PRIMARY KEY (election_id, round, registration_id)
      ) STRICT;
      CREATE TABLE IF NOT EXISTS vote_credential_notifications (
        notification_id TEXT    PRIMARY KEY,
        election_id     TEXT    NOT NULL,
        round           INTEGER NOT NULL,
        registration_id TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS vote_server_keys (
        election_id TEXT    NOT NULL,
        round       INTEGER NOT NULL,
        sealed      TEXT    NOT NULL,
        PRIMARY KEY (election_id, round)
      ) STRICT;
    `);
    this.statements = {
      insertCredential: db.prepare('INSERT OR IGNORE INTO vote_credentials (election_id, round, registration_id, sealed) VALUES (?, ?, ?, ?)'),
      credentials: db.prepare<[string, number], { registration_id: string; sealed: string }>(
        'SELECT registration_id, sealed FROM vote_credentials WHERE election_id = ? AND round = ? ORDER BY registration_id',
      ),
      credential: db.prepare<[string, number, string], { sealed: string }>('SELECT sealed FROM vote_credentials WHERE election_id = ? AND round = ? AND registration_id = ?'),
      attach: db.prepare('INSERT OR IGNORE INTO vote_credential_notifications (notification_id, election_id, round, registration_id) VALUES (?, ?, ?, ?)'),
      notification: db.prepare<[string], { election_id: string; round: number; registration_id: string }>(
        'SELECT election_id, round, registration_id FROM vote_credential_notifications WHERE notification_id = ?',
      ),
      insertServerKey: db.prepare('INSERT OR IGNORE INTO vote_server_keys (election_id, round, sealed) VALUES (?, ?, ?)'),
      serverKey: db.prepare<[string, number], { sealed: string }>('SELECT sealed FROM vote_server_keys WHERE election_id = ? AND round = ?'),
    };
  }

  storePrivateCredentials(electionId: string, round: Round, entries: readonly PrivateCredentialEntry[]): void {
    // Seal first (the vault's keys are durable when seal returns), then store in one transaction.
    const rows = entries.map((entry) => [entry.registrationId, JSON.stringify(this.vault.seal(credentialSubject(electionId, round, entry.registrationId), { credential: entry.credential }))] as const);
    this.db.transaction(() => {
      for (const [registrationId, sealed] of rows) this.statements.insertCredential.run(electionId, round, registrationId, sealed);
    })();
  }

  privateCredentials(electionId: string, round: Round): PrivateCredentialEntry[] {
    const entries: PrivateCredentialEntry[] = [];
    for (const row of this.statements.credentials.all(electionId, round)) {
      const credential = this.open(row.sealed, 'credential');
      if (credential !== null) entries.push({ registrationId: row.registration_id, credential });
    }
    return entries;
  }

  privateCredential(electionId: string, round: Round, registrationId: string): string | null {
    const row = this.statements.credential.get(electionId, round, registrationId);
    return row ? this.open(row.sealed, 'credential') : null;
  }

  attachNotification(notificationId: string, electionId: string, round: Round, registrationId: string): void {
    this.statements.attach.run(notificationId, electionId, round, registrationId);
  }

  credentialForNotification(notificationId: string) {
    const row = this.statements.notification.get(notificationId);
    if (!row) return null;
    const round = row.round as Round;
    return { electionId: row.election_id, round, registrationId: row.registration_id, credential: this.privateCredential(row.election_id, round, row.registration_id) };
  }

  forgetPrivateCredential(electionId: string, round: Round, registrationId: string): void {
    this.vault.forget(credentialSubject(electionId, round, registrationId));
  }

  storeServerKey(electionId: string, round: Round, privateKey: bigint): void {
    const sealed = this.vault.seal(`serverkey-${electionId}.${round}`, { privateKey: privateKey.toString() });
    this.statements.insertServerKey.run(electionId, round, JSON.stringify(sealed));
  }

  serverKey(electionId: string, round: Round): bigint | null {
    const row = this.statements.serverKey.get(electionId, round);
    const value = row ? this.open(row.sealed, 'privateKey') : null;
    return value === null ? null : BigInt(value);
  }

  private open(sealed: string, field: string): string | null {
    const opened = this.vault.open(JSON.parse(sealed) as SealedPersonalData);
    return opened === null ? null : (opened[field] ?? null);
  }
}

function credentialSubject(electionId: string, round: Round, registrationId: string): string {
  return `credential-${electionId}.${round}.${registrationId}`;
}
