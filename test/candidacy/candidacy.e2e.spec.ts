import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/application/ports/clock.js';
import { ELECTORAL_ROLL_LOOKUP, type ElectoralRollLookup } from '../../src/application/ports/electoral-roll.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectedOfficialsImporter } from '../../src/application/reference-data/import-elected-officials/import-elected-officials.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { collect, type EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { StaffRole } from '../../src/domain/staff/staff-role.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { codesOf, graphql, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const paris2013 = JSON.parse(readFileSync(join(root, 'examples/paris-2013.election.json'), 'utf8')) as Record<string, unknown>;
const E = 'paris-2013';

/** The 2013 thresholds in small: 3 officials from 2 arrondissements, 5 voters from 3 arrondissements. */
const ELECTION = {
  ...paris2013,
  sponsorship: [
    { sponsorKind: 'elected-official', minimumSponsors: 3, minimumDistinctDistricts: 2 },
    { sponsorKind: 'voter', minimumSponsors: 5, minimumDistinctDistricts: 3 },
  ],
};

/** Officials ELU-1..ELU-8 and 14 voters; the arrondissement of each. */
const OFFICIALS: Array<[string, string]> = [
  ['ELU-1', '1'], ['ELU-2', '2'], ['ELU-3', '2'], ['ELU-4', '5'], ['ELU-5', '6'], ['ELU-6', '7'], ['ELU-7', '7'], ['ELU-8', '8'],
];
const VOTER_DISTRICTS = ['1', '2', '3', '3', '4', '4', '11', '12', '13', '14', '15', '16', '17', '18'];

const DECLARE = `mutation ($input: DeclareCandidateInput!) { declareCandidate(input: $input) { electionId candidateId name party status withdrawalReason } }`;
const SPONSOR = `mutation ($input: RecordSponsorshipInput!) { recordSponsorship(input: $input) { electionId candidateId sponsorKind district givenAt alreadyApplied } }`;
const CERTIFY = `mutation ($input: CertifyCandidateInput!) { certifyCandidate(input: $input) { candidateId status } }`;
const WITHDRAW = `mutation ($input: WithdrawCandidateInput!) { withdrawCandidate(input: $input) { candidateId status withdrawalReason } }`;
const ORDER = `mutation ($input: SetBallotOrderInput!) { setBallotOrder(input: $input) { electionId candidateIds reason setAt } }`;
const PROGRESS = `query ($e: String!) { sponsorshipProgress(electionId: $e) { electionId position candidates { candidateId name status qualified
  kinds { sponsorKind sponsors distinctDistricts minimumSponsors minimumDistinctDistricts qualified districts { district sponsors } } } } }`;
const CANDIDATES = `query ($e: String!) { candidates(electionId: $e) { electionId position ballotOrderReason candidates { candidateId name party status ballotPosition withdrawalReason } } }`;

describe('candidates and sponsorships over GraphQL (real HTTP, real SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let app: INestApplication;
  let store: EventStore;
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  const accounts: Partial<Record<'council' | 'operator' | 'auditor', { staffId: string; username: string; role: StaffRole }>> = {};
  const voters: string[] = [];

  /** A fresh session (sessions follow the clock). */
  const token = async (role: 'council' | 'operator' | 'auditor') => staffToken(app, accounts[role]!);
  const call = async <T = Record<string, unknown>>(query: string, input: Record<string, unknown>, role?: 'council' | 'operator' | 'auditor'): Promise<GraphqlResponse<T>> =>
    graphql<T>(server.graphqlUrl, query, { variables: { input }, ...(role ? { token: await token(role) } : {}) });
  const read = async <T = Record<string, unknown>>(query: string) => graphql<T>(server.graphqlUrl, query, { variables: { e: E } });
  const sponsor = (candidateId: string, sponsorKind: string, sponsorId: string, role: 'council' | 'operator' = 'operator') => call(SPONSOR, { electionId: E, candidateId, sponsorKind, sponsorId }, role);
  const detailsOf = (response: GraphqlResponse<unknown>) => (response.errors?.[0]?.extensions as { details?: Record<string, unknown> } | undefined)?.details;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-candidacy-'));
    const config = loadConfig({ URNE_DATA_DIR: dir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
    server = await startServer(config, { logger: createLogger(config, { write: () => undefined }), clock });
    app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    for (const role of ['council', 'operator', 'auditor'] as const) accounts[role] = await createStaffAccount(app, `${role}.candidacy`, role);

    const roll = join(dir, 'roll.csv');
    writeFileSync(
      roll,
      ['nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant', ...VOTER_DISTRICTS.map((district, i) => `Votant${i};Jean;1980-01-${String(i + 1).padStart(2, '0')};${i} rue de Paris;${district};${district}-01;7510000${String(i).padStart(4, '0')}`)].join('\n'),
    );
    const officials = join(dir, 'elus.csv');
    writeFileSync(officials, ['identifiant;nom;prenoms;mandat;arrondissement', ...OFFICIALS.map(([id, district]) => `${id};Elu${id};Marie;conseiller;${district}`)].join('\n'));
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    await new ElectedOfficialsImporter(store).import({ electionId: E, file: officials });
    const head = (await store.headPosition())!;
    const service = app.get(ProjectionsService);
    await service.runner('elected-officials')!.waitForPosition(head);
    await service.runner('electoral-roll')!.waitForPosition(head);
    const lookup = app.get<ElectoralRollLookup>(ELECTORAL_ROLL_LOOKUP);
    for (let i = 0; i < VOTER_DISTRICTS.length; i++) {
      const match = await lookup.findByIdentity(E, { lastName: `Votant${i}`, firstNames: 'Jean', birthDate: `${String(i + 1).padStart(2, '0')}/01/1980` });
      expect(match).toMatchObject({ arrondissement: VOTER_DISTRICTS[i] });
      voters.push(match!.rollEntryId);
    }

    const declared = await graphql(server.graphqlUrl, `mutation ($input: DeclareElectionInput!) { declareElection(input: $input) { id } }`, { variables: { input: ELECTION }, token: await token('council') });
    expect(declared.errors).toBeUndefined();
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('declareCandidate', () => {
    it('the council declares candidates (names public)', async () => {
      clock.set('2013-04-16T10:00:00.000Z');
      const nkm = await call(DECLARE, { electionId: E, candidateId: 'nkm', name: 'Nathalie Kosciusko-Morizet', party: 'UMP' }, 'council');
      expect(nkm).toEqual({ data: { declareCandidate: { electionId: E, candidateId: 'nkm', name: 'Nathalie Kosciusko-Morizet', party: 'UMP', status: 'declared', withdrawalReason: null } } });
      for (const [candidateId, name] of [['jfl', 'Jean-François Legaret'], ['pbm', 'Pierre-Yves Bournazel'], ['fd', 'Franck Margain']] as const) {
        expect((await call(DECLARE, { electionId: E, candidateId, name }, 'council')).errors).toBeUndefined();
      }
      const [event] = await collect(store.readStream('candidate-paris-2013.nkm'));
      expect(event).toMatchObject({ type: 'CandidateDeclared', metadata: { actor: `staff:${accounts.council!.staffId}` } });
    });

    it('refuses anonymous callers, other roles, a second declaration, bad input and an undeclared election', async () => {
      const input = { electionId: E, candidateId: 'nkm', name: 'Again' };
      expect(codesOf(await call(DECLARE, input))).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(await call(DECLARE, input, 'operator'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await call(DECLARE, input, 'council'))).toEqual(['CandidateAlreadyDeclared']);
      const bad = await call(DECLARE, { electionId: E, candidateId: 'Not A Slug', name: ' ' }, 'council');
      expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0]!.message).toContain('candidateId: ');
      expect(bad.errors![0]!.message).toContain('name: ');
      expect(codesOf(await call(DECLARE, { ...input, electionId: 'lyon-2014' }, 'council'))).toEqual(['ElectionNotDeclared']);
    });
  });

  describe('recordSponsorship', () => {
    it('operators and the council record sponsorships; the district comes from the reference list', async () => {
      const first = await sponsor('nkm', 'elected-official', 'ELU-1');
      expect(first).toEqual({ data: { recordSponsorship: { electionId: E, candidateId: 'nkm', sponsorKind: 'elected-official', district: '1', givenAt: '2013-04-16T10:00:00.000Z', alreadyApplied: false } } });
      expect((await sponsor('nkm', 'elected-official', 'ELU-2', 'council')).errors).toBeUndefined();
      for (const voter of voters.slice(0, 4)) expect((await sponsor('nkm', 'voter', voter)).errors).toBeUndefined();
      const [event] = await collect(store.readStream('sponsor-paris-2013.elected-official.ELU-1'));
      expect(event).toMatchObject({ type: 'SponsorshipGiven', data: { candidateId: 'nkm', sponsorKind: 'elected-official', sponsorId: 'ELU-1', district: '1' }, metadata: { actor: `staff:${accounts.operator!.staffId}` } });
    });

    it('a retry with the same commandId is recorded once', async () => {
      const input = { electionId: E, candidateId: 'jfl', sponsorKind: 'elected-official', sponsorId: 'ELU-6', commandId: 'form-0042' };
      expect((await call(SPONSOR, input, 'operator')).data).toMatchObject({ recordSponsorship: { alreadyApplied: false } });
      expect((await call(SPONSOR, input, 'operator')).data).toMatchObject({ recordSponsorship: { alreadyApplied: true } });
      expect(await collect(store.readStream('sponsor-paris-2013.elected-official.ELU-6'))).toHaveLength(1);
    });

    it('a sponsor sponsors one candidate at most: SponsorAlreadyCommitted, without naming the candidate', async () => {
      const again = await sponsor('jfl', 'elected-official', 'ELU-1');
      expect(codesOf(again)).toEqual(['SponsorAlreadyCommitted']);
      expect(JSON.stringify(again.errors)).not.toContain('nkm');
      expect(codesOf(await sponsor('nkm', 'voter', voters[0]!))).toEqual(['SponsorAlreadyCommitted']);
      // The council may see whom the sponsor chose.
      const toCouncil = await sponsor('jfl', 'elected-official', 'ELU-1', 'council');
      expect(codesOf(toCouncil)).toEqual(['SponsorAlreadyCommitted']);
      expect(detailsOf(toCouncil)).toMatchObject({ committedTo: 'nkm' });
      expect(detailsOf(again)).not.toHaveProperty('committedTo');
    });

    it('the same sponsor submitted for two candidates at the same time: exactly one is recorded', async () => {
      const results = await Promise.all([sponsor('nkm', 'elected-official', 'ELU-3'), sponsor('jfl', 'elected-official', 'ELU-3', 'council')]);
      const codes = results.map((result) => codesOf(result)[0] ?? 'ok').sort();
      expect(codes).toEqual(['SponsorAlreadyCommitted', 'ok']);
      const events = await collect(store.readStream('sponsor-paris-2013.elected-official.ELU-3'));
      expect(events).toHaveLength(1);
      // Whoever won, make sure nkm still reaches its officials threshold below.
      if ((events[0]!.data as { candidateId: string }).candidateId !== 'nkm') expect((await sponsor('nkm', 'elected-official', 'ELU-4')).errors).toBeUndefined();

      // Six forms of one voter at once, for two candidates, by both roles.
      const many = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => sponsor(i % 2 === 0 ? 'pbm' : 'fd', 'voter', voters[5]!, i % 3 === 0 ? 'council' : 'operator')));
      expect(many.filter((result) => result.errors === undefined)).toHaveLength(1);
      expect(many.flatMap((result) => codesOf(result))).toEqual(Array(5).fill('SponsorAlreadyCommitted'));
      expect(await collect(store.readStream(`sponsor-paris-2013.voter.${voters[5]!}`))).toHaveLength(1);
    });

    it('refuses unknown sponsors, the wrong kind, unknown candidates', async () => {
      expect(codesOf(await sponsor('nkm', 'elected-official', 'ELU-99'))).toEqual(['UnknownSponsor']);
      expect(codesOf(await sponsor('nkm', 'voter', 'roll_doesnotexist'))).toEqual(['UnknownSponsor']);
      const wrong = await sponsor('nkm', 'voter', 'ELU-8');
      expect(codesOf(wrong)).toEqual(['WrongSponsorKind']);
      expect(detailsOf(wrong)).toMatchObject({ actualKind: 'elected-official' });
      expect(codesOf(await sponsor('nkm', 'elected-official', voters[13]!))).toEqual(['WrongSponsorKind']);
      expect(codesOf(await sponsor('ghost', 'elected-official', 'ELU-8'))).toEqual(['UnknownCandidate']);
      expect(codesOf(await call(SPONSOR, { electionId: E, candidateId: 'nkm', sponsorKind: 'mayor', sponsorId: 'ELU 8' }, 'operator'))).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses anonymous callers and roles other than council and operator', async () => {
      expect(codesOf(await call(SPONSOR, { electionId: E, candidateId: 'nkm', sponsorKind: 'elected-official', sponsorId: 'ELU-8' }))).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(await call(SPONSOR, { electionId: E, candidateId: 'nkm', sponsorKind: 'elected-official', sponsorId: 'ELU-8' }, 'auditor'))).toEqual(['FORBIDDEN']);
    });
  });

  describe('qualification and certification', () => {
    it('an unqualified candidate is refused with the figures (NotQualified)', async () => {
      const refused = await call(CERTIFY, { electionId: E, candidateId: 'nkm' }, 'council');
      expect(codesOf(refused)).toEqual(['NotQualified']);
      expect(detailsOf(refused)!.figures).toContainEqual({ sponsorKind: 'voter', sponsors: 4, distinctDistricts: 3, minimumSponsors: 5, minimumDistinctDistricts: 3 });
    });

    it('the public sees the progress with the arrondissement spread, then the candidate reaching the thresholds', async () => {
      expect((await sponsor('nkm', 'voter', voters[4]!)).errors).toBeUndefined();
      await app.get(ProjectionsService).runner('sponsorship-progress')!.waitForPosition((await store.headPosition())!);
      const progress = await read<{ sponsorshipProgress: { position: string; candidates: Array<Record<string, unknown>> } }>(PROGRESS);
      expect(progress.errors).toBeUndefined();
      expect(progress.data!.sponsorshipProgress.position).toMatch(/^\d+$/);
      const nkm = progress.data!.sponsorshipProgress.candidates.find((c) => c.candidateId === 'nkm')!;
      expect(nkm).toMatchObject({ name: 'Nathalie Kosciusko-Morizet', status: 'declared', qualified: true });
      expect(nkm.kinds).toContainEqual({
        sponsorKind: 'voter', sponsors: 5, distinctDistricts: 4, minimumSponsors: 5, minimumDistinctDistricts: 3, qualified: true,
        districts: [{ district: '1', sponsors: 1 }, { district: '2', sponsors: 1 }, { district: '3', sponsors: 2 }, { district: '4', sponsors: 1 }],
      });
      expect(progress.data!.sponsorshipProgress.candidates.find((c) => c.candidateId === 'pbm')).toMatchObject({ qualified: false });
    });

    it('the council certifies a qualified candidate; only once; operators may not', async () => {
      expect(codesOf(await call(CERTIFY, { electionId: E, candidateId: 'nkm' }, 'operator'))).toEqual(['FORBIDDEN']);
      expect(await call(CERTIFY, { electionId: E, candidateId: 'nkm' }, 'council')).toEqual({ data: { certifyCandidate: { candidateId: 'nkm', status: 'certified' } } });
      expect(codesOf(await call(CERTIFY, { electionId: E, candidateId: 'nkm' }, 'council'))).toEqual(['CandidateAlreadyCertified']);
      expect(codesOf(await call(CERTIFY, { electionId: E, candidateId: 'ghost' }, 'council'))).toEqual(['UnknownCandidate']);
      const [, certified] = await collect(store.readStream('candidate-paris-2013.nkm'));
      expect(certified).toMatchObject({ type: 'CandidateCertified', data: { figures: expect.arrayContaining([expect.objectContaining({ sponsorKind: 'elected-official', sponsors: 3 })]) } });
    });

    it('a second candidate qualifies with other sponsors (officials from 2 arrondissements, voters from 3)', async () => {
      // jfl has ELU-6 (7), and maybe ELU-3 (2) from the race above.
      for (const official of ['ELU-5', 'ELU-7']) expect((await sponsor('jfl', 'elected-official', official)).errors).toBeUndefined();
      for (const voter of voters.slice(6, 11)) expect((await sponsor('jfl', 'voter', voter)).errors).toBeUndefined();
      expect((await call(CERTIFY, { electionId: E, candidateId: 'jfl' }, 'council')).errors).toBeUndefined();
    });
  });

  describe('withdrawal', () => {
    it('the council records a withdrawal; the candidate can no longer be sponsored nor certified', async () => {
      expect(codesOf(await call(WITHDRAW, { electionId: E, candidateId: 'fd', reason: 'x' }, 'operator'))).toEqual(['FORBIDDEN']);
      expect(await call(WITHDRAW, { electionId: E, candidateId: 'fd', reason: 'Rallies another candidate' }, 'council')).toEqual({
        data: { withdrawCandidate: { candidateId: 'fd', status: 'withdrawn', withdrawalReason: 'Rallies another candidate' } },
      });
      expect(codesOf(await call(WITHDRAW, { electionId: E, candidateId: 'fd', reason: 'Again' }, 'council'))).toEqual(['CandidateWithdrawn']);
      expect(codesOf(await call(WITHDRAW, { electionId: E, candidateId: 'ghost', reason: 'Why' }, 'council'))).toEqual(['UnknownCandidate']);
      expect(codesOf(await call(WITHDRAW, { electionId: E, candidateId: 'fd', reason: '  ' }, 'council'))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await sponsor('fd', 'elected-official', 'ELU-8'))).toEqual(['CandidateWithdrawn']);
      expect(codesOf(await call(CERTIFY, { electionId: E, candidateId: 'fd' }, 'council'))).toEqual(['CandidateWithdrawn']);
    });
  });

  describe('late sponsorships', () => {
    it('after the deadline: SponsorshipClosed (and no late declaration either)', async () => {
      clock.set('2013-05-20T10:00:00.000Z');
      expect(codesOf(await sponsor('pbm', 'elected-official', 'ELU-8'))).toEqual(['SponsorshipClosed']);
      expect(codesOf(await call(DECLARE, { electionId: E, candidateId: 'late', name: 'Late Comer' }, 'council'))).toEqual(['SponsorshipClosed']);
    });
  });

  describe('ballot order', () => {
    it('refuses an order that is not exactly the certified candidates', async () => {
      const order = (candidateIds: string[], reason = 'Public draw of 20 May 2013') => call(ORDER, { electionId: E, candidateIds, reason }, 'council');
      expect(codesOf(await order(['jfl']))).toEqual(['CertifiedCandidateMissing']);
      expect(codesOf(await order(['jfl', 'nkm', 'pbm']))).toEqual(['CandidateNotCertified']);
      expect(codesOf(await order(['jfl', 'nkm', 'jfl']))).toEqual(['DuplicateCandidate']);
      expect(codesOf(await call(ORDER, { electionId: E, candidateIds: ['jfl', 'nkm'], reason: 'Draw' }, 'operator'))).toEqual(['FORBIDDEN']);
    });

    it('the council sets the order; the public list follows it; a withdrawal after certification drops the candidate from the ballot', async () => {
      const set = await call(ORDER, { electionId: E, candidateIds: ['jfl', 'nkm'], reason: 'Public draw of 20 May 2013' }, 'council');
      expect(set).toEqual({ data: { setBallotOrder: { electionId: E, candidateIds: ['jfl', 'nkm'], reason: 'Public draw of 20 May 2013', setAt: '2013-05-20T10:00:00.000Z' } } });
      const service = app.get(ProjectionsService);
      await service.runner('sponsorship-progress')!.waitForPosition((await store.headPosition())!);
      const listed = await read<{ candidates: { ballotOrderReason: string; candidates: Array<Record<string, unknown>> } }>(CANDIDATES);
      expect(listed.data!.candidates.ballotOrderReason).toBe('Public draw of 20 May 2013');
      expect(listed.data!.candidates.candidates.map((c) => [c.candidateId, c.status, c.ballotPosition])).toEqual([
        ['jfl', 'certified', 1],
        ['nkm', 'certified', 2],
        ['pbm', 'declared', null],
        ['fd', 'withdrawn', null],
      ]);

      expect((await call(WITHDRAW, { electionId: E, candidateId: 'jfl', reason: 'Withdrew after the draw' }, 'council')).errors).toBeUndefined();
      await service.runner('sponsorship-progress')!.waitForPosition((await store.headPosition())!);
      const after = await read<{ candidates: { candidates: Array<Record<string, unknown>> } }>(CANDIDATES);
      expect(after.data!.candidates.candidates.map((c) => [c.candidateId, c.status, c.ballotPosition])).toEqual([
        ['nkm', 'certified', 1],
        ['jfl', 'withdrawn', null],
        ['pbm', 'declared', null],
        ['fd', 'withdrawn', null],
      ]);
    });

    it('once the vote is open the list is fixed', async () => {
      clock.set('2013-06-01T10:00:00.000Z');
      expect(codesOf(await call(ORDER, { electionId: E, candidateIds: ['nkm'], reason: 'Redraw' }, 'council'))).toEqual(['VotingAlreadyOpen']);
      expect(codesOf(await call(WITHDRAW, { electionId: E, candidateId: 'nkm', reason: 'Too late' }, 'council'))).toEqual(['VotingAlreadyOpen']);
    });
  });
});
