// Runs the ledger-statistics projection in its own OS process, so that a test can SIGKILL it at
// any moment. Prints {"position": "..."} after each batch and {"live": "..."} once caught up with
// the position given on the command line. Imports the built code (npm test builds first).
//
//   node projection-worker.mjs <events.sqlite> <read-models.sqlite> <target position> <batch size>
const [eventsFile, readModelsFile, target, batchSize] = process.argv.slice(2);
const dist = new URL('../../../dist/src/', import.meta.url);
const { SqliteEventStore } = await import(new URL('infrastructure/event-store/sqlite/sqlite-event-store.js', dist));
const { openReadModelDatabase } = await import(new URL('projections/read-model-database.js', dist));
const { ProjectionRunner } = await import(new URL('projections/projection-runner.js', dist));
const { ledgerStatisticsProjection } = await import(new URL('projections/ledger-statistics/ledger-statistics.projection.js', dist));

const store = new SqliteEventStore({ file: eventsFile });
const db = openReadModelDatabase(readModelsFile);
const runner = new ProjectionRunner(store, db, ledgerStatisticsProjection, {
  batchSize: Number(batchSize),
  lagLogIntervalMs: 0,
  onBatchCommitted: (checkpoint) => process.stdout.write(JSON.stringify({ position: String(checkpoint.position) }) + '\n'),
});
runner.start();
await runner.waitForPosition(BigInt(target));
const status = await runner.status();
process.stdout.write(JSON.stringify({ live: String(status.position) }) + '\n');
await runner.stop();
await store.close();
db.close();
