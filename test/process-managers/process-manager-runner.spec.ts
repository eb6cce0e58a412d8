import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { ProcessManagerRunner, type ProcessManager } from '../../src/infrastructure/process-managers/process-manager-runner.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';

const dir = mkdtempSync(join(tmpdir(), 'urne-process-managers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (type: string) => ({ id: randomUUID(), type, data: {}, metadata: { correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() } });

/** Handles "OrderPlaced" events; fails the first time it meets the second one, as a flaky network would. */
function flakyProcessManager(handled: string[]): ProcessManager & { failures: number } {
  let failedOnce = false;
  const manager = {
    name: 'order-confirmations',
    filter: { kind: 'eventType', prefixes: ['OrderPlaced'] } as const,
    failures: 0,
    async handle(e: RecordedEvent) {
      if (handled.length === 1 && !failedOnce) {
        failedOnce = true;
        manager.failures++;
        throw new Error('gateway unavailable');
      }
      handled.push(e.stream);
    },
  };
  return manager;
}

describe('ProcessManagerRunner', () => {
  it('handles each relevant event once, in order, retrying a failed step, and resumes from its checkpoint after a restart', async () => {
    const store = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    const db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    for (let i = 0; i < 3; i++) {
      await store.appendToStream(`order-${i}`, [event('OrderPlaced')]);
      await store.appendToStream(`noise-${i}`, [event('NoiseMade'), event('NoiseMade')]);
    }
    const handled: string[] = [];
    const manager = flakyProcessManager(handled);
    const first = new ProcessManagerRunner(store, db, manager);
    first.start();
    await first.waitForPosition((await store.headPosition())!);
    await first.stop();
    expect(handled).toEqual(['order-0', 'order-1', 'order-2']);
    expect(manager.failures).toBe(1);

    // A restart (a new process would do the same: the checkpoint is in the database).
    await store.appendToStream('order-3', [event('OrderPlaced')]);
    const second = new ProcessManagerRunner(store, db, manager);
    expect(second.position).toBe(9n);
    second.start();
    await second.waitForPosition((await store.headPosition())!);
    await second.stop();
    expect(handled).toEqual(['order-0', 'order-1', 'order-2', 'order-3']);
    db.close();
    await store.close();
  });
});
