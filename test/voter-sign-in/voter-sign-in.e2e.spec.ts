import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ForgetSubjectCommand } from '../../src/application/personal-data/forget-subject/forget-subject.command.js';
import { isSignedInToVote } from '../../src/application/voter-sign-in/voting-session.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import type { SmtpTestServer } from '../notifications/support/smtp-test-server.js';
import { startRegistrationServer } from '../registration/support/registration-server.js';
import type { SmsTestGateway } from '../registration/support/sms-test-gateway.js';
import { codesOf, graphql, type GraphqlResponse } from '../support/graphql-client.js';

const E = 'paris-2013';
const SMS_TOKEN = 'sms-gateway-token-not-for-logs';
const ROLL = [
  'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
  'Martin;Sophie;1980-02-11;5 rue des Écoles;5;5-01;75105000001',
  'Rousseau;Anne;1968-03-15;9 rue Oberkampf;11;11-02;75111000006',
  'Garnier;Luc;1975-09-09;40 rue de Vaugirard;15;15-07;75115000005',
  'Fontaine;Paul;1971-12-01;1 quai Voltaire;7;7-01;75107000007',
  'Bernard;Hugo;1988-08-08;4 rue de Rome;8;8-01;75108000008',
  'Bernard;Léa;1989-04-04;4 rue de Rome;8;8-01;75108000009',
];

const SUBMIT = `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status voterToken } }`;
const CONFIRM = (channel: 'Email' | 'Phone') => `mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistration${channel}(input: $input) { registrationId status } }`;
const REQUEST = `mutation ($input: RequestVotingCodeInput!) { requestVotingCode(input: $input) }`;
const SIGN_IN = `mutation ($input: SignInToVoteInput!) { signInToVote(input: $input) { token expiresAt } }`;
const ME = `query { me { kind actorId registrationId } }`;
const STATUS = `query { registrationStatus { registrationId status } }`;
const TEMPLATE = 'voting-sign-in-code';

interface Voter {
  registrationId: string;
  voterToken: string;
  email: string;
  phone: string;
}

