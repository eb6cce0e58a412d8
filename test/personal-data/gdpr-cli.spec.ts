import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SealedPersonalData } from '../../src/application/ports/personal-data-vault.js';
import { displayOrErased, ERASED, isSealedPersonalData } from '../../src/domain/shared/personal-data.js';
import type { JsonValue, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';
import { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'urne.js');

const MARIE = { lastName: 'Lefèvre', firstName: 'Marie-Hélène', birthDate: '1961-02-29', email: 'marie.lefevre@example.fr', phone: '+33612345678' };
const PAUL = { lastName: 'Martin', firstName: 'Paul', birthDate: '1970-05-04', email: 'paul.martin@example.fr', phone: '+33698765432' };

describe('urne gdpr', () => {
  let dataDir: string;
  const masterKeyHex = randomBytes(32).toString('hex');
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bin, 'gdpr', ...args], {
      cwd: root,
      env: { ...process.env, URNE_DATA_DIR: dataDir, URNE_MASTER_KEY: masterKeyHex, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const openVault = () => new SqliteKeyStoreVault({ file: join(dataDir, 'keys.sqlite'), masterKey: MasterKey.parse(masterKeyHex) });

  async function allEvents(): Promise<RecordedEvent[]> {
    const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    try {
      const events: RecordedEvent[] = [];
      for await (const event of store.readAll()) events.push(event);
      return events;
    } finally {
      await store.close();
    }
  }

  /** A replay as a projection or an auditor does it: every roll entry, its last name or "[erased]". */
  async function replayLastNames(): Promise<Record<string, string>> {
    const vault = openVault();
    try {
      const names: Record<string, string> = {};
      for (const event of await allEvents()) {
        if (event.type !== 'RollEntryRecorded') continue;
        const identity = (event.data as { identity: JsonValue }).identity;
        if (!isSealedPersonalData(identity)) throw new Error('not sealed');
        names[identity.subject] = displayOrErased(vault.open(identity), 'lastName');
      }
      return names;
    } finally {
      vault.close();
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-cli-gdpr-'));
    const vault = openVault();
    const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    const sealed = vault.sealMany([
      { subject: 'roll-1', fields: MARIE },
      { subject: 'roll-2', fields: PAUL },
    ]);
    for (const identity of sealed) {
      await store.appendToStream(`roll-${identity.subject.slice('roll-'.length)}`, [
        {
          id: randomUUID(),
          type: 'RollEntryRecorded',
          data: { identity: identity as unknown as JsonValue },
          metadata: { correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() },
        },
      ]);
    }
    await store.close();
    vault.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('replays the personal data while nobody is forgotten', async () => {
    expect(await replayLastNames()).toEqual({ 'roll-1': 'Lefèvre', 'roll-2': 'Martin' });
  });

  it('forget destroys the key and records PersonalDataErased, with no personal data in it', async () => {
    // A vault that has the key in its cache, as a running server would.
    const server = openVault();
    const sealedMarie = (await allEvents()).map((e) => (e.data as unknown as { identity: SealedPersonalData }).identity).find((s) => s.subject === 'roll-1')!;
    expect(server.open(sealedMarie)).toEqual(MARIE);

    const result = run(['forget', 'roll-1', '--reason', 'appeal period over']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^erased roll-1: its personal data key was destroyed; PersonalDataErased recorded on erasure-roll-1 \(revision 0\) at \d{4}-/);

    expect(server.open(sealedMarie)).toBeNull();
    expect(server.isForgotten('roll-1')).toBe(true);
    server.close();

    const events = await allEvents();
    const erasures = events.filter((e) => e.type === 'PersonalDataErased');
    expect(erasures).toHaveLength(1);
    const [erasure] = erasures;
    expect(erasure!.stream).toBe('erasure-roll-1');
    expect(erasure!.data).toEqual({ subject: 'roll-1', reason: 'appeal period over', erasedAt: erasure!.metadata.occurredAt });
    expect(erasure!.metadata.actor).toMatch(/^cli:/);
    // Nowhere in the log, neither in the events read back nor in the store's files.
    const log = JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const files = Buffer.concat(['events.sqlite', 'events.sqlite-wal'].map((name) => join(dataDir, name)).filter(existsSync).map((file) => readFileSync(file)));
    for (const value of [...Object.values(MARIE), ...Object.values(PAUL)]) {
      expect(log).not.toContain(value);
      expect(files.includes(Buffer.from(value, 'utf8'))).toBe(false);
    }
  });

  it('the log stays intact and replays: the forgotten person shows as erased, the others as before', async () => {
    expect(await replayLastNames()).toEqual({ 'roll-1': ERASED, 'roll-2': 'Martin' });
    expect((await allEvents()).filter((e) => e.type === 'RollEntryRecorded')).toHaveLength(2);
  });

  it('forgetting again changes nothing and says so', async () => {
    const result = run(['forget', 'roll-1', '--reason', 'again']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^roll-1 was already erased \(at \d{4}-.*\): its key is destroyed; nothing new recorded/);
    expect((await allEvents()).filter((e) => e.type === 'PersonalDataErased')).toHaveLength(1);
  });

  it('an unknown subject is an error (exit 1) unless --force, which leaves a tombstone', async () => {
    const refused = run(['forget', 'roll-404', '--reason', 'typo?']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no personal data was ever sealed for "roll-404"');
    expect(refused.stderr).toContain('--force');
    expect((await allEvents()).some((e) => e.stream === 'erasure-roll-404')).toBe(false);

    const forced = run(['forget', 'roll-404', '--reason', 'request received before import', '--force']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('it never had a personal data key (--force)');
    expect((await allEvents()).filter((e) => e.stream === 'erasure-roll-404')).toHaveLength(1);
    const vault = openVault();
    expect(vault.subjectStatus('roll-404')).toBe('forgotten');
    vault.close();
  });

  it('status tells readable, erased and unknown subjects apart', () => {
    expect(run(['status', 'roll-2']).stdout).toBe('roll-2 has a key: its personal data is readable\n');
    expect(run(['status', 'roll-1']).stdout).toMatch(/^roll-1 was forgotten at \d{4}-.*: its personal data is erased\n$/);
    expect(run(['status', 'roll-999']).stdout).toBe('roll-999 is unknown: no personal data was ever sealed for it\n');
  });

  it('usage errors: no reason, a subject that is not an id (exit 2)', () => {
    const noReason = run(['forget', 'roll-2']);
    expect(noReason.status).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    const badSubject = run(['forget', 'roll 2; drop', '--reason', 'x']);
    expect(badSubject.status).toBe(2);
    expect(badSubject.stderr).toContain('subject must be an id');
  });

  it('another master key is refused (exit 1) and nothing is forgotten', () => {
    const result = run(['forget', 'roll-2', '--reason', 'x'], { URNE_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('created with another master key');
    const vault = openVault();
    expect(vault.subjectStatus('roll-2')).toBe('active');
    vault.close();
  });
});
