import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import { readLedgerStatistics } from '../../src/projections/ledger-statistics/ledger-statistics.projection.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'urne.js');

describe('urne projections', () => {
  let dataDir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'projections', ...args], { cwd: root, env: { ...process.env, URNE_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-cli-projections-'));
    const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    for (let i = 0; i < 30; i++) {
      await store.appendToStream(`voter-${i}`, Array.from({ length: 100 }, () => ({
        id: randomUUID(),
        type: 'VoterRegistered',
        data: { i },
        metadata: { correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() },
      })));
    }
    await store.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('list shows each projection and how far behind it is', () => {
    const result = run('list');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('ledger-statistics');
    expect(result.stdout).toContain('3000');
  });

  it('rebuild replays the log into the read model, with progress on stderr', () => {
    const result = run('rebuild', 'ledger-statistics');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ledger-statistics: rebuilt from 3000 events up to position 3000/);
    const db = openReadModelDatabase(join(dataDir, 'read-models.sqlite'));
    expect(readLedgerStatistics(db)).toEqual([{ category: 'voter', type: 'VoterRegistered', events: 3000, lastPosition: 3000n }]);
    db.close();
  });

  it('rebuilding again gives the same rows, not twice as many', () => {
    expect(run('rebuild').status).toBe(0);
    const db = openReadModelDatabase(join(dataDir, 'read-models.sqlite'));
    expect(readLedgerStatistics(db)[0]!.events).toBe(3000);
    db.close();
  });

  it('an unknown projection is a usage error naming the known ones', () => {
    const result = run('rebuild', 'nope');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown projection "nope"; known: ledger-statistics');
  });
});
