/**
 * replay-readall: streams the whole log with readAll (for await), touching every event, and
 * checks it saw each position exactly once. Memory must not grow with the log: the RSS growth
 * over the second half of the replay is reported next to the peak.
 */
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { collectGarbage, progress, requireShared, RssGrowth, scenario } from '../lib/scenario.js';

scenario(async (context) => {
  const file = requireShared<string>(context, 'storeFile');
  const expected = requireShared<number>(context, 'storeEvents');
  const store = new SqliteEventStore({ file });
  const head = await store.headPosition();
  if (head !== BigInt(expected)) throw new Error(`the store's head is ${head}, expected ${expected}`);

  collectGarbage();
  const rss = new RssGrowth();
  let count = 0;
  let lastPosition = 0n;
  let touched = 0;
  const start = performance.now();
  for await (const event of store.readAll()) {
    count++;
    if (event.position <= lastPosition) throw new Error(`position ${event.position} after ${lastPosition}`);
    lastPosition = event.position;
    // Touch the decoded payload, as a consumer would.
    touched += event.type.length + (event.data as { voterId?: string }).voterId!.length + event.metadata.correlationId.length;
    if ((count & 0x3fff) === 0) {
      const mb = rss.sample(count / expected);
      progress(`${count.toLocaleString('en')} / ${expected.toLocaleString('en')} events, RSS ${mb.toFixed(0)} MB`);
    }
  }
  rss.sample(1);
  const elapsedMs = performance.now() - start;
  await store.close();
  if (count !== expected) throw new Error(`readAll returned ${count} events, the store holds ${expected}`);
  if (lastPosition !== BigInt(expected)) throw new Error(`readAll ended at position ${lastPosition}, expected ${expected}`);
  if (touched === 0) throw new Error('nothing touched');

  return {
    figures: [
      { name: 'replay-readall: events/s', value: count / (elapsedMs / 1000), unit: 'events/s' },
      { name: 'replay-readall: RSS growth over the second half of the log', value: rss.secondHalfMb, unit: 'MB' },
    ],
  };
});
