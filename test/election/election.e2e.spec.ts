import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/application/ports/clock.js';
import { CreateStaffAccountCommand, type CreateStaffAccountInput } from '../../src/application/staff/create-staff-account/create-staff-account.command.js';
import { collect, type EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const paris2013 = JSON.parse(readFileSync(join(root, 'examples/paris-2013.election.json'), 'utf8')) as Record<string, unknown>;

type GraphqlError = { message: string; extensions?: { code?: string; details?: Record<string, unknown> } };
type GraphqlResponse<T> = { data?: T | null; errors?: GraphqlError[] };

const ELECTION_FIELDS = `id name organiser timeZone status phase asOf
  openWindows { activity round opensAt closesAt }
  sponsorshipRules { sponsorKind minimumSponsors minimumDistinctDistricts }
  rounds { count majorityPercent } blankVoteAllowed revotePolicy registrationFee { amountCents currency }
  declaredAt dates { sponsorshipDeadline registrationOpensAt registrationClosesAt votingOpensAt votingClosesAt secondRoundVotingOpensAt secondRoundVotingClosesAt }
  schedule { date instant localTime utcOffset } dateChangeCount cancellation { reason cancelledAt }`;

const DECLARE = `mutation ($input: DeclareElectionInput!) { declareElection(input: $input) { ${ELECTION_FIELDS} } }`;
const CHANGE = `mutation ($input: ChangeElectionDateInput!) { changeElectionDate(input: $input) { id dates { registrationClosesAt } dateChangeCount phase } }`;
const EXTENSION = {
  electionId: 'paris-2013',
  date: 'registrationClosesAt',
  to: '2013-06-03T18:00',
  reason: 'Many voters could not register in time: registration is extended',
};

describe('election set-up over GraphQL (real HTTP)', () => {
  let dataDir: string;
  let server: RunningServer;
  let store: EventStore;
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  const accounts: Record<'council' | 'operator', { username: string; password: string; token?: string; tokenAt?: string }> = {
    council: { username: 'council.alice', password: 'correct horse battery staple' },
    operator: { username: 'operator.bob', password: 'another long password 42' },
  };

  const post = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphqlResponse<T>> => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlResponse<T>;
  };

  /** A token for the role, signed in again whenever the clock moved (sessions follow the clock). */
  const tokenFor = async (role: 'council' | 'operator'): Promise<string> => {
    const account = accounts[role];
    const now = clock.now().toISOString();
    if (account.token && account.tokenAt === now) return account.token;
    const signedIn = await post<{ signIn: { token: string } }>('mutation ($input: SignInInput!) { signIn(input: $input) { token } }', {
      input: { username: account.username, password: account.password },
    });
    expect(signedIn.errors).toBeUndefined();
    account.token = signedIn.data!.signIn.token;
    account.tokenAt = now;
    return account.token;
  };

  const asCouncil = async <T>(query: string, variables: Record<string, unknown> = {}) => post<T>(query, variables, await tokenFor('council'));
  const declare = (input: Record<string, unknown>) => asCouncil<{ declareElection: Record<string, unknown> }>(DECLARE, { input });
  const codeOf = (response: GraphqlResponse<unknown>) => response.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-election-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' });
    server = await startServer(config, { logger: createLogger(config, { write: () => undefined }), clock });
    store = server.app.get<EventStore>(EVENT_STORE);
    const commands = server.app.get(CommandBus);
    for (const role of ['council', 'operator'] as const) {
      const input = { username: accounts[role].username, role, password: accounts[role].password } as CreateStaffAccountInput;
      await commands.execute(new CreateStaffAccountCommand(randomUUID(), input, 'system:test'));
    }
  });

  afterAll(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('declareElection', () => {
    it('is refused without a session (UNAUTHENTICATED) and to a role other than council (FORBIDDEN)', async () => {
      expect(codeOf(await post(DECLARE, { input: paris2013 }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await post(DECLARE, { input: paris2013 }, await tokenFor('operator')))).toBe('FORBIDDEN');
      expect(await post('{ election(id: "paris-2013") { id } }')).toEqual({ data: { election: null } });
    });

    it('declares the example election: local times read in Europe/Paris, stored as instants', async () => {
      const response = await declare(paris2013);
      expect(response.errors).toBeUndefined();
      expect(response.data!.declareElection).toMatchObject({
        id: 'paris-2013',
        organiser: 'Conseil Supérieur des Primaires',
        timeZone: 'Europe/Paris',
        status: 'declared',
        phase: 'sponsorship',
        asOf: '2013-04-15T10:00:00.000Z',
        openWindows: [{ activity: 'sponsorship', round: 1, opensAt: '2013-04-15T10:00:00.000Z', closesAt: '2013-05-17T16:00:00.000Z' }],
        sponsorshipRules: [
          { sponsorKind: 'elected-official', minimumSponsors: 10, minimumDistinctDistricts: 3 },
          { sponsorKind: 'voter', minimumSponsors: 300, minimumDistinctDistricts: 5 },
        ],
        rounds: { count: 1, majorityPercent: 50 },
        blankVoteAllowed: true,
        revotePolicy: 'single-vote',
        registrationFee: { amountCents: 300, currency: 'EUR' },
        declaredAt: '2013-04-15T10:00:00.000Z',
        dates: {
          sponsorshipDeadline: '2013-05-17T16:00:00.000Z',
          registrationOpensAt: '2013-05-06T08:00:00.000Z',
          registrationClosesAt: '2013-05-28T17:00:00.000Z',
          votingOpensAt: '2013-05-31T06:00:00.000Z',
          votingClosesAt: '2013-06-03T17:00:00.000Z',
          secondRoundVotingOpensAt: null,
          secondRoundVotingClosesAt: null,
        },
        dateChangeCount: 0,
        cancellation: null,
      });
      expect(response.data!.declareElection.schedule).toContainEqual({
        date: 'registrationClosesAt',
        instant: '2013-05-28T17:00:00.000Z',
        localTime: '2013-05-28T19:00:00',
        utcOffset: '+02:00',
      });
      const [declared] = await collect(store.readStream('election-paris-2013'));
      expect(declared).toMatchObject({ type: 'ElectionDeclared', metadata: { actor: expect.stringMatching(/^staff:/), occurredAt: '2013-04-15T10:00:00.000Z' } });
    });

    it('refuses invalid input with BAD_USER_INPUT, naming every faulty field', async () => {
      const response = await declare({
        ...paris2013,
        electionId: 'Paris 2013',
        timeZone: 'Europe/Lutece',
        registrationClosesAt: '28/05/2013 19:00',
        sponsorship: [{ sponsorKind: 'mayor', minimumSponsors: 0, minimumDistinctDistricts: -1 }],
        revotePolicy: 'best-of-three',
      });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      const message = response.errors![0]!.message;
      for (const field of ['electionId', 'timeZone', 'registrationClosesAt', 'sponsorship[0].sponsorKind', 'sponsorship[0].minimumSponsors', 'sponsorship[0].minimumDistinctDistricts', 'revotePolicy']) {
        expect(message).toContain(`${field}: `);
      }
      expect(message).toContain('registrationClosesAt: must be an ISO 8601 date-time');
    });

    it('a missing required field is refused by GraphQL itself, naming it', async () => {
      const { blankVoteAllowed: _omitted, ...withoutBlank } = paris2013;
      const response = await declare({ ...withoutBlank, electionId: 'lyon-2014' });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0]!.message).toContain('blankVoteAllowed');
    });

    it('refuses to declare the same election twice: ElectionAlreadyDeclared', async () => {
      const response = await declare(paris2013);
      expect(codeOf(response)).toBe('ElectionAlreadyDeclared');
      expect(response.errors![0]!.message).toBe('The election "paris-2013" has already been declared');
    });

    it('refuses windows that close before they open, or in the wrong order', async () => {
      const inverted = await declare({ ...paris2013, electionId: 'lyon-2014', votingOpensAt: '2013-06-04T08:00' });
      expect(codeOf(inverted)).toBe('InvalidWindow');
      expect(inverted.errors![0]!.message).toContain('votingOpensAt is 2013-06-04 08:00 (Europe/Paris)');
      const late = await declare({ ...paris2013, electionId: 'lyon-2014', registrationClosesAt: '2013-06-04T08:00', votingClosesAt: '2013-06-03T19:00' });
      expect(codeOf(late)).toBe('InconsistentDates');
      expect(late.errors![0]!.extensions!.details).toMatchObject({ rule: 'registration-closes-before-voting-closes' });
      const past = await declare({ ...paris2013, electionId: 'lyon-2014', registrationOpensAt: '2013-04-01T10:00' });
      expect(codeOf(past)).toBe('DateInThePast');
      expect(await post('{ election(id: "lyon-2014") { id } }')).toEqual({ data: { election: null } });
    });
  });

  describe('changeElectionDate: the 2013 extension', () => {
    it('an extension recorded before the deadline is accepted, and the new date applies from then on', async () => {
      expect((await declare({ ...paris2013, electionId: 'paris-2013-late' })).errors).toBeUndefined();
      clock.set('2013-05-28T12:00:00.000Z');
      const response = await asCouncil<{ changeElectionDate: unknown }>(CHANGE, { input: EXTENSION });
      expect(response.errors).toBeUndefined();
      expect(response.data!.changeElectionDate).toEqual({ id: 'paris-2013', dates: { registrationClosesAt: '2013-06-03T16:00:00.000Z' }, dateChangeCount: 1, phase: 'registration' });

      clock.set('2013-06-01T10:00:00.000Z');
      const now = await post<{ election: { phase: string; openWindows: Array<{ activity: string }> } }>('{ election(id: "paris-2013") { phase openWindows { activity closesAt } } }');
      expect(now.data!.election).toEqual({
        phase: 'voting',
        openWindows: [
          { activity: 'registration', closesAt: '2013-06-03T16:00:00.000Z' },
          { activity: 'voting', closesAt: '2013-06-03T17:00:00.000Z' },
        ],
      });
      const other = await post<{ election: { phase: string } }>('{ election(id: "paris-2013-late") { phase openWindows { activity } } }');
      expect(other.data!.election).toEqual({ phase: 'voting', openWindows: [{ activity: 'voting' }] });
    });

    it('an extension attempted after the deadline passed is refused: PhaseAlreadyEnded', async () => {
      clock.set('2013-05-28T17:30:00.000Z');
      const response = await asCouncil(CHANGE, { input: { ...EXTENSION, electionId: 'paris-2013-late' } });
      expect(codeOf(response)).toBe('PhaseAlreadyEnded');
      expect(response.errors![0]!.message).toContain('The registration phase ended on 2013-05-28 19:00 (Europe/Paris)');
    });

    it('requires a reason, a known date name and a council session', async () => {
      const blank = await asCouncil(CHANGE, { input: { ...EXTENSION, reason: '   ' } });
      expect(codeOf(blank)).toBe('BAD_USER_INPUT');
      expect(blank.errors![0]!.message).toContain('reason: must be non-blank text');
      const unknown = await asCouncil(CHANGE, { input: { ...EXTENSION, date: 'tallyAt' } });
      expect(codeOf(unknown)).toBe('BAD_USER_INPUT');
      expect(unknown.errors![0]!.message).toContain('date: must be one of sponsorshipDeadline');
      expect(codeOf(await post(CHANGE, { input: EXTENSION }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await asCouncil(CHANGE, { input: { ...EXTENSION, electionId: 'nowhere-2013' } }))).toBe('ElectionNotDeclared');
    });
  });

  describe('public reads', () => {
    it('electionTimeline lists the declaration and the change with from, to, reason, actor and positions', async () => {
      const [, changed] = await collect(store.readStream('election-paris-2013'));
      type Timeline = {
        electionTimeline: {
          electionId: string;
          position: string | null;
          election: { id: string; dates: { registrationClosesAt: string } } | null;
          entries: Array<Record<string, unknown>>;
        };
      };
      const query = `{ electionTimeline(electionId: "paris-2013") { electionId position election { id dates { registrationClosesAt } }
        entries { position revision eventId type recordedAt occurredAt actor summary date from to reason data } } }`;
      let timeline: Timeline['electionTimeline'] | undefined;
      for (let tries = 0; tries < 200; tries++) {
        const response = await post<Timeline>(query);
        expect(response.errors).toBeUndefined();
        timeline = response.data!.electionTimeline;
        if (timeline.position !== null && BigInt(timeline.position) >= changed!.position) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(BigInt(timeline!.position!)).toBeGreaterThanOrEqual(changed!.position);
      expect(timeline!.election).toEqual({ id: 'paris-2013', dates: { registrationClosesAt: '2013-06-03T16:00:00.000Z' } });
      expect(timeline!.entries).toHaveLength(2);
      expect(timeline!.entries[0]).toMatchObject({ revision: '0', type: 'ElectionDeclared', occurredAt: '2013-04-15T10:00:00.000Z', date: null, reason: null });
      expect(timeline!.entries[1]).toEqual({
        position: changed!.position.toString(),
        revision: '1',
        eventId: changed!.id,
        type: 'ElectionDateChanged',
        recordedAt: changed!.recordedAt.toISOString(),
        occurredAt: '2013-05-28T12:00:00.000Z',
        actor: changed!.metadata.actor,
        summary: `registrationClosesAt moved from 2013-05-28 19:00 (Europe/Paris) to 2013-06-03 18:00 (Europe/Paris): ${EXTENSION.reason}`,
        date: 'registrationClosesAt',
        from: '2013-05-28T17:00:00.000Z',
        to: '2013-06-03T16:00:00.000Z',
        reason: EXTENSION.reason,
        data: JSON.stringify(changed!.data),
      });
      expect(changed!.metadata.actor).toMatch(/^staff:/);
    });

    it('elections lists every declared election; an unknown one has an empty timeline', async () => {
      const { data } = await post<{ elections: Array<{ id: string }> }>('{ elections { id } }');
      expect(data!.elections.map((election) => election.id)).toEqual(['paris-2013', 'paris-2013-late']);
      const unknown = await post<{ electionTimeline: unknown }>('{ electionTimeline(electionId: "nowhere-2013") { electionId election { id } entries { type } } }');
      expect(unknown).toEqual({ data: { electionTimeline: { electionId: 'nowhere-2013', election: null, entries: [] } } });
    });
  });
});
