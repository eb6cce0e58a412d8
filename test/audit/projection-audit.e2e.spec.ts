import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditProjections } from '../../src/infrastructure/audit/projection-audit.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { PROJECTIONS } from '../../src/projections/projections.js';
import { ProjectionsService, READ_MODEL_DB } from '../../src/projections/projections.service.js';
import { PEOPLE, VoteFixture } from '../vote/support/vote-fixture.js';

describe('every read model rebuilt from the log alone matches what the node serves, and a changed one is caught', () => {
  const f = new VoteFixture();
  let live: ReadModelDb;

  beforeAll(async () => {
    await f.start({}, PEOPLE.slice(0, 3));
    live = f.server.app.get<ReadModelDb>(READ_MODEL_DB);
    const head = (await f.store.headPosition())!;
    const projections = f.server.app.get(ProjectionsService);
    for (const projection of PROJECTIONS) await projections.runner(projection.name)?.waitForPosition(head);
  }, 60_000);
  afterAll(() => f.stop());

  it('rebuilds all of them, up to the node’s own positions, and finds the same rows (names, which need the vault, left out)', async () => {
    const audits = await auditProjections(f.store, live, PROJECTIONS);
    expect(audits.map((a) => [a.projection, a.status])).toEqual(PROJECTIONS.map((p) => [p.name, 'matches']));
    const roll = audits.find((a) => a.projection === 'voter-roll')!;
    expect(roll.tables).toEqual([{ table: 'voter_roll', rows: 3, rebuiltRows: 3, matches: true }]);
    expect(audits.find((a) => a.projection === 'registration-counts')!.events).toBeGreaterThanOrEqual(6);
  });

  it('a figure changed in the node’s read model is found, table named', async () => {
    live.prepare('UPDATE registration_counts SET approved = approved + 1 WHERE rowid = (SELECT min(rowid) FROM registration_counts)').run();
    const audits = await auditProjections(f.store, live, PROJECTIONS);
    const counts = audits.find((a) => a.projection === 'registration-counts')!;
    expect(counts.status).toBe('differs');
    expect(counts.tables.filter((t) => !t.matches).map((t) => t.table)).toEqual(['registration_counts']);
    expect(audits.filter((a) => a.status === 'differs').map((a) => a.projection)).toEqual(['registration-counts']);
  });
});
