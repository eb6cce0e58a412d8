import { randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend, JsonObject } from '../../src/infrastructure/event-store/event-store.port.js';

export const metadata = (occurredAt = '2026-11-25T00:00:00.000Z') => ({ correlationId: randomUUID(), schemaVersion: 1, occurredAt });

export const sample = (type: string, data: JsonObject): EventToAppend => ({ id: randomUUID(), type, data, metadata: metadata() });

/** Appends `count` events over a few streams, with Unicode and nested data. */
export async function appendSamples(store: EventStore, count: number, from = 0): Promise<bigint> {
  let position = 0n;
  for (let i = from; i < from + count; i++) {
    const stream = `sample-${i % 4}`;
    const data: JsonObject = { n: i, label: `Zoé ${i} — 🗳️`, nested: { list: [i, { b: true, a: null }], ratio: i / 7 } };
    ({ position } = await store.appendToStream(stream, [sample(i % 5 === 0 ? 'SampleWeighed' : 'SampleTaken', data)]));
  }
  return position;
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
