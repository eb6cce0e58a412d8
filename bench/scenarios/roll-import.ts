/**
 * roll-import: imports a synthetic electoral roll of 1,300,000 rows (the size of Paris; 130,000
 * with --quick) with `ElectoralRollImporter`, as `urne roll import` does: pass 1 validates and
 * hashes the file, pass 2 seals every row's personal fields with the vault (one key per person,
 * SqliteKeyStoreVault) and appends batches to the SQLite store (synchronous FULL). Baseline, in
 * the same run on the same file: csv-parse streaming the file and nothing else (the floor any
 * importer pays). Then a re-import of the same file, which must be 'unchanged' (validation only).
 * Publishes the store, key store and row count for roll-projection.
 */
import { parse } from 'csv-parse';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SqliteKeyStoreVault } from '../../src/infrastructure/personal-data/sqlite-key-store-vault.js';
import { generateRoll } from '../../src/infrastructure/reference-data/synthetic-lists.js';
import { collectGarbage, currentRssMb, progress, scaled, scenario } from '../lib/scenario.js';

const ELECTION = 'paris-2013';

async function rawCsvRowsPerSecond(file: string): Promise<number> {
  const start = performance.now();
  let rows = 0;
  const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parse({ delimiter: ';', bom: true }));
  for await (const _record of parser) {
    rows++;
    if (rows % 50_000 === 0) progress(`baseline: csv-parse ${rows.toLocaleString('en')} rows`);
  }
  return (rows - 1) / ((performance.now() - start) / 1000);
}

scenario(async (context) => {
  const size = scaled(context, 1_300_000);
  const csv = join(context.dir, 'roll.csv');
  const generated = await generateRoll(csv, {
    size,
    arrondissements: 20,
    seed: 2013,
    onProgress: (rows) => progress(`generating ${rows.toLocaleString('en')} / ${size.toLocaleString('en')} rows`),
  });
  const megabytes = statSync(csv).size / (1024 * 1024);

  const baseline = await rawCsvRowsPerSecond(csv);
  collectGarbage();

  const storeFile = join(context.dir, 'events.sqlite');
  const keysFile = join(context.dir, 'keys.sqlite');
  const store = new SqliteEventStore({ file: storeFile, synchronous: 'FULL' });
  const vault = new SqliteKeyStoreVault({ file: keysFile });
  const importer = new ElectoralRollImporter(store, vault);
  let maxRss = currentRssMb();
  const outcome = await importer.import(
    { electionId: ELECTION, file: csv, sourceName: 'roll.csv', actor: 'bench' },
    {
      onProgress: (p) => {
        maxRss = Math.max(maxRss, currentRssMb());
        progress(`${p.phase} ${p.rows.toLocaleString('en')} / ${size.toLocaleString('en')} rows, ${Math.round(p.rowsPerSecond).toLocaleString('en')} rows/s, RSS ${Math.round(maxRss)} MB`);
      },
    },
  );
  if (outcome.status !== 'imported' || outcome.rows !== size) throw new Error(`expected a new version with ${size} rows, got ${JSON.stringify(outcome)}`);

  const again = await importer.import({ electionId: ELECTION, file: csv, sourceName: 'roll.csv', actor: 'bench' }, {
    onProgress: (p) => progress(`re-import (validation only) ${p.rows.toLocaleString('en')} rows`),
  });
  if (again.status !== 'unchanged') throw new Error(`a re-import of the same file must be unchanged, got ${again.status}`);
  const head = await store.headPosition();
  await store.close();
  vault.close();

  return {
    figures: [
      { name: 'roll-import: rows/s, whole import (validate + seal + append)', value: size / outcome.seconds, unit: 'rows/s', baseline },
      { name: 'roll-import: rows/s, import pass (seal + append)', value: size / outcome.importSeconds, unit: 'rows/s', baseline },
      { name: 'roll-import: rows/s, validation pass (parse + check + SHA-256)', value: size / outcome.validationSeconds, unit: 'rows/s', baseline },
      { name: 'roll-import: re-import of the same file (unchanged)', value: again.seconds, unit: 's' },
      { name: 'roll-import: rows', value: size, unit: 'rows' },
      { name: 'roll-import: CSV size', value: megabytes, unit: 'MB' },
      { name: 'roll-import: RSS during the import (max sampled)', value: maxRss, unit: 'MB' },
    ],
    shared: { rollStoreFile: storeFile, rollKeysFile: keysFile, rollRows: generated.rows, rollHead: Number(head) },
  };
});
