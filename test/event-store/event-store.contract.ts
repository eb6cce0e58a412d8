import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  AppendTooLargeError,
  InvalidArgumentError,
  InvalidEventError,
  InvalidEventTypeError,
  InvalidStreamNameError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../src/infrastructure/event-store/event-store.errors.js';
import { collect, type EventStore, type EventToAppend, type JsonValue, type RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { StoreProcess } from './support/store-process.js';

export interface EventStoreHarness {
  /** Set when the store cannot be tested here; the reason becomes part of the suite's name. */
  skipReason?: string;
  storeKind: 'sqlite' | 'kurrentdb';
  connectionString?: string;
  /** Opens a store. For SQLite every call opens a new file; for KurrentDB, the same server. */
  open(): EventStore | Promise<EventStore>;
  /** Where another OS process finds the same store: a file or a connection string. */
  locationOf?(store: EventStore): string;
}

const event = (type = 'ItemAdded', data: JsonValue = { n: 1 }, id = randomUUID()): EventToAppend => ({
  id,
  type,
  data,
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test', schemaVersion: 1, occurredAt: new Date().toISOString() },
});
const events = (count: number, type = 'ItemAdded') => Array.from({ length: count }, (_, n) => event(type, { n }));

/**
 * The behaviour every event store adapter must have: KurrentDB's. Each test works in streams of
 * its own category, so the suite also runs against a shared, non-empty KurrentDB server.
 */
export function describeEventStoreContract(name: string, harness: EventStoreHarness): void {
  const title = harness.skipReason ? `${name} event store contract (skipped: ${harness.skipReason})` : `${name} event store contract`;
  (harness.skipReason ? describe.skip : describe)(title, () => {
    let store: EventStore;
    let location: string;
    const run = `t${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    let counter = 0;
    /** A fresh category for one test, e.g. `t1a2b3c4d5e6Ballot`. */
    const category = (label = 'Item') => `${run}${label}${++counter}`;
    const stream = (label?: string) => `${category(label)}-${randomUUID()}`;

    beforeAll(async () => {
      store = await harness.open();
      location = harness.locationOf?.(store) ?? harness.connectionString ?? '';
    });
    afterAll(async () => {
      await store?.close();
    });

    async function expectNothingWritten(streamName: string, headBefore: bigint | null) {
      await expect(collect(store.readStream(streamName))).rejects.toBeInstanceOf(StreamNotFoundError);
      if (harness.storeKind === 'sqlite') expect(await store.headPosition()).toBe(headBefore);
    }

    async function expectConflict(promise: Promise<unknown>, expected: unknown, actual: unknown) {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).expectedState).toBe(expected);
      expect((error as WrongExpectedVersionError).actualState).toBe(actual);
      expect((error as WrongExpectedVersionError).code).toBe('WRONG_EXPECTED_VERSION');
    }

    describe('appendToStream and expected states', () => {
      it('no_stream succeeds on a new stream and returns revision 0 and its position', async () => {
        const s = stream();
        const result = await store.appendToStream(s, [event()], { expectedState: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(0n);
        expect(result.position).toBe(await store.headPosition());
      });

      it('no_stream conflicts once the stream exists, reporting the actual revision, and writes nothing', async () => {
        const s = stream();
        await store.appendToStream(s, events(2), { expectedState: 'no_stream' });
        await expectConflict(store.appendToStream(s, [event()], { expectedState: 'no_stream' }), 'no_stream', 1n);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('stream_exists succeeds on an existing stream and conflicts on a missing one', async () => {
        const s = stream();
        await expectConflict(store.appendToStream(s, [event()], { expectedState: 'stream_exists' }), 'stream_exists', 'no_stream');
        await store.appendToStream(s, [event()]);
        const result = await store.appendToStream(s, [event()], { expectedState: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('an exact revision succeeds when it is the last revision and conflicts when behind or ahead', async () => {
        const s = stream();
        await store.appendToStream(s, events(3), { expectedState: 'no_stream' });
        await expectConflict(store.appendToStream(s, [event()], { expectedState: 1n }), 1n, 2n);
        await expectConflict(store.appendToStream(s, [event()], { expectedState: 5n }), 5n, 2n);
        const result = await store.appendToStream(s, events(2), { expectedState: 2n });
        expect(result.nextExpectedRevision).toBe(4n);
        expect((await collect(store.readStream(s))).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      });

      it('an exact revision on a missing stream conflicts with actual no_stream', async () => {
        await expectConflict(store.appendToStream(stream(), [event()], { expectedState: 0n }), 0n, 'no_stream');
      });

      it('any appends whatever the state, and is the default', async () => {
        const s = stream();
        expect((await store.appendToStream(s, [event()], { expectedState: 'any' })).nextExpectedRevision).toBe(0n);
        expect((await store.appendToStream(s, [event()])).nextExpectedRevision).toBe(1n);
      });

      it('global positions increase with every append', async () => {
        const first = await store.appendToStream(stream(), events(3));
        const second = await store.appendToStream(stream(), [event()]);
        expect(second.position).toBeGreaterThan(first.position);
      });

      it('concurrent appends at the same expected revision in one process: exactly one wins', async () => {
        const s = stream();
        await store.appendToStream(s, [event()], { expectedState: 'no_stream' });
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.appendToStream(s, [event()], { expectedState: 0n })));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes.filter((o) => o.status === 'rejected')) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });
    });

    describe('appendToStreams (atomic across streams)', () => {
      it('writes to every stream, each from its own expected state, and reports each next revision', async () => {
        const voter = stream('Voter');
        const box = stream('Box');
        await store.appendToStream(box, events(2), { expectedState: 'no_stream' });
        const result = await store.appendToStreams([
          { stream: voter, events: [event('Marked')], expectedState: 'no_stream' },
          { stream: box, events: events(2, 'Cast'), expectedState: 1n },
        ]);
        expect(result.streams).toEqual([
          { stream: voter, nextExpectedRevision: 0n },
          { stream: box, nextExpectedRevision: 3n },
        ]);
        expect(result.position).toBe(await store.headPosition());
        const written = [...(await collect(store.readStream(voter))), ...(await collect(store.readStream(box)))];
        expect(written.map((e) => e.type)).toEqual(['Marked', 'ItemAdded', 'ItemAdded', 'Cast', 'Cast']);
        expect(written[0]!.metadata.schemaVersion).toBe(1);
      });

      it('a conflict on one stream writes nothing to any, and names that stream', async () => {
        const voter = stream('Voter');
        const box = stream('Box');
        await store.appendToStream(box, events(3), { expectedState: 'no_stream' });
        const headBefore = await store.headPosition();
        const error = await store
          .appendToStreams([
            { stream: voter, events: [event('Marked')], expectedState: 'no_stream' },
            { stream: box, events: [event('Cast')], expectedState: 1n },
          ])
          .then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect((error as WrongExpectedVersionError).stream).toBe(box);
        expect((error as WrongExpectedVersionError).actualState).toBe(2n);
        await expectNothingWritten(voter, headBefore);
        expect(await collect(store.readStream(box))).toHaveLength(3);
      });

      it('concurrent multi-stream appends racing on one stream: exactly one wins, whole', async () => {
        const box = stream('Box');
        await store.appendToStream(box, [event()], { expectedState: 'no_stream' });
        const voters = Array.from({ length: 10 }, () => stream('Voter'));
        const outcomes = await Promise.allSettled(
          voters.map((voter) =>
            store.appendToStreams([
              { stream: voter, events: [event('Marked')], expectedState: 'no_stream' },
              { stream: box, events: [event('Cast')], expectedState: 0n },
            ]),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        let marked = 0;
        for (const voter of voters) marked += (await collect(store.readStream(voter)).catch(() => [])).length;
        expect(marked).toBe(1);
        expect(await collect(store.readStream(box))).toHaveLength(2);
      });

      it('refuses a stream named twice, an empty part, or invalid events, writing nothing', async () => {
        const s = stream();
        await expect(store.appendToStreams([])).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(
          store.appendToStreams([
            { stream: s, events: [event()], expectedState: 'any' },
            { stream: s, events: [event()], expectedState: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.appendToStreams([{ stream: s, events: [], expectedState: 'any' }])).rejects.toBeInstanceOf(InvalidArgumentError);
        const shared = randomUUID();
        await expect(
          store.appendToStreams([
            { stream: s, events: [event('A', {}, shared)], expectedState: 'any' },
            { stream: stream(), events: [event('B', {}, shared)], expectedState: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidEventError);
        await expect(collect(store.readStream(s))).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('idempotent retries', () => {
      it('the same ids at the same exact revision succeed again without duplicates', async () => {
        const s = stream();
        await store.appendToStream(s, [event()], { expectedState: 'no_stream' });
        const batch = events(3);
        const first = await store.appendToStream(s, batch, { expectedState: 0n });
        const retry = await store.appendToStream(s, batch, { expectedState: 0n });
        expect(retry).toEqual(first);
        expect((await collect(store.readStream(s))).map((e) => e.id)).toHaveLength(4);
      });

      it('the same ids with no_stream succeed again without duplicates', async () => {
        const s = stream();
        const batch = events(2);
        const first = await store.appendToStream(s, batch, { expectedState: 'no_stream' });
        expect(await store.appendToStream(s, batch, { expectedState: 'no_stream' })).toEqual(first);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('the same ids with any, right after the first append, are not written twice', async () => {
        const s = stream();
        const batch = events(2);
        await store.appendToStream(s, batch);
        await store.appendToStream(s, batch);
        expect(await collect(store.readStream(s))).toHaveLength(2);
      });

      it('other ids at a stale revision conflict', async () => {
        const s = stream();
        await store.appendToStream(s, [event()], { expectedState: 'no_stream' });
        await store.appendToStream(s, [event()], { expectedState: 0n });
        await expectConflict(store.appendToStream(s, [event()], { expectedState: 0n }), 0n, 1n);
      });
    });

    describe('readStream', () => {
      let s: string;
      let written: EventToAppend[];
      beforeAll(async () => {
        s = stream();
        written = events(10);
        await store.appendToStream(s, written, { expectedState: 'no_stream' });
      });

      it('returns the whole envelope: id, type, data, metadata, stream, revision, position, recorded-at', async () => {
        const [first] = await collect(store.readStream(s, { maxCount: 1 }));
        expect(first).toMatchObject({ id: written[0]!.id, type: 'ItemAdded', data: { n: 0 }, metadata: written[0]!.metadata, stream: s, revision: 0n });
        expect(typeof first!.position).toBe('bigint');
        expect(first!.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(first!.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
      });

      it('reads forwards from the start', async () => {
        expect((await collect(store.readStream(s))).map((e) => e.data)).toEqual(written.map((e) => e.data));
      });

      it('reads backwards from the end', async () => {
        const read = await collect(store.readStream(s, { direction: 'backwards' }));
        expect(read.map((e) => e.revision)).toEqual([9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n, 0n]);
      });

      it('reads forwards from a revision (inclusive) with maxCount', async () => {
        const read = await collect(store.readStream(s, { fromRevision: 4n, maxCount: 3 }));
        expect(read.map((e) => e.revision)).toEqual([4n, 5n, 6n]);
      });

      it('reads backwards from a revision (inclusive) with maxCount', async () => {
        const read = await collect(store.readStream(s, { fromRevision: 4n, direction: 'backwards', maxCount: 2 }));
        expect(read.map((e) => e.revision)).toEqual([4n, 3n]);
      });

      it('reads nothing past the end', async () => {
        expect(await collect(store.readStream(s, { fromRevision: 10n }))).toEqual([]);
      });

      it('raises a typed not-found error for a missing stream', async () => {
        const missing = stream();
        const error = await collect(store.readStream(missing)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StreamNotFoundError);
        expect((error as StreamNotFoundError).stream).toBe(missing);
      });
    });

    describe('readAll', () => {
      let before: bigint;
      let appended: RecordedEvent[];
      let cat: string;
      beforeAll(async () => {
        cat = category('Log');
        before = (await store.headPosition()) ?? 0n;
        await store.appendToStream(`${cat}-a`, [event('LogOpened'), event('LogWritten')]);
        await store.appendToStream(`${cat}-b`, [event('LogWritten'), event('LogClosed')]);
        await store.appendToStream(`${cat}x-c`, [event('LogWritten')]);
        appended = await collect(store.readAll({ fromPosition: before, filter: { kind: 'streamName', prefixes: [cat] } }));
      });

      it('reads forwards from a position, excluding that position', async () => {
        expect(appended.map((e) => e.stream)).toEqual([`${cat}-a`, `${cat}-a`, `${cat}-b`, `${cat}-b`, `${cat}x-c`]);
        const after = await collect(store.readAll({ fromPosition: appended[1]!.position, maxCount: 2 }));
        expect(after.map((e) => e.id)).toEqual([appended[2]!.id, appended[3]!.id]);
      });

      it('reads backwards from a position, excluding that position', async () => {
        const read = await collect(store.readAll({ fromPosition: appended[3]!.position, direction: 'backwards', maxCount: 2 }));
        expect(read.map((e) => e.id)).toEqual([appended[2]!.id, appended[1]!.id]);
      });

      it('reads backwards from the end', async () => {
        const [latest] = await collect(store.readAll({ direction: 'backwards', maxCount: 1 }));
        expect(latest!.position).toBe(await store.headPosition());
      });

      it('filters by stream-name prefix', async () => {
        const read = await collect(store.readAll({ fromPosition: before, filter: { kind: 'streamName', prefixes: [`${cat}-`] } }));
        expect(read.map((e) => e.stream)).toEqual([`${cat}-a`, `${cat}-a`, `${cat}-b`, `${cat}-b`]);
      });

      it('filters by event-type prefix, with maxCount counting matches only', async () => {
        const read = await collect(store.readAll({ fromPosition: before, filter: { kind: 'eventType', prefixes: ['LogW', 'LogC'] }, maxCount: 3 }));
        expect(read.map((e) => e.type)).toEqual(['LogWritten', 'LogWritten', 'LogClosed']);
      });

      it('positions follow commit order', async () => {
        const positions = appended.map((e) => e.position);
        expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
      });
    });

    describe('content', () => {
      it('keeps Unicode exactly', async () => {
        const s = stream();
        const data = { name: 'Nathalie Kosciusko-Morizet', accents: 'élu·e, Œuvre, ß, İ', emoji: '🗳️👩🏽‍⚖️', rtl: 'مرحبا', zeroWidth: 'a\u200db', nul: 'a\u0000b', astral: '𝔘𝔯𝔫𝔢' };
        await store.appendToStream(s, [event('TextRecorded', data)]);
        const [read] = await collect(store.readStream(s));
        expect(read!.data).toEqual(data);
      });

      it('stores a 1 MB event and reads it back intact', async () => {
        const s = stream();
        const big = 'é'.repeat(250_000) + 'z'.repeat(500_000); // 1,000,000 bytes of UTF-8
        await store.appendToStream(s, [event('DocumentAttached', { big })]);
        const [read] = await collect(store.readStream(s));
        expect((read!.data as { big: string }).big).toBe(big);
      });

      it('refuses an append over the maximum append size, writing nothing', async () => {
        const s = stream();
        const headBefore = await store.headPosition();
        const error = await store.appendToStream(s, [event('DocumentAttached', { big: 'x'.repeat(2_000_000) })]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppendTooLargeError);
        await expectNothingWritten(s, headBefore);
      });
    });

    describe('invalid input is rejected with a typed error and nothing is written', () => {
      const badStreams = ['', 'nocategory', '$system-1', 'Upper-1', 'two words-1', '-id', 'cat-', 'cat-ü', 'x'.repeat(300) + '-1'];
      it.each(badStreams)('stream name %j', async (name) => {
        const headBefore = await store.headPosition();
        await expect(store.appendToStream(name, [event()])).rejects.toBeInstanceOf(InvalidStreamNameError);
        expect(await store.headPosition()).toBe(headBefore);
      });

      it.each(['', 'lowercaseStart', 'With Space', 'With-Hyphen', '$SystemType', 'A'.repeat(200)])('event type %j', async (type) => {
        const s = stream();
        const headBefore = await store.headPosition();
        // The bad event is last: nothing before it may be written either.
        await expect(store.appendToStream(s, [event(), event(type)])).rejects.toBeInstanceOf(InvalidEventTypeError);
        await expectNothingWritten(s, headBefore);
      });

      const badEvents: Array<[string, () => unknown]> = [
        ['an id that is not a UUID', () => ({ ...event(), id: 'not-a-uuid' })],
        ['data holding undefined', () => ({ ...event(), data: { a: undefined } })],
        ['data holding a function', () => ({ ...event(), data: { f: () => 1 } })],
        ['data holding NaN', () => ({ ...event(), data: { n: Number.NaN } })],
        ['data holding a bigint', () => ({ ...event(), data: { n: 1n } })],
        ['data holding a Date', () => ({ ...event(), data: { d: new Date() } })],
        ['no metadata', () => ({ ...event(), metadata: undefined })],
        ['metadata without a correlation id', () => ({ ...event(), metadata: { schemaVersion: 1, occurredAt: new Date().toISOString() } })],
        ['metadata with a bad occurredAt', () => ({ ...event(), metadata: { correlationId: 'c', schemaVersion: 1, occurredAt: 'yesterday' } })],
      ];
      it.each(badEvents)('an event with %s', async (_label, make) => {
        const s = stream();
        const headBefore = await store.headPosition();
        await expect(store.appendToStream(s, [event(), make() as EventToAppend])).rejects.toBeInstanceOf(InvalidEventError);
        await expectNothingWritten(s, headBefore);
      });

      it('two events with the same id in one append', async () => {
        const s = stream();
        const e = event();
        await expect(store.appendToStream(s, [e, { ...e }])).rejects.toBeInstanceOf(InvalidEventError);
        await expectNothingWritten(s, await store.headPosition());
      });

      it.each([[-1n], ['latest'], [1]])('expected state %p', async (expectedState) => {
        const s = stream();
        await expect(store.appendToStream(s, [event()], { expectedState: expectedState as never })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expectNothingWritten(s, await store.headPosition());
      });

      it('an empty append', async () => {
        await expect(store.appendToStream(stream(), [])).rejects.toBeInstanceOf(InvalidArgumentError);
      });

      it('bad read options', () => {
        expect(() => store.readStream(stream(), { maxCount: 0 })).toThrow(InvalidArgumentError);
        expect(() => store.readAll({ fromPosition: -1n })).toThrow(InvalidArgumentError);
        expect(() => store.readAll({ filter: { kind: 'eventType', prefixes: [] } })).toThrow(InvalidArgumentError);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up over 10,000 events, signals it, then delivers live events with no gap or duplicate while writers append', async () => {
        const cat = category('Sub');
        const from = (await store.headPosition()) ?? 0n;
        for (let batch = 0; batch < 20; batch++) await store.appendToStream(`${cat}-history${batch}`, events(500, 'HistoryWritten'));

        const subscription = store.subscribeToAll({ fromPosition: from, filter: { kind: 'streamName', prefixes: [`${cat}-`] } });
        const received: RecordedEvent[] = [];
        let caughtUpAfter = -1;
        let liveWriters: Promise<unknown> | undefined;
        const LIVE_IN_PROCESS = 1_000;
        const LIVE_OTHER_PROCESS = harness.locationOf || harness.connectionString ? 1_000 : 0;
        const total = 10_000 + LIVE_IN_PROCESS + LIVE_OTHER_PROCESS;

        for await (const message of subscription) {
          if (message.kind === 'caughtUp') {
            expect(caughtUpAfter).toBe(-1);
            caughtUpAfter = received.length;
            continue;
          }
          received.push(message.event);
          if (received.length === 5_000) {
            // Writers start while the subscription is still catching up, and go on after it has.
            liveWriters = Promise.all([
              (async () => {
                for (let i = 0; i < LIVE_IN_PROCESS; i++) {
                  await store.appendToStream(`${cat}-live`, [event('LiveWritten', { i })]);
                  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
                }
              })(),
              LIVE_OTHER_PROCESS > 0
                ? StoreProcess.start(harness.storeKind, location, 'append', { stream: `${cat}-other`, count: LIVE_OTHER_PROCESS, pauseEvery: 50 }).next()
                : Promise.resolve(),
            ]);
          }
          if (received.length === total) break;
        }
        await liveWriters;
        await subscription.close();

        expect(caughtUpAfter).toBeGreaterThanOrEqual(10_000);
        const reference = await collect(store.readAll({ fromPosition: from, filter: { kind: 'streamName', prefixes: [`${cat}-`] } }));
        expect(reference).toHaveLength(total);
        expect(received.map((e) => e.id)).toEqual(reference.map((e) => e.id));
        expect(new Set(received.map((e) => e.id)).size).toBe(total);
        expect(received.filter((e) => e.stream === `${cat}-other`)).toHaveLength(LIVE_OTHER_PROCESS);
      });

      it('from the end delivers only new events, and close() ends the iteration', async () => {
        const cat = category('Tail');
        await store.appendToStream(`${cat}-old`, [event()]);
        const subscription = store.subscribeToAll({ fromPosition: 'end', filter: { kind: 'streamName', prefixes: [`${cat}-`] } });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });
        await store.appendToStream(`${cat}-new`, [event('TailWritten')]);
        const next = await iterator.next();
        expect(next.value).toMatchObject({ kind: 'event', event: { stream: `${cat}-new`, type: 'TailWritten' } });
        const pending = iterator.next();
        await subscription.close();
        expect((await pending).done).toBe(true);
      });

      it('filters by event type', async () => {
        const cat = category('Typed');
        const from = (await store.headPosition()) ?? 0n;
        await store.appendToStream(`${cat}-1`, [event('TypedKept'), event('TypedDropped'), event('TypedKept')]);
        const subscription = store.subscribeToAll({ fromPosition: from, filter: { kind: 'eventType', prefixes: ['TypedKept'] } });
        const seen: string[] = [];
        for await (const message of subscription) {
          if (message.kind === 'caughtUp') break;
          seen.push(message.event.type);
        }
        await subscription.close();
        expect(seen).toEqual(['TypedKept', 'TypedKept']);
      });
    });

    describe('across OS processes', () => {
      it('two processes appending at the same expected revision: exactly one wins, 50 times over', async () => {
        const s = stream('Race');
        const workers = [StoreProcess.start(harness.storeKind, location, 'race'), StoreProcess.start(harness.storeKind, location, 'race')];
        await Promise.all(workers.map((w) => w.next()));
        for (let round = 0; round < 50; round++) {
          const expected = round === 0 ? 'no_stream' : round - 1;
          workers.forEach((w) => w.send({ stream: s, expected, id: randomUUID() }));
          const outcomes = await Promise.all(workers.map((w) => w.next<{ ok: boolean; code?: string; revision?: number }>()));
          expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
          expect(outcomes.find((o) => !o.ok)!.code).toBe('WRONG_EXPECTED_VERSION');
          expect(outcomes.find((o) => o.ok)!.revision).toBe(round);
        }
        await Promise.all(workers.map((w) => w.end()));
        const read = await collect(store.readStream(s));
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
      });

      it('a process killed (SIGKILL) while appending batches leaves each batch whole or absent', async () => {
        const BATCH = 400;
        let killedMidBatch = 0;
        for (let round = 0; round < 6; round++) {
          const cat = category('Crash');
          const worker = StoreProcess.start(harness.storeKind, location, 'batches', { category: cat, size: BATCH, eventBytes: 1000 });
          await worker.next(); // the first batch has started
          await new Promise((r) => setTimeout(r, 40 + Math.random() * 250));
          await worker.kill('SIGKILL');
          const lines = worker.drain<{ started?: number; committed?: number }>();
          const committed = lines.filter((l) => l.committed !== undefined).length;
          const lastStarted = Math.max(0, ...lines.filter((l) => l.started !== undefined).map((l) => l.started!));
          if (lastStarted >= committed) killedMidBatch++;

          const streams = await collect(store.readAll({ filter: { kind: 'streamName', prefixes: [`${cat}-`] } }));
          const perStream = new Map<string, number>();
          for (const e of streams) perStream.set(e.stream, (perStream.get(e.stream) ?? 0) + 1);
          for (const count of perStream.values()) expect(count).toBe(BATCH);
          // Every batch the worker reported committed is there.
          expect(perStream.size).toBeGreaterThanOrEqual(committed);
        }
        // The kills must actually have landed inside appends for the test to mean anything.
        expect(killedMidBatch).toBeGreaterThan(0);
      });
    });
  });
}
