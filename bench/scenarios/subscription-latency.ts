/**
 * subscription-latency: a live subscriber (subscribeToAll from 'end') on the 1M-event store while a
 * writer appends single events at a steady rate with synchronous FULL (the durable default, so
 * every latency includes the commit's fsync). See PHASES.
 * - same process: time from just before appendToStream to delivery, by performance.now();
 * - another process: the writer is a child process; it stamps the wall-clock time (ms, sub-ms
 *   resolution) in the event just before appending; the subscriber compares with its own clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { AllSubscription, SubscriptionMessage } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { percentile, progress, requireShared, scaled, scenario, type Figure } from '../lib/scenario.js';
import { steadyAppends, wallClockMs } from '../lib/steady-writer.js';

const SYNCHRONOUS = 'FULL';
const WRITER = fileURLToPath(new URL('../lib/latency-writer-process.js', import.meta.url));
const writers = new Set<ChildProcess>();
// A failed phase must not leave its writer appending to the store.
process.on('exit', () => writers.forEach((child) => child.kill('SIGKILL')));

/** Subscribes from 'end' and resolves once the subscription has caught up (so it is live). */
async function liveSubscription(store: SqliteEventStore): Promise<{ subscription: AllSubscription; iterator: AsyncIterator<SubscriptionMessage> }> {
  const subscription = store.subscribeToAll({ fromPosition: 'end' });
  const iterator = subscription[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.kind !== 'caughtUp') throw new Error('a subscription from the end should first report that it caught up');
  return { subscription, iterator };
}

/** Collects one latency per event until `total` events have arrived. */
async function collect(
  iterator: AsyncIterator<SubscriptionMessage>,
  total: number,
  latencyOf: (message: Extract<SubscriptionMessage, { kind: 'event' }>) => number,
  label: string,
): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < total) {
    const result = await iterator.next();
    if (result.done) break;
    if (result.value.kind !== 'event') continue;
    latencies.push(latencyOf(result.value));
    progress(`${label}: ${latencies.length.toLocaleString('en')} / ${total.toLocaleString('en')} events delivered`);
  }
  return latencies;
}

/** The timer is ref'd on purpose: it keeps the process alive while the subscriber waits. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function summarise(prefix: string, latencies: number[], total: number): Figure[] {
  if (latencies.length !== total) throw new Error(`${prefix}: ${latencies.length} events delivered, ${total} appended`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return [
    { name: `${prefix} p50`, value: percentile(sorted, 50), unit: 'ms' },
    { name: `${prefix} p99`, value: percentile(sorted, 99), unit: 'ms' },
    { name: `${prefix} max`, value: sorted[sorted.length - 1]!, unit: 'ms' },
  ];
}

/** One measurement: a writer at a steady rate for a few seconds, a live subscriber in this process. */
interface Phase {
  writer: 'same process' | 'another process';
  perSecond: number;
  /** Events at scale 1. */
  events: number;
}

const PHASES: Phase[] = [
  { writer: 'same process', perSecond: 1_000, events: 5_000 },
  { writer: 'another process', perSecond: 1_000, events: 5_000 },
  // Sparse writes, as most of an election day: nothing follows a commit to wake the subscriber early.
  { writer: 'another process', perSecond: 10, events: 50 },
];

async function sameProcess(store: SqliteEventStore, iterator: AsyncIterator<SubscriptionMessage>, phase: Phase, total: number, tag: string): Promise<number[]> {
  const startedAt = new Map<string, number>();
  const latencies = collect(
    iterator,
    total,
    ({ event }) => {
      const start = startedAt.get(event.id);
      if (start === undefined) throw new Error(`event ${event.id} was not written by this benchmark`);
      startedAt.delete(event.id);
      return performance.now() - start;
    },
    `same process, ${phase.perSecond}/s`,
  );
  await steadyAppends(store, { total, perSecond: phase.perSecond, tag, beforeAppend: (event) => startedAt.set(event.id, performance.now()) });
  return latencies;
}

async function anotherProcess(file: string, iterator: AsyncIterator<SubscriptionMessage>, phase: Phase, total: number, tag: string): Promise<number[]> {
  const latencies = collect(
    iterator,
    total,
    ({ event }) => {
      const sentAt = (event.data as { sentAt?: number }).sentAt;
      if (typeof sentAt !== 'number') throw new Error(`event ${event.id} carries no sentAt stamp`);
      return wallClockMs() - sentAt;
    },
    `writer in another process, ${phase.perSecond}/s`,
  );
  const child = spawn(process.execPath, [WRITER], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_WRITER: JSON.stringify({ file, synchronous: SYNCHRONOUS, total, perSecond: phase.perSecond, tag }) },
  });
  writers.add(child);
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => writers.delete(child));
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the writer process exited with ${code ?? signal}`))));
  });
  const [result] = await Promise.all([latencies, exited]);
  return result;
}

scenario(async (context) => {
  const file = requireShared<string>(context, 'storeFile');
  let storeEvents = requireShared<number>(context, 'storeEvents');
  const store = new SqliteEventStore({ file, synchronous: SYNCHRONOUS });
  const figures: Figure[] = [];
  for (const [index, phase] of PHASES.entries()) {
    const total = scaled(context, phase.events);
    const budgetMs = (total / phase.perSecond) * 1000 + 30_000;
    const { subscription, iterator } = await liveSubscription(store);
    const tag = `lat${index}`;
    const run = phase.writer === 'same process' ? sameProcess(store, iterator, phase, total, tag) : anotherProcess(file, iterator, phase, total, tag);
    const latencies = await withTimeout(run, budgetMs, `delivery (${phase.writer}, ${phase.perSecond}/s)`);
    const where = phase.writer === 'same process' ? 'same process' : 'writer in another process';
    figures.push(...summarise(`subscription latency, ${where} (${phase.perSecond}/s, ${SYNCHRONOUS})`, latencies, total));
    await subscription.close();
    storeEvents += total;
  }
  await store.close();
  return { figures, shared: { storeEvents } };
});
