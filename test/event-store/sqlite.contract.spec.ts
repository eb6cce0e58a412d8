import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { collect } from '../../src/infrastructure/event-store/event-store.port.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { StoreProcess } from './support/store-process.js';

const dir = mkdtempSync(join(tmpdir(), 'urne-sqlite-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreContract('SQLite', {
  storeKind: 'sqlite',
  open: () => new SqliteEventStore({ file: join(dir, `${randomUUID()}.sqlite`) }),
  locationOf: (store) => (store as SqliteEventStore).file,
});

describe('SQLite event store specifics', () => {
  const metadata = () => ({ correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() });

  it('assigns gap-free positions 1, 2, 3… in commit order', async () => {
    const store = new SqliteEventStore({ file: join(dir, 'positions.sqlite') });
    await store.appendToStream('item-a', [{ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() }]);
    await expect(store.appendToStream('item-a', [{ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() }], { expectedState: 'no_stream' })).rejects.toThrow();
    await store.appendToStream('item-b', [1, 2].map(() => ({ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() })));
    const all = await collect(store.readAll());
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n]);
    await store.close();
  });

  it('is durable by default and keeps events across reopening the file', async () => {
    const file = join(dir, 'reopen.sqlite');
    const first = new SqliteEventStore({ file });
    const id = randomUUID();
    await first.appendToStream('item-kept', [{ id, type: 'ItemAdded', data: { kept: true }, metadata: metadata() }]);
    await first.close();
    const second = new SqliteEventStore({ file });
    expect((await collect(second.readStream('item-kept')))[0]).toMatchObject({ id, data: { kept: true } });
    await second.close();
  });

  it('a subscriber in another process stays alive while it waits, and is woken within moments of a commit', async () => {
    const file = join(dir, 'tail.sqlite');
    const store = new SqliteEventStore({ file });
    await store.appendToStream('item-old', [{ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() }]);
    const tail = StoreProcess.start('sqlite', file, 'tail');
    expect(await tail.next()).toEqual({ caughtUp: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tail.child.exitCode).toBeNull();
    await store.appendToStream('item-new', [{ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() }]);
    expect(await tail.next()).toEqual({ event: 'ItemAdded', stream: 'item-new' });
    expect((await tail.exit).code).toBe(0);
    await store.close();
  });

  it('a closed store refuses work with a typed error', async () => {
    const store = new SqliteEventStore({ file: join(dir, 'closed.sqlite') });
    await store.close();
    await expect(store.appendToStream('item-x', [{ id: randomUUID(), type: 'ItemAdded', data: {}, metadata: metadata() }])).rejects.toMatchObject({
      code: 'EVENT_STORE_UNAVAILABLE',
    });
  });
});
