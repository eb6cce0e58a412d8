import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ForgetSubjectCommand } from '../../src/application/personal-data/forget-subject/forget-subject.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { normaliseName } from '../../src/domain/reference-data/normalise.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../src/main.js';
import { attachPersonalDataVault, detachPersonalDataVault } from '../../src/projections/electoral-roll/read-model-vault.js';
import type { ReadModelDb } from '../../src/projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../src/projections/projections.service.js';
import { rebuildProjection } from '../../src/projections/rebuild-projection.js';
import { voterRollProjection } from '../../src/projections/voter-roll/voter-roll.projection.js';
import { SmtpTestServer } from '../notifications/support/smtp-test-server.js';
import { codesOf, graphql } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';
import { SmsTestGateway } from './support/sms-test-gateway.js';
import { startRegistrationServer } from './support/registration-server.js';

const E = 'paris-2013';
const SMS_TOKEN = 'sms-gateway-token-not-for-logs';

/** [last name, first names, birth date, district, polling station, roll identifier] */
const PEOPLE: Array<[string, string, string, string, string, string]> = [
  ['Martin', 'Sophie', '1980-02-11', '5', '5-01', '75105000001'],
  ["N'Diaye", 'Élodie Marie', '1985-11-30', '20', '20-11', '75120000002'],
  ['Lefèvre', 'Jean-Pierre', '1962-07-04', '11', '11-04', '75111000003'],
  ['Moreau', 'Claire', '1990-01-20', '13', '13-02', '75113000004'],
  ['Garnier', 'Luc', '1975-09-09', '15', '15-07', '75115000005'],
  ['Rousseau', 'Anne', '1968-03-15', '11', '11-02', '75111000006'],
  ['Fontaine', 'Paul', '1971-12-01', '7', '7-01', '75107000007'],
  ['Bernard', 'Hugo', '1988-08-08', '8', '8-01', '75108000008'],
  ['Kosciusko-Morizet', 'Nathalie', '1973-05-14', '14', '14-03', '75114000009'],
  ['Lefebvre', 'Anaïs', '1992-10-02', '11', '11-05', '75111000010'],
  ['Dubois', 'Éric', '1960-06-30', '3', '3-01', '75103000011'],
  ['Ölçer', 'Zoé', '1999-12-31', '18', '18-02', '75118000012'],
  ['Martin', 'Alice', '1983-04-04', '5', '5-02', '75105000013'],
  ['Petit', 'Lœtitia', '1977-07-07', '9', '9-01', '75109000014'],
];

const ROLL = [
  'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
  ...PEOPLE.map(([last, first, birth, district, station, id]) => `${last};${first};${birth};1 rue de Paris;${district};${station};${id}`),
];

const SUBMIT = `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status voterToken } }`;
const NODE = 'registrationId electionId rollEntryId district pollingStation status lastName firstNames erased submittedAt decidedAt';
const ROLL_QUERY = `query ($e: String!, $first: Int, $after: String, $search: String, $status: [VoterRollStatus!]) {
  voterRoll(electionId: $e, first: $first, after: $after, search: $search, status: $status) {
    edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } totalCount position } }`;

interface Node {
  registrationId: string;
  electionId: string;
  rollEntryId: string;
  district: string;
  pollingStation: string | null;
  status: string;
  lastName: string;
  firstNames: string;
  erased: boolean;
  submittedAt: string;
  decidedAt: string | null;
}
interface Connection {
  edges: Array<{ cursor: string; node: Node }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
  position: string | null;
}

