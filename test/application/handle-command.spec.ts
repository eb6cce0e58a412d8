import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../src/application/command-handling/handle-command.js';
import { deterministicEventId } from '../../src/application/command-handling/deterministic-id.js';
import { ConcurrencyConflictError } from '../../src/application/command-handling/command-handling.errors.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { collect } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { signUpSheet, type SignUpSheetCommand } from './fixtures/sign-up-sheet.decider.js';

const dir = mkdtempSync(join(tmpdir(), 'urne-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('handleCommand: read, decide, append with the expected revision, retry', () => {
  let store: SqliteEventStore;
  let sheet: string;
  const send = (command: SignUpSheetCommand, commandId = randomUUID(), maxAttempts?: number) =>
    handleCommand(store, signUpSheet, { commandId, stream: sheet, command, actor: 'council:alice' }, { maxAttempts, now: () => new Date('2013-05-31T06:00:00Z') });

  beforeEach(() => {
    store = new SqliteEventStore({ file: join(dir, `${randomUUID()}.sqlite`) });
    sheet = `sheet-${randomUUID()}`;
  });

  it('creates the stream with no_stream and stamps every event with its causes', async () => {
    const commandId = randomUUID();
    const result = await send({ type: 'OpenSheet', places: 2 }, commandId);
    expect(result).toMatchObject({ events: [{ type: 'SheetOpened', data: { places: 2 } }], nextExpectedRevision: 0n, alreadyApplied: false, attempts: 1 });
    const [recorded] = await collect(store.readStream(sheet));
    expect(recorded).toMatchObject({
      id: deterministicEventId(commandId, 0),
      metadata: { correlationId: commandId, causationId: commandId, actor: 'council:alice', schemaVersion: 1, occurredAt: '2013-05-31T06:00:00.000Z' },
    });
  });

  it('appends after the revision it read', async () => {
    await send({ type: 'OpenSheet', places: 2 });
    const result = await send({ type: 'SignUp', name: 'Anne' });
    expect(result.nextExpectedRevision).toBe(1n);
  });

  it('a refused command writes nothing and surfaces the domain error', async () => {
    await expect(send({ type: 'SignUp', name: 'Anne' })).rejects.toMatchObject({ code: 'SheetNotOpen' });
    await expect(collect(store.readStream(sheet))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  });

  it('the same command delivered twice is applied once and reports the events of the first delivery', async () => {
    await send({ type: 'OpenSheet', places: 5 });
    const commandId = randomUUID();
    const first = await send({ type: 'SignUp', name: 'Anne' }, commandId);
    await send({ type: 'SignUp', name: 'Nathalie' });
    const again = await send({ type: 'SignUp', name: 'Anne' }, commandId);
    expect(again).toMatchObject({ alreadyApplied: true, events: first.events });
    expect((await collect(store.readStream(sheet))).map((e) => e.type)).toEqual(['SheetOpened', 'NameSignedUp', 'NameSignedUp']);
  });

  it('derives stable, distinct, valid UUIDs from the command id', () => {
    const commandId = randomUUID();
    const ids = [0, 1, 2].map((i) => deterministicEventId(commandId, i));
    expect(new Set(ids).size).toBe(3);
    expect(ids).toEqual([0, 1, 2].map((i) => deterministicEventId(commandId, i)));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('concurrent commands are retried on conflict and decided on fresh state, so the invariant holds', async () => {
    await send({ type: 'OpenSheet', places: 10 });
    const names = Array.from({ length: 25 }, (_, i) => `voter${i}`);
    const outcomes = await Promise.allSettled(names.map((name) => send({ type: 'SignUp', name }, randomUUID(), 50)));
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(15);
    for (const o of refused) expect(o.reason).toBeInstanceOf(DomainError);
    expect(accepted.some((o) => (o as PromiseFulfilledResult<{ attempts: number }>).value.attempts > 1)).toBe(true);
    expect(await collect(store.readStream(sheet))).toHaveLength(11);
  });

  it('gives up after the bounded number of attempts with a typed conflict error, and loses nothing it accepted', async () => {
    await send({ type: 'OpenSheet', places: 100 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => send({ type: 'SignUp', name: `n${i}` }, randomUUID(), 1)));
    const conflicts = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(conflicts.length).toBeGreaterThan(0);
    for (const o of conflicts) expect(o.reason).toBeInstanceOf(ConcurrencyConflictError);
    expect((conflicts[0]!.reason as ConcurrencyConflictError).attempts).toBe(1);
    const accepted = outcomes.length - conflicts.length;
    expect(await collect(store.readStream(sheet))).toHaveLength(1 + accepted);
  });
});