describe('voters sign in to vote: e-mail address + SMS code (real HTTP, SMTP, SMS gateway, SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let store: EventStore;
  let smtp: SmtpTestServer;
  let sms: SmsTestGateway;
  const logs: string[] = [];
  /** Every code and token we saw: none may appear in the log or in a log line. */
  const secretsSeen: string[] = [];
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  let sophie: Voter;
  let anne: Voter;
  let luc: Voter;
  let paul: Voter;
  let hugo: Voter;
  let lea: Voter;

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphql<T>(server.graphqlUrl, query, { variables, ...(token === undefined ? {} : { token }) });
  const requestCode = (email: string) => gql<{ requestVotingCode: boolean }>(REQUEST, { input: { electionId: E, email } });
  const signIn = (email: string, code: string) => gql<{ signInToVote: { token: string; expiresAt: string } }>(SIGN_IN, { input: { electionId: E, email, code } });

  async function emailCode(to: string, nth = 1): Promise<string> {
    for (;;) {
      const mail = smtp.received.filter((message) => message.rcptTo.includes(to))[nth - 1];
      if (mail) {
        const code = /code : (\d{6,8})/.exec(mail.parsed.text ?? '')![1]!;
        secretsSeen.push(code);
        return code;
      }
      await smtp.waitForMessages(smtp.received.length + 1);
    }
  }

  async function smsCode(to: string, nth: number): Promise<string> {
    const message = await sms.message(to, nth);
    const code = /: (\d{6,8})/.exec(message.text)![1]!;
    secretsSeen.push(code);
    return code;
  }

  /** Registers (and confirms, unless told otherwise) a person of the roll over GraphQL. */
  async function register(lastName: string, firstNames: string, birthDate: string, email: string, phone: string, confirmPhone = true, nthEmail = 1): Promise<Voter> {
    const submitted = await gql<{ submitRegistration: { registrationId: string; voterToken: string } }>(SUBMIT, {
      input: { electionId: E, lastName, firstNames, birthDate, postalAddress: 'Paris', email, phone },
    });
    expect(submitted.errors).toBeUndefined();
    const { registrationId, voterToken } = submitted.data!.submitRegistration;
    expect((await gql(CONFIRM('Email'), { input: { registrationId, code: await emailCode(email, nthEmail) } })).errors).toBeUndefined();
    if (confirmPhone) {
      const confirmed = await gql<Record<string, { status: string }>>(CONFIRM('Phone'), { input: { registrationId, code: await smsCode(phone, 1) } });
      expect(confirmed.data?.confirmRegistrationPhone?.status).toBe('approved');
    }
    return { registrationId, voterToken, email, phone };
  }

  async function collect(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  }

  /** The voting-code SMS requested so far, by subject. */
  const votingCodeRequests = async () =>
    (await collect()).filter((event) => event.type === 'NotificationRequested' && (event.data as { template: string }).template === TEMPLATE).map((event) => (event.data as { subject: string }).subject);

  beforeAll(async () => {
    ({ dir, smtp, sms, server } = await startRegistrationServer({ prefix: 'urne-voter-sign-in-', smsToken: SMS_TOKEN, clock, logLevel: 'debug', log: (line) => logs.push(line) }));
    const app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    const roll = join(dir, 'roll.csv');
    writeFileSync(roll, `${ROLL.join('\n')}\n`);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    let rollHead = 0n;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'eventType', prefixes: ['ElectoralRoll'] } })) rollHead = event.position;
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition(rollHead);
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    await app.get(CommandBus).execute(new DeclareElectionCommand({ ...paris2013, electionId: E }, 'declare-paris-2013', 'system:test'));

    clock.set('2013-05-10T09:00:00.000Z');
    sophie = await register('Martin', 'Sophie', '1980-02-11', 'sophie.martin@example.org', '+33611223344');
    anne = await register('Rousseau', 'Anne', '1968-03-15', 'anne.r@example.org', '+33612121212');
    luc = await register('Garnier', 'Luc', '1975-09-09', 'luc@example.org', '+33655555555', false); // phone never confirmed: pending
    paul = await register('Fontaine', 'Paul', '1971-12-01', 'paul@example.org', '+33656565656');
    // One e-mail address for two people (allowed: 2 per address by default), each with their phone.
    hugo = await register('Bernard', 'Hugo', '1988-08-08', 'famille.bernard@example.org', '+33688888888');
    lea = await register('Bernard', 'Léa', '1989-04-04', 'famille.bernard@example.org', '+33689898989', true, 2);
    const cancelled = await gql<{ cancelRegistration: { status: string } }>(`mutation { cancelRegistration { status } }`, {}, paul.voterToken);
    expect(cancelled.data?.cancelRegistration.status).toBe('cancelled');
  });

  afterAll(async () => {
    await server?.app.close();
    await smtp?.close();
    await sms?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('before the vote opens, neither a code nor a sign-in: VotingNotYetOpen', async () => {
    expect(codesOf(await requestCode(sophie.email))).toEqual(['VotingNotYetOpen']);
    expect(codesOf(await signIn(sophie.email, '123456'))).toEqual(['VotingNotYetOpen']);
  });

  it('an approved voter asks for a code, receives it by SMS, signs in, and the token makes them a voter (30 minutes)', async () => {
    clock.set('2013-05-31T07:00:00.000Z'); // 09:00 in Paris: voting is open
    expect(await requestCode('  Sophie.Martin@EXAMPLE.org ')).toEqual({ data: { requestVotingCode: true } });
    const code = await smsCode(sophie.phone, 2);
    expect((await sms.message(sophie.phone, 2)).text).toMatch(/^Code pour voter : \d{6} \(valable 10 minutes\)/);

    const signed = await signIn(sophie.email, code);
    expect(signed.errors).toBeUndefined();
    const { token, expiresAt } = signed.data!.signInToVote;
    secretsSeen.push(token);
    expect(Date.parse(expiresAt) - clock.now().getTime()).toBe(30 * 60_000);

    expect((await gql(ME, {}, token)).data).toEqual({ me: { kind: 'voter', actorId: `voter:${sophie.registrationId}`, registrationId: sophie.registrationId } });
    expect((await gql(STATUS, {}, token)).data).toEqual({ registrationStatus: { registrationId: sophie.registrationId, status: 'approved' } });
    // A code works once.
    expect(codesOf(await signIn(sophie.email, code))).toEqual(['InvalidCode']);

    const audit = (await collect()).filter((event) => event.stream === `votersignin-${sophie.registrationId}`);
    expect(audit.map((event) => event.type)).toEqual(['VoterSignedIn']);
    expect(audit[0]!.data).toEqual({ registrationId: sophie.registrationId, electionId: E, sessionId: expect.any(String), expiresAt, at: '2013-05-31T07:00:00.000Z' });
    expect(audit[0]!.metadata.actor).toBe(`voter:${sophie.registrationId}`);
    expect(await votingCodeRequests()).toEqual([`registration-${sophie.registrationId}`]);

    // The vote slices can tell this session (two factors) from the one submitRegistration gave.
    const sessionId = (audit[0]!.data as { sessionId: string }).sessionId;
    const signedInToVote = (id: string | null) => isSignedInToVote(store, { registrationId: sophie.registrationId, electionId: E, sessionId: id, now: clock.now() });
    expect([await signedInToVote(sessionId), await signedInToVote(null), await signedInToVote('00000000-0000-4000-8000-000000000000')]).toEqual([true, false, false]);

    // The session is short: after 30 minutes the token is refused.
    clock.advance(30 * 60_000);
    expect(await signedInToVote(sessionId)).toBe(false);
    expect((await gql(ME, {}, token)).data).toEqual({ me: { kind: 'anonymous', actorId: 'anonymous', registrationId: null } });
    expect(codesOf(await gql(STATUS, {}, token))).toEqual(['UNAUTHENTICATED']);
  });

  it('an unknown address, a pending and a cancelled registration get the same answer, and no SMS', async () => {
    const smsBefore = sms.received.length;
    for (const email of ['nobody@example.org', luc.email, paul.email]) expect(await requestCode(email)).toEqual({ data: { requestVotingCode: true } });
    // Look-ups are handled in order: once Anne's code has arrived, the three before it were handled.
    expect(await requestCode(anne.email)).toEqual({ data: { requestVotingCode: true } });
    await smsCode(anne.phone, 2);
    expect(sms.received.slice(smsBefore).map((message) => message.to)).toEqual([anne.phone]);
    expect(await votingCodeRequests()).toEqual([`registration-${sophie.registrationId}`, `registration-${anne.registrationId}`]);
  });

  it('a wrong code: InvalidCode, the same answer as an unknown address; after 5 wrong codes the right one no longer works', async () => {
    const right = secretsSeen.at(-1)!; // Anne's code, from the test above
    const wrong = right === '000000' ? '111111' : '000000';
    const unknown = await signIn('nobody@example.org', wrong);
    expect(codesOf(unknown)).toEqual(['InvalidCode']);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await signIn(anne.email, wrong);
      expect(answer).toEqual(unknown);
    }
    expect(await signIn(anne.email, right)).toEqual(unknown);

    // A new code works.
    expect((await requestCode(anne.email)).data).toEqual({ requestVotingCode: true });
    const fresh = await signIn(anne.email, await smsCode(anne.phone, 3));
    expect(fresh.errors).toBeUndefined();
    secretsSeen.push(fresh.data!.signInToVote.token);
    expect((await gql<{ me: unknown }>(ME, {}, fresh.data!.signInToVote.token)).data?.me).toMatchObject({ kind: 'voter', registrationId: anne.registrationId });
  });

  it('two people sharing an e-mail address: each phone gets its own code, which signs in its own registration', async () => {
    expect((await requestCode('famille.bernard@example.org')).data).toEqual({ requestVotingCode: true });
    const [hugoCode, leaCode] = [await smsCode(hugo.phone, 2), await smsCode(lea.phone, 2)];
    const asLea = await signIn('famille.bernard@example.org', leaCode);
    const asHugo = await signIn('famille.bernard@example.org', hugoCode);
    secretsSeen.push(asLea.data!.signInToVote.token, asHugo.data!.signInToVote.token);
    expect((await gql<{ me: { registrationId: string } }>(ME, {}, asLea.data!.signInToVote.token)).data?.me.registrationId).toBe(lea.registrationId);
    expect((await gql<{ me: { registrationId: string } }>(ME, {}, asHugo.data!.signInToVote.token)).data?.me.registrationId).toBe(hugo.registrationId);
  });

  it('an erased person gets no code any more (the other person of the address still does)', async () => {
    await server.app.get(CommandBus).execute(ForgetSubjectCommand.from({ subject: `registration-${hugo.registrationId}`, reason: 'asked to be forgotten' }, 'system:test'));
    expect((await requestCode('famille.bernard@example.org')).data).toEqual({ requestVotingCode: true });
    await smsCode(lea.phone, 3);
    expect(sms.received.filter((message) => message.to === hugo.phone)).toHaveLength(2);
    expect((await votingCodeRequests()).filter((subject) => subject === `registration-${hugo.registrationId}`)).toHaveLength(1);
  });

  it('a code expires after 10 minutes', async () => {
    expect((await requestCode(sophie.email)).data).toEqual({ requestVotingCode: true });
    const code = await smsCode(sophie.phone, 3);
    clock.advance(10 * 60_000);
    expect(codesOf(await signIn(sophie.email, code))).toEqual(['InvalidCode']);
  });

  it('requests are rate limited per e-mail address, whether it is a voter’s or not', async () => {
    for (let n = 1; n <= 5; n++) expect(await requestCode('ghost@example.org')).toEqual({ data: { requestVotingCode: true } });
    expect(codesOf(await requestCode('ghost@example.org'))).toEqual(['RATE_LIMITED']);
    expect(codesOf(await requestCode('GHOST@example.org '))).toEqual(['RATE_LIMITED']);
    expect((await requestCode('someone.else@example.org')).data).toEqual({ requestVotingCode: true });
  });

  it('after the vote closes: VotingClosed', async () => {
    clock.set('2013-06-03T17:00:00.000Z'); // 19:00 in Paris
    expect(codesOf(await requestCode(sophie.email))).toEqual(['VotingClosed']);
    expect(codesOf(await signIn(sophie.email, '123456'))).toEqual(['VotingClosed']);
  });

  it('no code, token, e-mail address or phone in the event store, nor in any log line', async () => {
    const events = JSON.stringify((await collect()).map((event) => ({ data: event.data, metadata: event.metadata })), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const files = readdirSync(dir).filter((name) => name.startsWith('events.sqlite')).map((name) => readFileSync(join(dir, name)).toString('latin1'));
    const haystacks = [events, ...files, logs.join('\n')];
    const plaintexts = [sophie.email, anne.email, 'famille.bernard@example.org', lea.phone, 'nobody@example.org', 'ghost@example.org', sophie.phone, anne.phone, '0611223344', ...secretsSeen];
    expect(secretsSeen.length).toBeGreaterThan(10);
    expect(logs.some((line) => line.includes('voter signed in to vote'))).toBe(true);
    const found = (haystack: string, value: string) => (/^\d+$/.test(value) ? new RegExp(`(?<!\\d)${value}(?!\\d)`).test(haystack) : haystack.includes(value));
    for (const haystack of haystacks) for (const value of plaintexts) expect({ value, found: found(haystack, value) }).toEqual({ value, found: false });
  });
});

export type { GraphqlResponse };