describe('the voter roll for council and operators (real HTTP, SQLite, vault)', () => {
  let dir: string;
  let server: RunningServer;
  let store: EventStore;
  let smtp: SmtpTestServer;
  let sms: SmsTestGateway;
  let council: string;
  let operator: string;
  let auditor: string;
  /** registration id by "last first" */
  const ids = new Map<string, string>();
  const tokens = new Map<string, string>();
  const clock = new ManualClock('2013-05-10T09:00:00.000Z');

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphql<T>(server.graphqlUrl, query, { variables, ...(token === undefined ? {} : { token }) });

  const roll = async (variables: Record<string, unknown>, token = operator) => gql<{ voterRoll: Connection }>(ROLL_QUERY, { e: E, ...variables }, token);
  const page = async (variables: Record<string, unknown>, token = operator): Promise<Connection> => {
    const response = await roll(variables, token);
    expect(response.errors).toBeUndefined();
    return response.data!.voterRoll;
  };
  const names = (connection: Connection) => connection.edges.map((edge) => `${edge.node.lastName} ${edge.node.firstNames}`);

  async function walk(variables: Record<string, unknown>, first: number): Promise<{ nodes: Node[]; pages: number; totals: number[] }> {
    const nodes: Node[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const connection: Connection = await page({ ...variables, first, ...(after === null ? {} : { after }) });
      pages++;
      totals.push(connection.totalCount);
      expect(connection.edges.length).toBeLessThanOrEqual(first);
      nodes.push(...connection.edges.map((edge) => edge.node));
      if (connection.edges.length > 0) expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)!.cursor);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      expect(pages).toBeLessThan(50);
    }
    return { nodes, pages, totals };
  }

  async function emailCode(to: string): Promise<string> {
    for (;;) {
      const mail = smtp.received.find((message) => message.rcptTo.includes(to));
      if (mail) return /code : (\d{6,8})/.exec(mail.parsed.text ?? '')![1]!;
      await smtp.waitForMessages(smtp.received.length + 1);
    }
  }

  async function smsCode(to: string): Promise<string> {
    return /: (\d{6,8})/.exec((await sms.message(to, 1)).text)![1]!;
  }

  async function collect(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  }

  beforeAll(async () => {
    ({ dir, smtp, sms, server } = await startRegistrationServer({ prefix: 'urne-voter-roll-', smsToken: SMS_TOKEN, clock, logLevel: 'warn' }));
    const app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    council = await staffToken(app, await createStaffAccount(app, 'council.alice', 'council'));
    operator = await staffToken(app, await createStaffAccount(app, 'operator.bob', 'operator'));
    auditor = await staffToken(app, await createStaffAccount(app, 'auditor.eve', 'auditor'));

    const file = join(dir, 'roll.csv');
    writeFileSync(file, `${ROLL.join('\n')}\n`);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file });
    let rollHead = 0n;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'eventType', prefixes: ['ElectoralRoll'] } })) rollHead = event.position;
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition(rollHead);

    clock.set('2013-04-15T10:00:00.000Z');
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    await app.get(CommandBus).execute(new DeclareElectionCommand({ ...paris2013, electionId: E }, 'declare-paris-2013', 'system:test'));
    clock.set('2013-05-10T09:00:00.000Z');

    // One e-mail per person, except Garnier and Rousseau who reuse Moreau's: with at most one
    // registration per e-mail they are flagged for the council's review.
    const set = await gql(`mutation { setRegistrationThresholds(input: { electionId: "${E}", maxPerEmail: 1, maxPerPhone: 5, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 100 }) }`, {}, council);
    expect(set.errors).toBeUndefined();
    for (const [index, [lastName, firstNames, birthDate]] of PEOPLE.entries()) {
      const shared = lastName === 'Moreau' || lastName === 'Garnier' || lastName === 'Rousseau';
      const email = shared ? 'shared.inbox@example.org' : `voter${index}@example.org`;
      const phone = `06${String(10_000_000 + index * 1111).padStart(8, '0')}`;
      const response = await gql<{ submitRegistration: { registrationId: string; voterToken: string } }>(SUBMIT, {
        input: { electionId: E, lastName, firstNames, birthDate, postalAddress: 'Paris', email, phone },
      });
      expect(response.errors).toBeUndefined();
      ids.set(`${lastName} ${firstNames}`, response.data!.submitRegistration.registrationId);
      tokens.set(`${lastName} ${firstNames}`, response.data!.submitRegistration.voterToken);
      clock.advance(10_000);
    }

    // Sophie Martin confirms both contacts: approved. Garnier is rejected by the council (Rousseau stays in review). Fontaine cancels.
    const sophie = ids.get('Martin Sophie')!;
    const confirm = (kind: 'Email' | 'Phone', code: string) =>
      gql(`mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistration${kind}(input: $input) { status } }`, { input: { registrationId: sophie, code } });
    expect((await confirm('Email', await emailCode('voter0@example.org'))).errors).toBeUndefined();
    expect((await confirm('Phone', await smsCode('+33610000000'))).errors).toBeUndefined();
    const rejected = await gql(`mutation ($input: ReviewRegistrationInput!) { rejectRegistration(input: $input) { status } }`, {
      input: { registrationId: ids.get('Garnier Luc'), reason: 'Contact channels shared with another registration' },
    }, council);
    expect(rejected.errors).toBeUndefined();
    expect((await gql(`mutation { cancelRegistration { status } }`, {}, tokens.get('Fontaine Paul'))).errors).toBeUndefined();
  });

  afterAll(async () => {
    await server?.app.close();
    await smtp?.close();
    await sms?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pagination walks every registration once, in a stable name order, with opaque cursors', async () => {
    const all = await page({ first: 100 });
    expect(all.totalCount).toBe(PEOPLE.length);
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect(all.position).toMatch(/^\d+$/);

    const { nodes, pages, totals } = await walk({}, 4);
    expect(pages).toBe(Math.ceil(PEOPLE.length / 4));
    expect(new Set(totals)).toEqual(new Set([PEOPLE.length]));
    const walked = nodes.map((node) => node.registrationId);
    expect(new Set(walked).size).toBe(walked.length);
    expect(new Set(walked)).toEqual(new Set(ids.values()));
    expect(walked).toEqual(all.edges.map((edge) => edge.node.registrationId));

    // Ordered by normalised last name, then first names ("Lefebvre" < "Lefèvre"; "Martin Alice" < "Martin Sophie").
    const expected = [...PEOPLE].sort(([l1, f1], [l2, f2]) => (normaliseName(l1) + '\u0000' + normaliseName(f1) < normaliseName(l2) + '\u0000' + normaliseName(f2) ? -1 : 1));
    expect(nodes.map((node) => `${node.lastName} ${node.firstNames}`)).toEqual(expected.map(([last, first]) => `${last} ${first}`));

    const sophie = nodes.find((node) => node.lastName === 'Martin' && node.firstNames === 'Sophie')!;
    expect(sophie).toMatchObject({ electionId: E, district: '5', pollingStation: '5-01', status: 'APPROVED', erased: false, submittedAt: '2013-05-10T09:00:00.000Z' });
    expect(sophie.decidedAt).not.toBeNull();
    // The cursor is opaque base64url: no name in clear.
    for (const edge of all.edges) {
      expect(edge.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(edge.cursor).not.toContain(edge.node.lastName);
    }
  });

  it('a registration arriving during a walk does not make the walk repeat or skip a row', async () => {
    // First page: Bernard, Dubois. Then a new row sorting after the cursor appears: every roll
    // entry is taken, but Paul Fontaine cancelled, so he registers again (a second Fontaine row).
    const first = await page({ first: 2 });
    expect(names(first)).toEqual(['Bernard Hugo', 'Dubois Éric']);
    const again = await gql<{ submitRegistration: { registrationId: string } }>(SUBMIT, {
      input: { electionId: E, lastName: 'Fontaine', firstNames: 'Paul', birthDate: '1971-12-01', postalAddress: 'Paris', email: 'paul.again@example.org', phone: '0699999999' },
    });
    expect(again.errors).toBeUndefined();
    ids.set('Fontaine Paul (again)', again.data!.submitRegistration.registrationId);
    const rest = await walk({ after: first.pageInfo.endCursor }, 5);
    const seen = [...first.edges.map((edge) => edge.node.registrationId), ...rest.nodes.map((node) => node.registrationId)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(ids.values()));
    const fontaines = rest.nodes.filter((node) => node.lastName === 'Fontaine').map((node) => node.status).sort();
    expect(fontaines).toEqual(['CANCELLED', 'SUBMITTED']);
  });

  it('refuses first over 100, below 1, and a cursor it did not make (BAD_USER_INPUT)', async () => {
    expect(codesOf(await roll({ first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await roll({ first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await roll({ after: 'bm90LWEtY3Vyc29y' }))).toEqual(['BAD_USER_INPUT']);
    expect((await page({ first: 100 })).edges.length).toBeGreaterThan(0);
  });

  it('searches names ignoring case, accents, hyphens and apostrophes; and exact ids and roll identifiers', async () => {
    expect(names(await page({ search: 'LEFEVRE' }))).toEqual(['Lefèvre Jean-Pierre']);
    expect(names(await page({ search: 'lefe' }))).toEqual(['Lefebvre Anaïs', 'Lefèvre Jean-Pierre']);
    expect(names(await page({ search: 'ndiaye elodie' }))).toEqual(["N'Diaye Élodie Marie"]);
    expect(names(await page({ search: "N’DIAYE" }))).toEqual(["N'Diaye Élodie Marie"]);
    expect(names(await page({ search: 'kosciusko morizet' }))).toEqual(['Kosciusko-Morizet Nathalie']);
    expect(names(await page({ search: 'jean pierre lefèvre' }))).toEqual(['Lefèvre Jean-Pierre']);
    expect(names(await page({ search: 'olcer zoe' }))).toEqual(['Ölçer Zoé']);
    expect(names(await page({ search: 'petit loetitia' }))).toEqual(['Petit Lœtitia']);
    const martins = await page({ search: 'martin', first: 1 });
    expect(martins.totalCount).toBe(2);
    expect(names(martins)).toEqual(['Martin Alice']);
    expect(names(await page({ search: 'martin', first: 1, after: martins.pageInfo.endCursor }))).toEqual(['Martin Sophie']);
    expect((await page({ search: 'nobody' })).totalCount).toBe(0);

    const hugo = (await page({ search: 'bernard' })).edges[0]!.node;
    expect(names(await page({ search: hugo.rollEntryId }))).toEqual(['Bernard Hugo']);
    expect(names(await page({ search: hugo.registrationId }))).toEqual(['Bernard Hugo']);
    expect(names(await page({ search: '75108000008' }))).toEqual(['Bernard Hugo']);
    expect((await page({ search: '7510800000' })).totalCount).toBe(0); // identifiers match exactly
  });

  it('filters by status', async () => {
    const status = async (...statuses: string[]) => (await page({ status: statuses })).edges.map((edge) => `${edge.node.lastName} ${edge.node.status}`);
    expect(await status('APPROVED')).toEqual(['Martin APPROVED']);
    expect(await status('REJECTED')).toEqual(['Garnier REJECTED']);
    expect(await status('CANCELLED')).toEqual(['Fontaine CANCELLED']);
    expect(await status('IN_REVIEW')).toEqual(['Rousseau IN_REVIEW']);
    expect(await status('APPROVED', 'IN_REVIEW')).toEqual(['Martin APPROVED', 'Rousseau IN_REVIEW']);
    const submitted = await page({ status: ['SUBMITTED'], first: 100 });
    expect(submitted.edges.every((edge) => edge.node.status === 'SUBMITTED')).toBe(true);
    expect(submitted.totalCount).toBe(ids.size - 4);
    expect(names(await page({ status: ['REJECTED'], search: 'martin' }))).toEqual([]);
  });

  it('anonymous callers, voters and auditors are refused', async () => {
    expect(codesOf(await gql(ROLL_QUERY, { e: E }))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await gql(ROLL_QUERY, { e: E }, tokens.get('Martin Sophie')))).toEqual(['FORBIDDEN']);
    expect(codesOf(await gql(ROLL_QUERY, { e: E }, auditor))).toEqual(['FORBIDDEN']);
    expect((await roll({ first: 1 }, council)).errors).toBeUndefined();
  });

  it("an erased voter reads '[erased]' and is no longer found by name", async () => {
    const anne = ids.get('Rousseau Anne')!;
    await server.app.get(CommandBus).execute(ForgetSubjectCommand.from({ subject: `registration-${anne}`, reason: 'request of the person' }, 'system:test'));
    const found = await page({ search: anne });
    expect(found.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ registrationId: anne, lastName: '[erased]', firstNames: '[erased]', erased: true, district: '11', pollingStation: '11-02' }),
    ]);
    expect((await page({ search: 'rousseau' })).totalCount).toBe(0);
    const everyone = await walk({}, 3);
    expect(everyone.nodes.at(-1)!.registrationId).toBe(anne); // erased rows sort last
    expect(everyone.nodes.map((node) => node.registrationId).sort()).toEqual([...ids.values()].sort());
  });

  it('a rebuild without the vault (as `urne projections rebuild` does) keeps names sealed; the server opens them on the next read', async () => {
    const before = (await walk({}, 100)).nodes;
    const db = server.app.get<ReadModelDb>(READ_MODEL_DB);
    const vault = server.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    detachPersonalDataVault(db);
    try {
      await rebuildProjection(store, db, voterRollProjection);
    } finally {
      attachPersonalDataVault(db, vault);
    }
    const sealed = db.prepare('SELECT COUNT(*) AS n FROM voter_roll WHERE sealed IS NOT NULL').get() as { n: number };
    expect(sealed.n).toBe(ids.size - 1); // all but the erased one
    const after = (await walk({}, 100)).nodes;
    expect(after).toEqual(before);
    expect(names(await page({ search: 'lefevre' }))).toEqual(['Lefèvre Jean-Pierre']);
    expect((db.prepare('SELECT COUNT(*) AS n FROM voter_roll WHERE sealed IS NOT NULL').get() as { n: number }).n).toBe(0);
  });

  it("every query is recorded as 'voter-roll.search' with the length of the search, never its text", async () => {
    const before = (await collect()).filter((event) => event.type === 'StaffActionRecorded').length;
    await page({ search: 'Kosciusko', status: ['SUBMITTED'] });
    const events = (await collect()).filter((event) => event.type === 'StaffActionRecorded');
    expect(events).toHaveLength(before + 1);
    const recorded = events.at(-1)!;
    expect(recorded.data).toMatchObject({ action: 'voter-roll.search', subject: E, role: 'operator', details: { searchLength: 9, statuses: 'submitted', paged: false, returned: 1 } });
    expect(JSON.stringify(recorded.data).toLowerCase()).not.toContain('kosciusko');
    const all = (await collect()).filter((event) => event.type === 'StaffActionRecorded' && (event.data as { action: string }).action === 'voter-roll.search');
    expect(all.length).toBeGreaterThan(30);
    expect(all.some((event) => (event.data as { role: string }).role === 'council')).toBe(true);
  });
});
