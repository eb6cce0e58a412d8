import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/application/ports/clock.js';
import { ElectedOfficialsImporter } from '../../src/application/reference-data/import-elected-officials/import-elected-officials.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { StreamNotFoundError } from '../../src/infrastructure/event-store/event-store.errors.js';
import { collect, type EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { StaffRole } from '../../src/domain/staff/staff-role.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { codesOf, graphql, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';

/*
 * Refusals of declareCandidate and recordSponsorship over real HTTP that candidacy.e2e.spec.ts
 * does not cover: ElectionCancelled (after the council's cancelElection).
 *
 * SponsorshipNotYetOpen is NOT tested here because it cannot happen over the API: the sponsorship
 * window opens at the election's declaredAt (src/domain/election/election.phases.ts,
 * activityWindow: `opensAt: election.declaredAt`), and declaredAt is the server clock at the
 * moment declareElection is recorded. Before that moment the election does not exist (the refusal
 * is ElectionNotDeclared, covered in candidacy.e2e.spec.ts); after it, the server clock is at or
 * past declaredAt. Only a clock that runs backwards could produce it, which would be a fake.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const paris2013 = JSON.parse(readFileSync(join(root, 'examples/paris-2013.election.json'), 'utf8')) as Record<string, unknown>;
const E = 'paris-2013';
const OFFICIALS: Array<[string, string]> = [['ELU-1', '1'], ['ELU-2', '2'], ['ELU-3', '5']];

const DECLARE = `mutation ($input: DeclareCandidateInput!) { declareCandidate(input: $input) { electionId candidateId name status } }`;
const SPONSOR = `mutation ($input: RecordSponsorshipInput!) { recordSponsorship(input: $input) { candidateId sponsorKind district alreadyApplied } }`;
const CANCEL = `mutation ($input: CancelElectionInput!) { cancelElection(input: $input) { id status phase } }`;
const PROGRESS = `query ($e: String!) { sponsorshipProgress(electionId: $e) { candidates { candidateId kinds { sponsorKind sponsors } } } }`;
const CANDIDATES = `query ($e: String!) { candidates(electionId: $e) { candidates { candidateId status } } }`;

type Role = 'council' | 'operator';

describe('candidacy refusals over GraphQL once the election is cancelled (real HTTP, real SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let app: INestApplication;
  let store: EventStore;
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  const accounts: Partial<Record<Role, { staffId: string; username: string; role: StaffRole }>> = {};

  const call = async <T = Record<string, unknown>>(query: string, input: Record<string, unknown>, role: Role): Promise<GraphqlResponse<T>> =>
    graphql<T>(server.graphqlUrl, query, { variables: { input }, token: await staffToken(app, accounts[role]!) });
  const read = async <T>(query: string) => {
    await app.get(ProjectionsService).runner('sponsorship-progress')!.waitForPosition((await store.headPosition())!);
    return graphql<T>(server.graphqlUrl, query, { variables: { e: E } });
  };
  const sponsor = (candidateId: string, sponsorId: string, role: Role = 'operator') => call(SPONSOR, { electionId: E, candidateId, sponsorKind: 'elected-official', sponsorId }, role);
  const progressOf = async () => {
    const progress = await read<{ sponsorshipProgress: { candidates: Array<{ candidateId: string; kinds: Array<{ sponsorKind: string; sponsors: number }> }> } }>(PROGRESS);
    expect(progress.errors).toBeUndefined();
    return progress.data!.sponsorshipProgress.candidates.map((c) => [c.candidateId, c.kinds.find((k) => k.sponsorKind === 'elected-official')?.sponsors]);
  };
  const candidatesOf = async () => {
    const listed = await read<{ candidates: { candidates: Array<{ candidateId: string; status: string }> } }>(CANDIDATES);
    expect(listed.errors).toBeUndefined();
    return listed.data!.candidates.candidates.map((c) => [c.candidateId, c.status]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-candidacy-refusals-'));
    const config = loadConfig({ URNE_DATA_DIR: dir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
    server = await startServer(config, { logger: createLogger(config, { write: () => undefined }), clock });
    app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    for (const role of ['council', 'operator'] as const) accounts[role] = await createStaffAccount(app, `${role}.refusals`, role);

    const officials = join(dir, 'elus.csv');
    writeFileSync(officials, ['identifiant;nom;prenoms;mandat;arrondissement', ...OFFICIALS.map(([id, district]) => `${id};Elu${id};Marie;conseiller;${district}`)].join('\n'));
    await new ElectedOfficialsImporter(store).import({ electionId: E, file: officials });
    await app.get(ProjectionsService).runner('elected-officials')!.waitForPosition((await store.headPosition())!);

    const declared = await graphql(server.graphqlUrl, `mutation ($input: DeclareElectionInput!) { declareElection(input: $input) { id } }`, {
      variables: { input: paris2013 },
      token: await staffToken(app, accounts.council!),
    });
    expect(declared.errors).toBeUndefined();
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('before the cancellation both mutations succeed (the setup is sound)', async () => {
    clock.set('2013-04-16T10:00:00.000Z');
    expect((await call(DECLARE, { electionId: E, candidateId: 'nkm', name: 'Nathalie Kosciusko-Morizet' }, 'council')).data).toEqual({
      declareCandidate: { electionId: E, candidateId: 'nkm', name: 'Nathalie Kosciusko-Morizet', status: 'declared' },
    });
    expect((await sponsor('nkm', 'ELU-1')).data).toEqual({ recordSponsorship: { candidateId: 'nkm', sponsorKind: 'elected-official', district: '1', alreadyApplied: false } });
    expect(await progressOf()).toEqual([['nkm', 1]]);
  });

  it('the council cancels the election (operators may not)', async () => {
    clock.set('2013-04-20T10:00:00.000Z');
    expect(codesOf(await call(CANCEL, { electionId: E, reason: 'x' }, 'operator'))).toEqual(['FORBIDDEN']);
    const cancelled = await call(CANCEL, { electionId: E, reason: 'Election annulled by the council' }, 'council');
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data).toMatchObject({ cancelElection: { id: E, status: 'cancelled', phase: 'cancelled' } });
  });

  it('declareCandidate is refused with ElectionCancelled and nothing is written', async () => {
    const headBefore = await store.headPosition();
    const refused = await call(DECLARE, { electionId: E, candidateId: 'jfl', name: 'Jean-François Legaret' }, 'council');
    expect(refused.data ?? null).toBeNull();
    expect(codesOf(refused)).toEqual(['ElectionCancelled']);
    expect(refused.errors![0]!.message).toContain('Election annulled by the council');
    await expect(collect(store.readStream('candidate-paris-2013.jfl'))).rejects.toThrow(StreamNotFoundError);
    expect(await store.headPosition()).toBe(headBefore);
    expect(await candidatesOf()).toEqual([['nkm', 'declared']]);
  });

  it('recordSponsorship is refused with ElectionCancelled (operator and council) and nothing is written', async () => {
    const headBefore = await store.headPosition();
    for (const role of ['operator', 'council'] as const) {
      const refused = await sponsor('nkm', 'ELU-2', role);
      expect(refused.data ?? null).toBeNull();
      expect(codesOf(refused)).toEqual(['ElectionCancelled']);
    }
    // A retried form with an idempotency key is refused too, not replayed as a success.
    expect(codesOf(await call(SPONSOR, { electionId: E, candidateId: 'nkm', sponsorKind: 'elected-official', sponsorId: 'ELU-3', commandId: 'form-after-cancel' }, 'operator'))).toEqual(['ElectionCancelled']);
    await expect(collect(store.readStream('sponsor-paris-2013.elected-official.ELU-2'))).rejects.toThrow(StreamNotFoundError);
    await expect(collect(store.readStream('sponsor-paris-2013.elected-official.ELU-3'))).rejects.toThrow(StreamNotFoundError);
    expect(await store.headPosition()).toBe(headBefore);
    expect(await progressOf()).toEqual([['nkm', 1]]);
  });
});
