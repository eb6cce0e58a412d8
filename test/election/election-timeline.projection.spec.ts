import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { electionTimelineProjection, readElectionStates, readElectionTimeline } from '../../src/projections/election-timeline/election-timeline.projection.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';

const dir = mkdtempSync(join(tmpdir(), 'urne-election-timeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dates = {
  sponsorshipDeadline: '2013-05-17T16:00:00.000Z',
  registrationOpensAt: '2013-05-06T08:00:00.000Z',
  registrationClosesAt: '2013-05-28T17:00:00.000Z',
  votingOpensAt: '2013-05-31T06:00:00.000Z',
  votingClosesAt: '2013-06-03T17:00:00.000Z',
  secondRoundVotingOpensAt: null,
  secondRoundVotingClosesAt: null,
};
const rules = { timeZone: 'Europe/Paris', sponsorship: [], rounds: { count: 1, majorityPercent: 50 }, blankVoteAllowed: true, revotePolicy: 'single-vote', registrationFee: null };

let position = 0n;
function recorded(stream: string, revision: bigint, type: string, data: JsonValue, actor?: string): RecordedEvent {
  position += 1n;
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), schemaVersion: 1, occurredAt: '2013-05-28T12:00:00.000Z', ...(actor ? { actor } : {}) },
    stream,
    revision,
    position,
    recordedAt: new Date('2013-05-28T12:00:01.000Z'),
  };
}

const events = [
  recorded('election-paris-2013', 0n, 'ElectionDeclared', { electionId: 'paris-2013', name: 'Paris', organiser: 'Council', rules, dates, declaredAt: '2013-04-15T10:00:00.000Z' }, 'staff:1'),
  recorded('registration-42', 0n, 'RegistrationSubmitted', {}),
  recorded('election-lyon-2014', 0n, 'ElectionDeclared', { electionId: 'lyon-2014', name: 'Lyon', organiser: 'Council', rules, dates, declaredAt: '2013-04-15T10:00:00.000Z' }),
  recorded(
    'election-paris-2013',
    1n,
    'ElectionDateChanged',
    { electionId: 'paris-2013', date: 'registrationClosesAt', from: dates.registrationClosesAt, to: '2013-06-03T16:00:00.000Z', reason: 'Extended', changedAt: '2013-05-28T12:00:00.000Z' },
    'staff:1',
  ),
];

describe('election-timeline projection', () => {
  it('folds each election and keeps every event of its stream, ignoring other streams', () => {
    const db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    electionTimelineProjection.setUp(db);
    for (const event of events) electionTimelineProjection.apply(db, event);

    const { state, entries } = readElectionTimeline(db, 'paris-2013');
    expect(state).toMatchObject({ status: 'declared', dates: { registrationClosesAt: '2013-06-03T16:00:00.000Z' }, dateChanges: [{ date: 'registrationClosesAt', reason: 'Extended' }] });
    expect(entries.map((entry) => [entry.revision, entry.position, entry.type, entry.actor])).toEqual([
      [0n, 1n, 'ElectionDeclared', 'staff:1'],
      [1n, 4n, 'ElectionDateChanged', 'staff:1'],
    ]);
    expect(readElectionStates(db).map((election) => (election.status === 'not-declared' ? null : election.electionId))).toEqual(['lyon-2014', 'paris-2013']);
    expect(readElectionTimeline(db, 'nowhere-2013')).toEqual({ state: { status: 'not-declared' }, entries: [] });

    // Rebuilt from the same events, it holds the same rows.
    const before = readElectionTimeline(db, 'paris-2013');
    electionTimelineProjection.tearDown(db);
    electionTimelineProjection.setUp(db);
    for (const event of events) electionTimelineProjection.apply(db, event);
    expect(readElectionTimeline(db, 'paris-2013')).toEqual(before);
    db.close();
  });
});
