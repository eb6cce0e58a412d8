/**
 * fill: builds the 1M-event store the other scenarios read, with appends of 1,000 events (one
 * stream per append, expectedState no_stream, synchronous FULL), and compares the rate with a raw
 * better-sqlite3 loop inserting the same rows (pre-serialised) into its own file, 200,000 rows in
 * transactions of 1,000, interleaved with ours (one raw transaction after every fifth append).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { fillStream, jsonBytes, makeBatch, toRawRows } from '../lib/events.js';
import { RawEventTable } from '../lib/raw-sqlite.js';
import { progress, scaled, scenario } from '../lib/scenario.js';

const BATCH = 1_000;

scenario(async (context) => {
  const total = scaled(context, 1_000_000);
  const rawTotal = scaled(context, 200_000);
  const rawEvery = Math.max(1, Math.floor(total / rawTotal));

  const file = join(context.dir, 'store.db');
  const store = new SqliteEventStore({ file, synchronous: 'FULL' });
  const raw = new RawEventTable(join(context.dir, 'raw-batched.db'), 'FULL');
  let elapsedMs = 0;
  let elapsedFirstMs = 0; // over the first rawTotal events: the size the baseline's file reaches
  let rawElapsedMs = 0;
  let rawDone = 0;
  let bytes = 0;
  let done = 0;
  for (let batch = 0; done < total; batch++) {
    const count = Math.min(BATCH, total - done);
    const stream = fillStream(batch);
    const events = makeBatch(done, stream, 0, count);
    if (batch < 10) bytes += events.reduce((sum, event) => sum + jsonBytes(event), 0);
    const start = performance.now();
    await store.appendToStream(stream, events, { expectedState: 'no_stream' });
    elapsedMs += performance.now() - start;
    done += count;
    if (done <= rawTotal) elapsedFirstMs = elapsedMs;

    if (batch % rawEvery === rawEvery - 1 && rawDone < rawTotal) {
      const rawCount = Math.min(BATCH, rawTotal - rawDone);
      const rawStream = fillStream(batch);
      const rows = toRawRows(makeBatch(rawDone, rawStream, 0, rawCount));
      const rawStart = performance.now();
      raw.insertBatch(rawStream, rows);
      rawElapsedMs += performance.now() - rawStart;
      rawDone += rawCount;
    }
    progress(`${done.toLocaleString('en')} / ${total.toLocaleString('en')} events (raw baseline ${rawDone.toLocaleString('en')})`);
  }
  const head = await store.headPosition();
  await store.close();
  raw.close();
  if (head !== BigInt(total)) throw new Error(`the store's head is ${head}, expected ${total}`);
  const rawRate = rawDone / (rawElapsedMs / 1000);

  const sampled = Math.min(total, 10 * BATCH);
  return {
    figures: [
      { name: 'fill: sqlite batched appends (1,000/append, FULL)', value: total / (elapsedMs / 1000), unit: 'events/s', baseline: rawRate },
      {
        name: `fill: sqlite batched appends, first ${Math.min(rawTotal, total).toLocaleString('en')} events`,
        value: Math.min(rawTotal, total) / (elapsedFirstMs / 1000),
        unit: 'events/s',
        baseline: rawRate,
      },
      { name: 'fill: event JSON size (data + metadata)', value: bytes / sampled, unit: 'bytes' },
    ],
    shared: { storeFile: file, storeEvents: total },
  };
});
