/**
 * fill: builds the 1M-event store the other scenarios read, with appends of 1,000 events (one
 * stream per append, expectedState no_stream, synchronous FULL), and compares the rate with a raw
 * better-sqlite3 loop measured in the same run.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { fillStream, jsonBytes, makeBatch } from '../lib/events.js';
import { rawBatchedInserts } from '../lib/raw-sqlite.js';
import { progress, scaled, scenario } from '../lib/scenario.js';

const BATCH = 1_000;

scenario(async (context) => {
  const total = scaled(context, 1_000_000);
  const rawTotal = scaled(context, 200_000);

  // Baseline first, on its own file, while the disk cache holds nothing of ours.
  const raw = rawBatchedInserts(join(context.dir, 'raw-batched.db'), rawTotal, BATCH, fillStream);

  const file = join(context.dir, 'store.db');
  const store = new SqliteEventStore({ file, synchronous: 'FULL' });
  let elapsedMs = 0;
  let elapsedFirstMs = 0; // over the first rawTotal events: the same file size as the baseline
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
    progress(`${done.toLocaleString('en')} / ${total.toLocaleString('en')} events`);
  }
  const head = await store.headPosition();
  await store.close();
  if (head !== BigInt(total)) throw new Error(`the store's head is ${head}, expected ${total}`);

  const sampled = Math.min(total, 10 * BATCH);
  return {
    figures: [
      { name: 'fill: sqlite batched appends (1,000/append, FULL)', value: total / (elapsedMs / 1000), unit: 'events/s', baseline: raw },
      {
        name: `fill: sqlite batched appends, first ${rawTotal.toLocaleString('en')} events`,
        value: Math.min(rawTotal, total) / (elapsedFirstMs / 1000),
        unit: 'events/s',
        baseline: raw,
      },
      { name: 'fill: event JSON size (data + metadata)', value: bytes / sampled, unit: 'bytes' },
    ],
    shared: { storeFile: file, storeEvents: total },
  };
});
