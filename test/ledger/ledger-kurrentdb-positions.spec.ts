import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import type {
  AllSubscription,
  AppendOptions,
  EventStore,
  EventToAppend,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeToAllOptions,
} from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SealingKey } from '../../src/infrastructure/ledger-seal/ledger-crypto.js';
import { LedgerSealer } from '../../src/infrastructure/ledger-seal/ledger-sealer.js';
import { storeLedgerSource, verifyLedger } from '../../src/infrastructure/ledger-seal/verify-ledger.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { appendSamples } from './ledger-support.js';

/**
 * No KurrentDB server here: the sealer and the verifier only use the port, so they are run on a
 * store whose positions look like KurrentDB's (byte offsets: large, increasing, not consecutive).
 */
const scale = (p: bigint) => p * 1_337n + 4_096n;
const unscale = (p: bigint) => (p < 4_096n ? 0n : (p - 4_096n) / 1_337n);
const from = <T extends bigint | 'start' | 'end' | undefined>(p: T) => (typeof p === 'bigint' ? unscale(p) : p);
const mapEvent = (e: RecordedEvent): RecordedEvent => ({ ...e, position: scale(e.position) });

class OffsetPositionsStore implements EventStore {
  readonly kind = 'kurrentdb' as const;
  constructor(private readonly inner: EventStore) {}
  async appendToStream(stream: string, events: readonly EventToAppend[], options?: AppendOptions) {
    const r = await this.inner.appendToStream(stream, events, options);
    return { ...r, position: scale(r.position) };
  }
  async appendToStreams(appends: readonly StreamAppend[]) {
    const r = await this.inner.appendToStreams(appends);
    return { ...r, position: scale(r.position) };
  }
  async *readStream(stream: string, options?: ReadStreamOptions) {
    for await (const e of this.inner.readStream(stream, options)) yield mapEvent(e);
  }
  async *readAll(options: ReadAllOptions = {}) {
    for await (const e of this.inner.readAll({ ...options, ...(options.fromPosition === undefined ? {} : { fromPosition: from(options.fromPosition) }) })) yield mapEvent(e);
  }
  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const inner = this.inner.subscribeToAll({ ...options, ...(options.fromPosition === undefined ? {} : { fromPosition: from(options.fromPosition) }) });
    return {
      close: () => inner.close(),
      async *[Symbol.asyncIterator]() {
        for await (const m of inner) yield m.kind === 'event' ? { kind: 'event' as const, event: mapEvent(m.event) } : { kind: 'caughtUp' as const, position: m.position === null ? null : scale(m.position) };
      },
    };
  }
  async headPosition() {
    const head = await this.inner.headPosition();
    return head === null ? null : scale(head);
  }
  close() {
    return this.inner.close();
  }
}

describe('the chain on KurrentDB-like positions (through the port only)', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let store: OffsetPositionsStore;
  let db: ReadModelDb;
  const key = SealingKey.generate();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-ledger-kdb-'));
    inner = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    store = new OffsetPositionsStore(inner);
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
  });

  afterAll(async () => {
    db.close();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals at offset positions, verifies, and reports no gap (positions are not consecutive there)', async () => {
    await appendSamples(store, 30);
    const sealer = new LedgerSealer(store, db, key, new ManualClock('2026-11-25T00:00:00Z'), { everyEvents: 10, checkpointEvery: 4, timerMs: 0 });
    sealer.start();
    await sealer.waitForPosition(scale(30n));
    for (let i = 0; i < 100 && sealer.chainState.position !== (await store.headPosition()); i++) await new Promise((r) => setTimeout(r, 10));
    await sealer.stop();
    const seals = sealer.seals.seals(null, 10).map((s) => s.seal.position);
    expect(seals).toEqual([scale(10n), scale(20n), scale(30n)].map(String));

    const report = await verifyLedger(storeLedgerSource(store), { key: key.trusted });
    expect(report).toMatchObject({ ok: true, anomalies: [], head: { position: String(scale(33n)) } });

    // A change still shows, bounded by the offset positions of the checkpoints around it.
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'events.sqlite'));
    raw.prepare("UPDATE events SET data = replace(data, 'Zoé 13', 'Zoë 13') WHERE position = 14").run();
    raw.close();
    const tampered = await verifyLedger(storeLedgerSource(store), { key: key.trusted });
    expect(tampered).toMatchObject({ ok: false, divergence: { after: { position: String(scale(12n)) }, atOrBefore: { position: String(scale(16n)) } } });
  });
});
