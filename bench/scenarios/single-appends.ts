/**
 * single-appends: one event per appendToStream on the 1M-event store, two appends per stream
 * (expectedState no_stream, then exact revision 0), with synchronous FULL then NORMAL; each
 * compared with a raw loop of one INSERT per (autocommit) transaction into its own file with the
 * same pragma, the two interleaved in chunks of CHUNK so that both see the same disk.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import type { SqliteSynchronous } from '../../src/infrastructure/event-store/sqlite/schema.js';
import { makeEvent, singleStream, toRawRows } from '../lib/events.js';
import { RawEventTable } from '../lib/raw-sqlite.js';
import { progress, requireShared, scaled, scenario } from '../lib/scenario.js';

const CHUNK = 250;

/** Returns [ours, raw] in events/s. */
async function measure(file: string, rawFile: string, total: number, synchronous: SqliteSynchronous): Promise<[number, number]> {
  const store = new SqliteEventStore({ file, synchronous });
  const raw = new RawEventTable(rawFile, synchronous);
  const tag = synchronous.toLowerCase();
  let oursMs = 0;
  let rawMs = 0;
  for (let chunk = 0; chunk < total; chunk += CHUNK) {
    const end = Math.min(total, chunk + CHUNK);
    for (let i = chunk; i < end; i++) {
      const stream = singleStream(`raw${tag}`, i);
      const revision = i & 1;
      const [row] = toRawRows([makeEvent(i, stream, revision)]);
      const start = performance.now();
      raw.insertOne(stream, revision, row!);
      rawMs += performance.now() - start;
    }
    for (let i = chunk; i < end; i++) {
      const stream = singleStream(tag, i);
      const revision = i & 1;
      const event = makeEvent(i, stream, revision);
      const start = performance.now();
      await store.appendToStream(stream, [event], { expectedState: revision === 0 ? 'no_stream' : 0n });
      oursMs += performance.now() - start;
    }
    progress(`${synchronous}: ${end.toLocaleString('en')} / ${total.toLocaleString('en')} (ours and raw)`);
  }
  await store.close();
  raw.close();
  return [total / (oursMs / 1000), total / (rawMs / 1000)];
}

scenario(async (context) => {
  const file = requireShared<string>(context, 'storeFile');
  const storeEvents = requireShared<number>(context, 'storeEvents');
  const total = scaled(context, 20_000);

  const [oursFull, rawFull] = await measure(file, join(context.dir, 'raw-full.db'), total, 'FULL');
  const [oursNormal, rawNormal] = await measure(file, join(context.dir, 'raw-normal.db'), total, 'NORMAL');

  return {
    figures: [
      { name: 'single appends (1 event/append, FULL)', value: oursFull, unit: 'events/s', baseline: rawFull },
      { name: 'single appends (1 event/append, NORMAL)', value: oursNormal, unit: 'events/s', baseline: rawNormal },
    ],
    shared: { storeEvents: storeEvents + 2 * total },
  };
});
