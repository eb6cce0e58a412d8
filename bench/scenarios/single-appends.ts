/**
 * single-appends: one event per appendToStream on the 1M-event store, two appends per stream
 * (expectedState no_stream, then exact revision 0), with synchronous FULL then NORMAL; each
 * compared with a raw loop of one INSERT per transaction (autocommit) with the same pragma.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import type { SqliteSynchronous } from '../../src/infrastructure/event-store/sqlite/schema.js';
import { makeEvent, singleStream } from '../lib/events.js';
import { rawSingleInserts } from '../lib/raw-sqlite.js';
import { progress, requireShared, scaled, scenario } from '../lib/scenario.js';

async function ours(file: string, total: number, synchronous: SqliteSynchronous, tag: string): Promise<number> {
  const store = new SqliteEventStore({ file, synchronous });
  let elapsedMs = 0;
  for (let i = 0; i < total; i++) {
    const stream = singleStream(tag, i);
    const revision = i & 1;
    const event = makeEvent(i, stream, revision);
    const start = performance.now();
    await store.appendToStream(stream, [event], { expectedState: revision === 0 ? 'no_stream' : 0n });
    elapsedMs += performance.now() - start;
    progress(`ours ${synchronous}: ${(i + 1).toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
  await store.close();
  return total / (elapsedMs / 1000);
}

scenario(async (context) => {
  const file = requireShared<string>(context, 'storeFile');
  const storeEvents = requireShared<number>(context, 'storeEvents');
  const total = scaled(context, 20_000);

  const rawFull = rawSingleInserts(join(context.dir, 'raw-full.db'), total, 'FULL', (i) => singleStream('raw', i));
  const oursFull = await ours(file, total, 'FULL', 'full');
  const rawNormal = rawSingleInserts(join(context.dir, 'raw-normal.db'), total, 'NORMAL', (i) => singleStream('raw', i));
  const oursNormal = await ours(file, total, 'NORMAL', 'normal');

  return {
    figures: [
      { name: 'single appends (1 event/append, FULL)', value: oursFull, unit: 'events/s', baseline: rawFull },
      { name: 'single appends (1 event/append, NORMAL)', value: oursNormal, unit: 'events/s', baseline: rawNormal },
    ],
    shared: { storeEvents: storeEvents + 2 * total },
  };
});
