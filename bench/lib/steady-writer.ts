/**
 * Appends single events at a steady rate (one per appendToStream, two per stream: no_stream then
 * revision 0), yielding to the event loop between appends so that a subscriber in the same
 * process gets its turn. Used in-process and by the writer child of subscription-latency.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, EventToAppend, JsonObject } from '../../src/infrastructure/event-store/event-store.port.js';
import { makeEvent, singleStream } from './events.js';

export interface SteadyWriterOptions {
  total: number;
  perSecond: number;
  /** Distinguishes this writer's streams from every other's. */
  tag: string;
  /** Extra data fields, computed just before the append (wall-clock stamps). */
  stamp?: () => JsonObject;
  /** Called just before appendToStream, after the event is built. */
  beforeAppend?: (event: EventToAppend) => void;
}

export async function steadyAppends(store: EventStore, options: SteadyWriterOptions): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < options.total; i++) {
    const wait = start + (i * 1000) / options.perSecond - performance.now();
    if (wait >= 1) await sleep(wait);
    else await new Promise((resolve) => setImmediate(resolve));
    const stream = singleStream(options.tag, i);
    const revision = i & 1;
    const event = makeEvent(i, stream, revision);
    if (options.stamp) Object.assign(event.data as JsonObject, options.stamp());
    options.beforeAppend?.(event);
    await store.appendToStream(stream, [event], { expectedState: revision === 0 ? 'no_stream' : 0n });
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
