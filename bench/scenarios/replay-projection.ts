/**
 * replay-projection: the ProjectionRunner replays the whole log from scratch through the
 * ledger-statistics projection into a fresh read-model database, until it reaches the head; then
 * checks the projection counted every event exactly once.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { ledgerStatisticsProjection, readLedgerStatistics } from '../../src/projections/ledger-statistics/ledger-statistics.projection.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import { collectGarbage, progress, requireShared, RssGrowth, scenario } from '../lib/scenario.js';

scenario(async (context) => {
  const file = requireShared<string>(context, 'storeFile');
  const expected = requireShared<number>(context, 'storeEvents');
  const store = new SqliteEventStore({ file });
  const db = openReadModelDatabase(join(context.dir, 'read-models.db'));
  const head = await store.headPosition();
  if (head !== BigInt(expected)) throw new Error(`the store's head is ${head}, expected ${expected}`);

  collectGarbage();
  const rss = new RssGrowth();
  const runner = new ProjectionRunner(store, db, ledgerStatisticsProjection, {
    batchSize: 1_000,
    lagLogIntervalMs: 0,
    onBatchCommitted: (checkpoint) => {
      if (checkpoint.eventsApplied % 16_000 === 0) rss.sample(checkpoint.eventsApplied / expected);
      progress(`${checkpoint.eventsApplied.toLocaleString('en')} / ${expected.toLocaleString('en')} events`);
    },
  });
  const start = performance.now();
  runner.start();
  await runner.waitForPosition(head);
  const elapsedMs = performance.now() - start;
  rss.sample(1);
  const status = await runner.status();
  await runner.stop();
  if (status.state === 'failed') throw new Error(`the projection failed: ${status.error}`);

  const counted = readLedgerStatistics(db).reduce((sum, row) => sum + row.events, 0);
  db.close();
  await store.close();
  if (status.eventsApplied !== expected || counted !== expected)
    throw new Error(`the projection applied ${status.eventsApplied} events and counted ${counted}, the store holds ${expected}`);

  return {
    figures: [
      { name: 'replay-projection: ledger-statistics events/s', value: expected / (elapsedMs / 1000), unit: 'events/s' },
      { name: 'replay-projection: RSS growth over the second half of the log', value: rss.secondHalfMb, unit: 'MB' },
    ],
  };
});
