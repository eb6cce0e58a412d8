import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import type { ElectoralRollBatchData } from '../../src/domain/reference-data/electoral-roll.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { generateRoll } from '../../src/infrastructure/reference-data/synthetic-lists.js';
import { electoralRollProjection } from '../../src/projections/electoral-roll/electoral-roll.projection.js';
import { attachPersonalDataVault } from '../../src/projections/electoral-roll/read-model-vault.js';
import { rebuildProjection } from '../../src/projections/rebuild-projection.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';

const worker = fileURLToPath(new URL('./support/roll-import-worker.mjs', import.meta.url));
const E = 'paris-2013';
const ROWS = 12_000;

/** Starts the worker and SIGKILLs it once it reported at least `killAfterRows` rows; resolves with the last report. */
function importAndKill(dataDir: string, file: string, killAfterRows: number): Promise<{ reported: number; signal: NodeJS.Signals | null; completed: boolean }> {
  const child = spawn(process.execPath, [worker, dataDir, E, file, '150'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let reported = 0;
  let completed = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { rows?: number; done?: unknown };
    if (message.done) completed = true;
    if (message.rows !== undefined) {
      reported = message.rows;
      if (reported >= killAfterRows) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ reported, signal, completed }));
  });
}

async function readStream(store: SqliteEventStore, stream: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

describe('an import killed with SIGKILL mid-way (real process, real files)', () => {
  let dir: string;
  let roll: string;
  let otherRoll: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-roll-resume-'));
    roll = join(dir, 'roll.csv');
    otherRoll = join(dir, 'roll-2.csv');
    await generateRoll(roll, { size: ROWS, arrondissements: 20, seed: 7 });
    await generateRoll(otherRoll, { size: 3_000, arrondissements: 20, seed: 8 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is resumed by running it again: completed with exactly the rows, no duplicate, no gap', async () => {
    const data = join(dir, 'resume');
    const killed = await importAndKill(data, roll, 3_000);
    expect(killed).toMatchObject({ signal: 'SIGKILL', completed: false });
    expect(killed.reported).toBeGreaterThanOrEqual(3_000);
    expect(killed.reported).toBeLessThan(ROWS);

    const store = new SqliteEventStore({ file: join(data, 'events.sqlite') });
    const vault = new SqliteKeyStoreVault({ file: join(data, 'keys.sqlite') });
    try {
      const lifecycle = await readStream(store, `electoralroll-${E}`);
      expect(lifecycle.map((e) => e.type)).toEqual(['ElectoralRollImportStarted']);
      const importId = (lifecycle[0]!.data as { importId: string }).importId;
      const batchStream = `electoralrollbatch-${E}_${importId}`;
      const before = await readStream(store, batchStream);
      const recordedBefore = before.reduce((sum, e) => sum + (e.data as unknown as ElectoralRollBatchData).entries.length, 0);
      expect(recordedBefore).toBeGreaterThanOrEqual(killed.reported);

      const outcome = await new ElectoralRollImporter(store, vault).import({ electionId: E, file: roll });
      expect(outcome).toMatchObject({ status: 'resumed', importId, version: 1, rows: ROWS, resumedFromRow: recordedBefore, rowsAppended: ROWS - recordedBefore });

      const batches = await readStream(store, batchStream);
      const ids = new Set<string>();
      let rows = 0;
      batches.forEach((event, index) => {
        const batch = event.data as unknown as ElectoralRollBatchData;
        expect({ batch: batch.batch, revision: Number(event.revision), firstRow: batch.firstRow }).toEqual({ batch: index, revision: index, firstRow: rows });
        rows += batch.entries.length;
        for (const entry of batch.entries) ids.add(entry.rollEntryId);
      });
      expect(rows).toBe(ROWS);
      expect(ids.size).toBe(ROWS);
      expect(outcome.batches).toBe(batches.length);
      expect((await readStream(store, `electoralroll-${E}`)).map((e) => e.type)).toEqual(['ElectoralRollImportStarted', 'ElectoralRollImportCompleted']);
      // One key per person, whatever was sealed before the crash.
      expect(vault.statistics().active).toBe(ROWS);

      const db = openReadModelDatabase(join(data, 'read-models.sqlite'));
      attachPersonalDataVault(db, vault);
      await rebuildProjection(store, db, electoralRollProjection);
      expect(db.prepare('SELECT count(*) AS n, count(DISTINCT roll_entry_id) AS ids FROM electoral_roll_entries').get()).toEqual({ n: ROWS, ids: ROWS });
      db.close();

      expect(await new ElectoralRollImporter(store, vault).import({ electionId: E, file: roll })).toMatchObject({ status: 'unchanged', version: 1 });
    } finally {
      await store.close();
      vault.close();
    }
  });

  it('is superseded by another file: abandoned, its partial rows gone from the read model, the new file is version 2', async () => {
    const data = join(dir, 'supersede');
    const killed = await importAndKill(data, roll, 2_000);
    expect(killed).toMatchObject({ signal: 'SIGKILL', completed: false });

    const store = new SqliteEventStore({ file: join(data, 'events.sqlite') });
    const vault = new SqliteKeyStoreVault({ file: join(data, 'keys.sqlite') });
    const db = openReadModelDatabase(join(data, 'read-models.sqlite'));
    attachPersonalDataVault(db, vault);
    try {
      await rebuildProjection(store, db, electoralRollProjection);
      expect((db.prepare('SELECT count(*) AS n FROM electoral_roll_entries').get() as { n: number }).n).toBeGreaterThanOrEqual(2_000);

      const outcome = await new ElectoralRollImporter(store, vault).import({ electionId: E, file: otherRoll });
      expect(outcome).toMatchObject({ status: 'imported', version: 2, rows: 3_000 });
      const lifecycle = await readStream(store, `electoralroll-${E}`);
      expect(lifecycle.map((e) => e.type)).toEqual(['ElectoralRollImportStarted', 'ElectoralRollImportAbandoned', 'ElectoralRollImportStarted', 'ElectoralRollImportCompleted']);
      expect(lifecycle[1]!.data).toMatchObject({ version: 1, supersededBy: outcome.importId });

      await rebuildProjection(store, db, electoralRollProjection);
      expect(db.prepare('SELECT import_id AS importId, count(*) AS n FROM electoral_roll_entries GROUP BY import_id').all()).toEqual([{ importId: outcome.importId, n: 3_000 }]);
      expect(db.prepare('SELECT version, status FROM electoral_roll_imports ORDER BY version').all()).toEqual([
        { version: 1, status: 'abandoned' },
        { version: 2, status: 'completed' },
      ]);
    } finally {
      db.close();
      await store.close();
      vault.close();
    }
  });
});
