import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import { LEDGER_SEALED, sealOfEventData, type LedgerSeal } from '../../src/domain/ledger/index.js';
import { collect, type RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SealingKey } from '../../src/infrastructure/ledger-seal/ledger-crypto.js';
import { LedgerSealer, type LedgerSealerOptions } from '../../src/infrastructure/ledger-seal/ledger-sealer.js';
import { readOrCreateSealingKey } from '../../src/infrastructure/ledger-seal/sealing-key-file.js';
import { storeLedgerSource, verifyLedger } from '../../src/infrastructure/ledger-seal/verify-ledger.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { appendSamples, sample } from './ledger-support.js';

describe('the ledger sealer (real SQLite)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: ReadModelDb;
  let key: SealingKey;
  let clock: ManualClock;
  let sealer: LedgerSealer;
  const options: LedgerSealerOptions = { everyEvents: 10, checkpointEvery: 4, intervalMs: 10 * 60_000, timerMs: 0 };

  const seals = async (): Promise<Array<{ event: RecordedEvent; seal: LedgerSeal }>> =>
    (await collect(store.readAll({ filter: { kind: 'eventType', prefixes: [LEDGER_SEALED] } }))).map((event) => ({ event, seal: sealOfEventData(event.data)! }));

  const startSealer = () => {
    sealer = new LedgerSealer(store, db, key, clock, options);
    sealer.start();
  };
  /** Until the sealer has folded the head, including the seals it appended itself. */
  const settle = async () => {
    for (;;) {
      const head = (await store.headPosition())!;
      await sealer.waitForPosition(head);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if ((await store.headPosition()) === head) return;
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-ledger-sealer-'));
    store = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    key = SealingKey.generate();
    clock = new ManualClock('2026-11-25T00:00:00.000Z');
  });

  afterEach(async () => {
    await sealer?.stop();
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals every N events at the same positions, and right after a phase change; each seal verifies', async () => {
    await appendSamples(store, 25);
    startSealer();
    await settle();
    let found = await seals();
    expect(found.map((s) => [s.seal.position, s.seal.eventCount, s.seal.reason, s.event.position])).toEqual([
      ['10', 10, 'interval', 26n],
      ['20', 20, 'interval', 27n],
    ]);
    expect(found[0]!.event.stream).toBe('ledgerseal-10');
    expect(found[0]!.seal.checkpoints.map((c) => c.eventCount)).toEqual([4, 8]);
    expect(found[1]!.seal.checkpoints.map((c) => c.eventCount)).toEqual([12, 16, 20]);

    const { position } = await store.appendToStream('election-e1', [sample('ElectionDeclared', { electionId: 'e1' })]);
    await appendSamples(store, 1, 100);
    await settle();
    // Live, the every-N rule counts events other than seals: the seal events are chained, not counted.
    await appendSamples(store, 10, 200);
    await settle();
    found = await seals();
    expect(found.at(-1)!.seal).toMatchObject({ reason: 'interval', eventCount: 33 }); // the 30th event other than a seal: 25 + ElectionDeclared + 4 samples, with 3 seals between
    expect(found.at(-2)!.seal).toMatchObject({ position: position.toString(), reason: 'phase-change', trigger: 'ElectionDeclared', keyId: key.keyId });

    // The seals' chain hashes are what an independent recomputation finds, and every signature holds.
    const report = await verifyLedger(storeLedgerSource(store), { key: key.trusted });
    expect(report).toMatchObject({ ok: true, sealsInLedger: { signed: 4, otherKeys: 0, rejected: 0 } });
    expect(report.anchorsMatched).toBe(report.anchorsChecked);
    expect(report.anchorsChecked).toBeGreaterThanOrEqual(4 + 5);
  });

  it('seals on time only when events came since, and only once caught up', async () => {
    startSealer();
    await appendSamples(store, 3);
    await settle();
    await sealer.tick();
    expect(await seals()).toHaveLength(0); // the interval has not passed
    clock.advance(11 * 60_000);
    await sealer.tick();
    expect((await seals()).map((s) => [s.seal.position, s.seal.reason])).toEqual([['3', 'interval']]);
    await settle();
    clock.advance(11 * 60_000);
    await sealer.tick();
    expect(await seals()).toHaveLength(1); // only the seal came since: nothing new to seal
  });

  it('resumes after a restart (the chain is stable across reopen), and a replay from scratch writes no seal twice', async () => {
    startSealer();
    await appendSamples(store, 15);
    await settle();
    const before = sealer.chainState;
    await sealer.stop();
    db.close();
    await store.close();

    store = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    startSealer();
    expect(sealer.chainState).toMatchObject({ position: before.position, chainHash: before.chainHash });
    await appendSamples(store, 10, 15);
    await settle();
    const after = sealer.chainState;
    const sealsBefore = (await seals()).map((s) => s.event.id);
    expect(sealsBefore).toHaveLength(2);

    // A new node (empty read-model database) replays the log: same chain, the same seals, none added.
    await sealer.stop();
    db.close();
    rmSync(join(dir, 'read-models.sqlite'));
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    startSealer();
    await settle();
    expect(sealer.chainState).toMatchObject({ position: after.position, chainHash: after.chainHash, diverged: null });
    expect((await seals()).map((s) => s.event.id)).toEqual(sealsBefore);
    expect(sealer.seals.seals(null, 10)).toHaveLength(2);
  });

  it('stops sealing, loudly, when the log no longer matches a seal it signed', async () => {
    startSealer();
    await appendSamples(store, 10);
    await settle();
    await sealer.stop();
    // Someone edits an event already sealed, then the node's read models are rebuilt from the log.
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'events.sqlite'));
    raw.prepare("UPDATE events SET data = replace(data, 'Zoé 3', 'Zoe 3') WHERE position = 4").run();
    raw.close();
    db.close();
    rmSync(join(dir, 'read-models.sqlite'));
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    startSealer();
    await appendSamples(store, 1, 50);
    for (let i = 0; i < 200 && sealer.chainState.diverged === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sealer.chainState.diverged).toMatch(/the seal at position 11 says the chain at 10 is/);
  });

  it('a seal whose append fails is retried after a replay from the saved state, never skipped', async () => {
    await appendSamples(store, 12);
    let failures = 1;
    const flaky = Object.create(store) as SqliteEventStore;
    flaky.appendToStream = async (stream, events, options) => {
      if (stream.startsWith('ledgerseal-') && failures-- > 0) throw new Error('store unreachable');
      return store.appendToStream(stream, events, options);
    };
    sealer = new LedgerSealer(flaky, db, key, clock, options);
    sealer.start();
    await settle();
    expect(failures).toBe(-1); // it failed once, then went through
    expect((await seals()).map((s) => [s.seal.position, s.event.position])).toEqual([['10', 13n]]);
    expect(sealer.chainState).toMatchObject({ position: 13n, eventCount: 13 });
  });

  it('keeps its key in a file sealed with the master key; the wrong master key cannot open it', () => {
    const master = MasterKey.generate();
    const file = join(dir, 'ledger-seal.key');
    const first = readOrCreateSealingKey(file, master);
    const again = readOrCreateSealingKey(file, master);
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false });
    expect(again.key.keyId).toBe(first.key.keyId);
    expect(() => readOrCreateSealingKey(file, MasterKey.generate())).toThrow(/cannot be opened with this master key/);
  });
});
