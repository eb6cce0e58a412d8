import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { collect, type EventToAppend } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { ledgerStatisticsProjection, readLedgerStatistics } from '../../src/projections/ledger-statistics/ledger-statistics.projection.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';

const dir = mkdtempSync(join(tmpdir(), 'urne-projections-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (type: string, data: object = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data: data as never,
  metadata: { correlationId: randomUUID(), schemaVersion: 1, occurredAt: new Date().toISOString() },
});

/** Writes `count` events over a few categories and types; returns the exact expected counts. */
async function fill(store: SqliteEventStore, count: number, batch = 250): Promise<void> {
  for (let written = 0; written < count; written += batch) {
    const size = Math.min(batch, count - written);
    const n = written / batch;
    await store.appendToStream(`${['sponsor', 'voter', 'ballot'][n % 3]}-${n}`, Array.from({ length: size }, (_, i) => event(i % 2 ? 'ThingHappened' : 'OtherThingHappened', { i })));
  }
}

/** The truth, counted straight from the log. */
async function expectedStatistics(store: SqliteEventStore) {
  const counts = new Map<string, number>();
  for await (const e of store.readAll()) {
    const key = `${e.stream.slice(0, e.stream.indexOf('-'))}/${e.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, events]) => ({ key, events }));
}
const actualStatistics = (db: Database.Database) => readLedgerStatistics(db).map((row) => ({ key: `${row.category}/${row.type}`, events: row.events }));

describe('ProjectionRunner', () => {
  let store: SqliteEventStore;
  let db: Database.Database;
  let runners: ProjectionRunner[];
  const runner = (projection: Projection = ledgerStatisticsProjection, batchSize = 100) => {
    const r = new ProjectionRunner(store, db, projection, { batchSize, lagLogIntervalMs: 0 });
    runners.push(r);
    return r;
  };

  beforeEach(() => {
    const name = randomUUID();
    store = new SqliteEventStore({ file: join(dir, `${name}.events.sqlite`) });
    db = openReadModelDatabase(join(dir, `${name}.read-models.sqlite`));
    runners = [];
  });
  afterEach(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    db.close();
  });

  it('catches up from its checkpoint, then applies live events', async () => {
    await fill(store, 5_000);
    const r = runner();
    r.start();
    await r.waitUntilLive();
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
    const { position } = await store.appendToStream('ballot-live', [event('ThingHappened')]);
    await r.waitForPosition(position);
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
    expect((await r.status()).state).toBe('live');
  });

  it('resumes from its checkpoint after a restart without counting anything twice', async () => {
    await fill(store, 2_000);
    const first = runner();
    first.start();
    await first.waitUntilLive();
    await first.stop();
    await fill(store, 1_000);
    const second = runner();
    second.start();
    await second.waitForPosition((await store.headPosition())!);
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
    expect((await second.status()).eventsApplied).toBe(3_000);
  });

  it('reports its lag in events and milliseconds behind the head', async () => {
    await fill(store, 1_200);
    const r = runner();
    const before = await r.status();
    expect(before).toMatchObject({ state: 'stopped', position: null, eventsBehind: 1_200, eventsBehindCapped: false, headPosition: 1_200n });
    r.start();
    await r.waitUntilLive();
    expect(await r.status()).toMatchObject({ state: 'live', position: 1_200n, eventsBehind: 0, msBehind: 0, eventsApplied: 1_200 });
  });

  it('rebuilds from scratch when its version changes', async () => {
    await fill(store, 1_000);
    const r = runner();
    r.start();
    await r.waitUntilLive();
    await r.stop();
    const v2 = runner({ ...ledgerStatisticsProjection, version: 2 });
    v2.start();
    await v2.waitUntilLive();
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
    expect(await v2.status()).toMatchObject({ version: 2, eventsApplied: 1_000 });
  });

  it('a reset under a running runner, and a second runner on the same database, never double-count', async () => {
    await fill(store, 3_000);
    const a = runner(ledgerStatisticsProjection, 50);
    const b = runner(ledgerStatisticsProjection, 70);
    a.start();
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    ProjectionRunner.reset(db, ledgerStatisticsProjection);
    await fill(store, 1_000);
    const head = (await store.headPosition())!;
    await Promise.all([a.waitForPosition(head), b.waitForPosition(head)]);
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
  });

  it('stops on a failing event without advancing past it, and says why', async () => {
    await fill(store, 500);
    const failing: Projection = {
      ...ledgerStatisticsProjection,
      name: 'failing-statistics',
      apply(database, e) {
        if (e.position === 321n) throw new Error('cannot apply event 321');
        ledgerStatisticsProjection.apply(database, e);
      },
    };
    const r = runner(failing, 100);
    r.start();
    await r.waitForPosition(500n);
    const status = await r.status();
    expect(status).toMatchObject({ state: 'failed', position: 300n, error: 'cannot apply event 321' });
    expect(readLedgerStatistics(db).reduce((sum, row) => sum + row.events, 0)).toBe(300);
  });
});

describe('ProjectionRunner in a process killed with SIGKILL, again and again', () => {
  it('ends with every event counted exactly once', async () => {
    const eventsFile = join(dir, 'killed.events.sqlite');
    const readModelsFile = join(dir, 'killed.read-models.sqlite');
    const store = new SqliteEventStore({ file: eventsFile });
    await fill(store, 20_000, 500);
    const worker = fileURLToPath(new URL('./support/projection-worker.mjs', import.meta.url));
    let killsMidway = 0;

    for (let round = 0; ; round++) {
      const head = (await store.headPosition())!;
      const child = spawn(process.execPath, [worker, eventsFile, readModelsFile, String(head), '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      if (round < 8) {
        // Kill it after a random number of committed batches: mid-replay, and often mid-batch.
        const batches = 1 + Math.floor(Math.random() * 20);
        await new Promise<void>((resolve) => {
          const check = () => ((output.match(/position/g)?.length ?? 0) >= batches || output.includes('live') ? resolve() : undefined);
          child.stdout.on('data', check);
          child.on('exit', () => resolve());
        });
        child.kill('SIGKILL');
        await exited;
        if (!output.includes('live')) killsMidway++;
        // Live events keep arriving between crashes.
        await store.appendToStream(`voter-live${round}`, Array.from({ length: 100 }, () => event('ThingHappened')));
        continue;
      }
      expect(await exited).toBe(0);
      expect(output).toContain(`"live":"${head}"`);
      break;
    }

    const db = openReadModelDatabase(readModelsFile);
    expect(actualStatistics(db)).toEqual(await expectedStatistics(store));
    expect(readLedgerStatistics(db).reduce((sum, row) => sum + row.events, 0)).toBe((await collect(store.readAll())).length);
    db.close();
    await store.close();
    // The kills must have landed mid-replay for this to prove anything.
    expect(killsMidway).toBeGreaterThan(4);
  });
});

describe('ProjectionRunner with a filtered projection', () => {
  it('moves its checkpoint past the events it ignores, so it reaches the head and reports no lag', async () => {
    const name = randomUUID();
    const store = new SqliteEventStore({ file: join(dir, `${name}.events.sqlite`) });
    const db = openReadModelDatabase(join(dir, `${name}.read-models.sqlite`));
    const votersOnly: Projection = { ...ledgerStatisticsProjection, name: 'voters-only', filter: { kind: 'streamName', prefixes: ['voter-'] } };
    await fill(store, 1_000);
    const head = (await store.appendToStream('sponsor-last', [event('ThingHappened')])).position;
    const runner = new ProjectionRunner(store, db, votersOnly, { lagLogIntervalMs: 0 });
    runner.start();
    await runner.waitForPosition(head);
    const status = await runner.status();
    await runner.stop();
    expect(status).toMatchObject({ position: head, eventsBehind: 0, msBehind: 0 });
    expect(readLedgerStatistics(db).map((row) => row.category)).toEqual(['voter', 'voter']);
    expect(status.eventsApplied).toBe(readLedgerStatistics(db).reduce((sum, row) => sum + row.events, 0));
    db.close();
    await store.close();
  });
});
