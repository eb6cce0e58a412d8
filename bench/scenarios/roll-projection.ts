/**
 * roll-projection: the electoral-roll projection replaying the roll imported by roll-import into a
 * fresh read-model database, with the vault attached (each entry opened for staff search, as on a
 * server), then the same without a vault (sealed values kept, opened on read). Checks every
 * entry is there once and that an entry is found again by identity.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { SqliteElectoralRollLookup } from '../../src/projections/electoral-roll/electoral-roll.lookup.js';
import { electoralRollProjection } from '../../src/projections/electoral-roll/electoral-roll.projection.js';
import { attachPersonalDataVault } from '../../src/projections/electoral-roll/read-model-vault.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import { collectGarbage, progress, requireShared, RssGrowth, scenario } from '../lib/scenario.js';

scenario(async (context) => {
  const storeFile = requireShared<string>(context, 'rollStoreFile');
  const keysFile = requireShared<string>(context, 'rollKeysFile');
  const rows = requireShared<number>(context, 'rollRows');
  const head = BigInt(requireShared<number>(context, 'rollHead'));
  const store = new SqliteEventStore({ file: storeFile });
  const vault = new SqliteKeyStoreVault({ file: keysFile });

  const replay = async (label: string, withVault: boolean) => {
    const db = openReadModelDatabase(join(context.dir, `read-models-${label}.sqlite`));
    if (withVault) attachPersonalDataVault(db, vault);
    collectGarbage();
    const rss = new RssGrowth();
    let applied = 0;
    const runner = new ProjectionRunner(store, db, electoralRollProjection, {
      lagLogIntervalMs: 0,
      onBatchCommitted: (checkpoint) => {
        applied = checkpoint.eventsApplied;
        rss.sample(Number(checkpoint.position ?? 0n) / Number(head));
        progress(`${label}: ${checkpoint.eventsApplied.toLocaleString('en')} events`);
      },
    });
    const start = performance.now();
    runner.start();
    await runner.waitForPosition(head);
    const seconds = (performance.now() - start) / 1000;
    await runner.stop();
    const status = await runner.status();
    if (status.state === 'failed') throw new Error(`the projection failed: ${status.error}`);
    const count = (db.prepare('SELECT count(*) AS n FROM electoral_roll_entries').get() as { n: number }).n;
    if (count !== rows) throw new Error(`${label}: the projection holds ${count} entries, the roll ${rows}`);
    const lookup = new SqliteElectoralRollLookup(db, vault);
    const sample = db.prepare('SELECT roll_entry_id AS id FROM electoral_roll_entries LIMIT 1 OFFSET ?').get(Math.floor(rows / 2)) as { id: string };
    const entry = await lookup.findEntry('paris-2013', sample.id);
    const found = entry && (await lookup.findByIdentity('paris-2013', { lastName: entry.lastName.toUpperCase(), firstNames: entry.firstNames, birthDate: entry.birthDate }));
    if (!found || found.rollEntryId !== sample.id) throw new Error(`${label}: an entry is not found again by identity`);
    db.close();
    return { seconds, applied, rssGrowth: rss.secondHalfMb };
  };

  const opened = await replay('opened', true);
  const sealed = await replay('sealed', false);
  await store.close();
  vault.close();
  return {
    figures: [
      { name: 'roll-projection: rows/s, entries opened with the vault', value: rows / opened.seconds, unit: 'rows/s' },
      { name: 'roll-projection: rows/s, sealed kept (no vault)', value: rows / sealed.seconds, unit: 'rows/s' },
      { name: 'roll-projection: RSS growth over the second half (opened)', value: opened.rssGrowth, unit: 'MB' },
    ],
  };
});
