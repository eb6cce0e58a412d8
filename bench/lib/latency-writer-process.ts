/**
 * The writer child of subscription-latency: opens its own SqliteEventStore on the same file and
 * appends at a steady rate, stamping each event's data with `sentAt` (wall-clock ms) just before
 * its append. Configured by the BENCH_WRITER environment variable (JSON).
 */
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import type { SqliteSynchronous } from '../../src/infrastructure/event-store/sqlite/schema.js';
import { steadyAppends, wallClockMs } from './steady-writer.js';

interface WriterConfig {
  file: string;
  synchronous: SqliteSynchronous;
  total: number;
  perSecond: number;
  tag: string;
}

const config = JSON.parse(process.env.BENCH_WRITER ?? 'null') as WriterConfig | null;
if (!config) {
  process.stderr.write('latency-writer-process needs BENCH_WRITER\n');
  process.exit(2);
}
const store = new SqliteEventStore({ file: config.file, synchronous: config.synchronous });
await steadyAppends(store, { total: config.total, perSecond: config.perSecond, tag: config.tag, stamp: () => ({ sentAt: wallClockMs() }) });
await store.close();
