import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { SmtpTestServer } from '../notifications/support/smtp-test-server.js';
import { codesOf, graphql, wsClient, type GraphqlResponse } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';
import { SmsTestGateway } from './support/sms-test-gateway.js';
import { startRegistrationServer } from './support/registration-server.js';

const E = 'paris-2013';
const SMS_TOKEN = 'sms-gateway-token-not-for-logs';

/** The public roll: identities anyone could read in 2013. */
const ROLL = [
  'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
  'Martin;Sophie;1980-02-11;5 rue des Écoles;5;5-01;75105000001',
  "N'Diaye;Élodie Marie;1985-11-30;3 boulevard de Belleville;20;20-11;75120000002",
  'Lefèvre;Jean-Pierre;1962-07-04;18 avenue Parmentier;11;11-04;75111000003',
  'Moreau;Claire;1990-01-20;2 place d’Italie;13;13-02;75113000004',
  'Garnier;Luc;1975-09-09;40 rue de Vaugirard;15;15-07;75115000005',
  'Rousseau;Anne;1968-03-15;9 rue Oberkampf;11;11-02;75111000006',
  'Fontaine;Paul;1971-12-01;1 quai Voltaire;7;7-01;75107000007',
  'Bernard;Hugo;1988-08-08;4 rue de Rome;8;8-01;75108000008',
];

const SUBMIT = `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status voterToken sessionExpiresAt } }`;
const CONFIRM_EMAIL = `mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationEmail(input: $input) { registrationId status } }`;
const CONFIRM_PHONE = `mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationPhone(input: $input) { registrationId status } }`;
const STATUS = `query { registrationStatus { registrationId status electionId district emailConfirmed phoneConfirmed rejectionReason } }`;
const FILE_FIELDS = 'registrationId rollEntryId district status lastName firstNames birthDate emailMasked phoneMasked emailConfirmed phoneConfirmed reasons signals { kind count limit } decisionReason';
const QUEUE = `query ($e: String!) { registrationReviewQueue(electionId: $e) { ${FILE_FIELDS} } }`;

type Submitted = { registrationId: string; status: string; voterToken: string };

interface Person {
  lastName: string;
  firstNames: string;
  birthDate: string;
  postalAddress: string;
  email: string;
  phone: string;
}

const person = (lastName: string, firstNames: string, birthDate: string, email: string, phone: string): Person => ({ lastName, firstNames, birthDate, postalAddress: 'Paris', email, phone });

describe('voter registration over GraphQL (real HTTP, SMTP, SMS gateway, SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let store: EventStore;
  let smtp: SmtpTestServer;
  let sms: SmsTestGateway;
  let council: string;
  let operator: string;
  const logs: string[] = [];
  /** Every code we saw in a message: none may appear in the log or in a log line. */
  const codesSeen: string[] = [];
  const clock = new ManualClock('2013-05-10T09:00:00.000Z');

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphql<T>(server.graphqlUrl, query, { variables, ...(token === undefined ? {} : { token }) });

  const submit = (who: Person, extra: Record<string, unknown> = {}) => gql<{ submitRegistration: Submitted }>(SUBMIT, { input: { electionId: E, ...who, ...extra } });

  async function submitted(who: Person): Promise<Submitted> {
    const response = await submit(who);
    expect(response.errors).toBeUndefined();
    return response.data!.submitRegistration;
  }

  /** The code in the `nth` e-mail to `to`. */
  async function emailCode(to: string, nth = 1): Promise<string> {
    for (;;) {
      const mails = smtp.received.filter((mail) => mail.rcptTo.includes(to));
      if (mails.length >= nth) {
        const code = /code : (\d{6,8})/.exec(mails[nth - 1]!.parsed.text ?? '')![1]!;
        codesSeen.push(code);
        return code;
      }
      await smtp.waitForMessages(smtp.received.length + 1);
    }
  }

  async function smsCode(to: string, nth = 1): Promise<string> {
    const message = await sms.message(to, nth);
    const code = /: (\d{6,8})/.exec(message.text)![1]!;
    codesSeen.push(code);
    return code;
  }

  const confirm = (mutation: string, registrationId: string, code: string) => gql<Record<string, { status: string }>>(mutation, { input: { registrationId, code } });

  beforeAll(async () => {
    ({ dir, smtp, sms, server } = await startRegistrationServer({ prefix: 'urne-registration-', smsToken: SMS_TOKEN, clock, logLevel: 'debug', log: (line) => logs.push(line) }));
    const app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    council = await staffToken(app, await createStaffAccount(app, 'council.alice', 'council'));
    operator = await staffToken(app, await createStaffAccount(app, 'operator.bob', 'operator'));

    const roll = join(dir, 'roll.csv');
    writeFileSync(roll, `${ROLL.join('\n')}\n`);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    let rollHead = 0n;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { kind: 'eventType', prefixes: ['ElectoralRoll'] } })) rollHead = event.position;
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition(rollHead);

    clock.set('2013-04-15T10:00:00.000Z');
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    await app.get(CommandBus).execute(new DeclareElectionCommand({ ...paris2013, electionId: E }, 'declare-paris-2013', 'system:test'));
    clock.set('2013-05-10T09:00:00.000Z');
    council = await staffToken(app, { staffId: (await createStaffAccount(app, 'council.carol', 'council')).staffId, username: 'council.carol', role: 'council' });
  });

  afterAll(async () => {
    await server?.app.close();
    await smtp?.close();
    await sms?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('happy path: submit, a code arrives by e-mail and one by SMS, both confirmed, approved', async () => {
    const sophie = person('MARTIN', 'sophie', '11/02/1980', 'Sophie.Martin@example.org', '06 11 22 33 44');
    const registration = await submitted(sophie);
    expect(registration).toMatchObject({ status: 'awaiting-confirmation' });

    const mailCode = await emailCode('sophie.martin@example.org');
    const textCode = await smsCode('+33611223344');

    const wrong = await confirm(CONFIRM_EMAIL, registration.registrationId, mailCode === '000000' ? '111111' : '000000');
    expect(codesOf(wrong)).toEqual(['WrongCode']);

    expect((await confirm(CONFIRM_EMAIL, registration.registrationId, mailCode)).data).toEqual({
      confirmRegistrationEmail: { registrationId: registration.registrationId, status: 'awaiting-confirmation' },
    });
    // The SMS code does not confirm the e-mail, and a used code does not work twice.
    expect(codesOf(await confirm(CONFIRM_EMAIL, registration.registrationId, mailCode))).toEqual(['NoCodeOutstanding']);
    expect((await confirm(CONFIRM_PHONE, registration.registrationId, textCode)).data).toEqual({
      confirmRegistrationPhone: { registrationId: registration.registrationId, status: 'approved' },
    });

    const status = await gql<{ registrationStatus: Record<string, unknown> }>(STATUS, {}, registration.voterToken);
    expect(status.data?.registrationStatus).toEqual({
      registrationId: registration.registrationId,
      status: 'approved',
      electionId: E,
      district: '5',
      emailConfirmed: true,
      phoneConfirmed: true,
      rejectionReason: null,
    });

    const approved = (await collect()).filter((event) => event.stream === `registration-${registration.registrationId}`);
    expect(approved.map((event) => event.type)).toEqual(['RegistrationSubmitted', 'EmailConfirmed', 'PhoneConfirmed', 'RegistrationApproved']);
    expect(approved.at(-1)!.metadata.actor).toBe('system:registration');
  });

  it('refuses a person not on the roll, a second registration of a roll entry, and malformed contacts', async () => {
    expect(codesOf(await submit(person('Martin', 'Sophie', '1980-02-12', 'x@example.org', '0611223355')))).toEqual(['NotOnTheRoll']);
    expect(codesOf(await submit(person('Dupont', 'Nobody', '1980-02-11', 'x@example.org', '0611223355')))).toEqual(['NotOnTheRoll']);
    const again = await submit(person('Martin', 'Sophie', '1980-02-11', 'other@example.org', '0611223366'));
    expect(codesOf(again)).toEqual(['AlreadyRegistered']);
    expect(JSON.stringify(again)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // the other registration is not revealed
    expect(codesOf(await submit(person('Garnier', 'Luc', '1975-09-09', 'not-an-address', '0611223377')))).toEqual(['InvalidEmail']);
    expect(codesOf(await submit(person('Garnier', 'Luc', '1975-09-09', 'luc@example.org', '12')))).toEqual(['InvalidPhone']);
  });

  it("THE 2013 SCENARIO: a journalist registers three colleagues with his own e-mail and phone; the 2nd and 3rd are flagged, the council sees why and rejects them", async () => {
    expect(codesOf(await gql(`mutation { setRegistrationThresholds(input: { electionId: "${E}", maxPerEmail: 1, maxPerPhone: 1, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 20 }) }`, {}, operator))).toEqual(['FORBIDDEN']);
    const set = await gql(`mutation { setRegistrationThresholds(input: { electionId: "${E}", maxPerEmail: 1, maxPerPhone: 1, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 20 }) }`, {}, council);
    expect(set.errors).toBeUndefined();

    const journalistEmail = 'redaction.enquete@example.net';
    const journalistPhone = '+33 6 99 88 77 66';
    // Correct names and birth dates, read from the public roll; his contact channels every time.
    const first = await submitted(person("N'DIAYE", 'Elodie-Marie', '1985-11-30', journalistEmail, journalistPhone));
    const second = await submitted(person('Lefevre', 'Jean Pierre', '1962-07-04', journalistEmail.toUpperCase(), '0699887766'));
    const third = await submitted(person('moreau', 'CLAIRE', '1990-01-20', ` ${journalistEmail} `, '0033699887766'));
    expect([first.status, second.status, third.status]).toEqual(['awaiting-confirmation', 'in-review', 'in-review']);

    // He controls the channels, so he can confirm them: flagged registrations still wait for the council.
    for (const [index, registration] of [first, second, third].entries()) {
      expect((await confirm(CONFIRM_EMAIL, registration.registrationId, await emailCode(journalistEmail, index + 1))).errors).toBeUndefined();
      expect((await confirm(CONFIRM_PHONE, registration.registrationId, await smsCode('+33699887766', index + 1))).errors).toBeUndefined();
    }
    const statuses = await Promise.all([first, second, third].map(async (r) => (await gql<{ registrationStatus: { status: string } }>(STATUS, {}, r.voterToken)).data!.registrationStatus.status));
    expect(statuses).toEqual(['approved', 'in-review', 'in-review']);

    // The council's queue says why, with the names it needs to judge.
    expect(codesOf(await gql(QUEUE, { e: E }, operator))).toEqual(['FORBIDDEN']);
    expect(codesOf(await gql(QUEUE, { e: E }))).toEqual(['UNAUTHENTICATED']);
    const queue = await gql<{ registrationReviewQueue: Array<Record<string, unknown>> }>(QUEUE, { e: E }, council);
    expect(queue.errors).toBeUndefined();
    expect(queue.data!.registrationReviewQueue).toEqual([
      expect.objectContaining({
        registrationId: second.registrationId,
        lastName: 'Lefevre',
        firstNames: 'Jean Pierre',
        district: '11',
        status: 'in-review',
        reasons: ['email-reused', 'phone-reused'],
        signals: [
          { kind: 'email-reused', count: 2, limit: 1 },
          { kind: 'phone-reused', count: 2, limit: 1 },
          { kind: 'network-burst', count: expect.any(Number), limit: 20 },
        ],
        emailMasked: 'r•••@example.net',
        phoneMasked: '+336•••••66',
        emailConfirmed: true,
        phoneConfirmed: true,
      }),
      expect.objectContaining({
        registrationId: third.registrationId,
        lastName: 'moreau',
        reasons: ['email-reused', 'phone-reused'],
        signals: expect.arrayContaining([{ kind: 'email-reused', count: 3, limit: 1 }, { kind: 'phone-reused', count: 3, limit: 1 }]),
      }),
    ]);

    const REJECT = `mutation ($input: ReviewRegistrationInput!) { rejectRegistration(input: $input) { registrationId status } }`;
    for (const registration of [second, third]) {
      const rejected = await gql<{ rejectRegistration: { status: string } }>(REJECT, { input: { registrationId: registration.registrationId, reason: 'Contact channels shared with another registration; identity not confirmed' } }, council);
      expect(rejected.data?.rejectRegistration.status).toBe('rejected');
    }
    expect((await gql<{ registrationReviewQueue: unknown[] }>(QUEUE, { e: E }, council)).data!.registrationReviewQueue).toEqual([]);
    const seen = await gql<{ registrationStatus: Record<string, unknown> }>(STATUS, {}, second.voterToken);
    expect(seen.data!.registrationStatus).toMatchObject({ status: 'rejected', rejectionReason: 'Contact channels shared with another registration; identity not confirmed' });

    // The real Jean-Pierre Lefèvre can still register, with his own channels: the claim was released.
    const real = await submitted(person('Lefèvre', 'Jean-Pierre', '1962-07-04', 'jp.lefevre@example.com', '0744556677'));
    expect(real.status).toBe('awaiting-confirmation');
  });

  it('operators look up, re-send a code and change a phone after an identity check: each an audited event', async () => {
    const anne = await submitted(person('Rousseau', 'Anne', '1968-03-15', 'anne.r@example.org', '0612121212'));
    await smsCode('+33612121212');
    const LOOKUP = `query ($input: LookupRegistrationInput!) { lookupRegistration(input: $input) { ${FILE_FIELDS} } }`;
    const found = await gql<{ lookupRegistration: Array<Record<string, unknown>> }>(LOOKUP, { input: { registrationId: anne.registrationId } }, operator);
    expect(found.data?.lookupRegistration).toEqual([expect.objectContaining({ lastName: 'Rousseau', firstNames: 'Anne', status: 'awaiting-confirmation', phoneMasked: '+336•••••12' })]);
    const byEntry = await gql<{ lookupRegistration: Array<Record<string, unknown>> }>(LOOKUP, { input: { electionId: E, rollEntryId: found.data!.lookupRegistration[0]!.rollEntryId } }, operator);
    expect(byEntry.data?.lookupRegistration.map((file) => file.registrationId)).toEqual([anne.registrationId]);
    expect(codesOf(await gql(LOOKUP, { input: { registrationId: anne.registrationId } }, anne.voterToken))).toEqual(['FORBIDDEN']);

    const resend = await gql(`mutation ($input: ResendRegistrationCodeInput!) { resendRegistrationCode(input: $input) }`, { input: { registrationId: anne.registrationId, channel: 'sms' } }, operator);
    expect(resend.data).toEqual({ resendRegistrationCode: true });
    const resent = await smsCode('+33612121212', 2);

    const CHANGE = `mutation ($input: ChangeRegistrationPhoneInput!) { changeRegistrationPhone(input: $input) { phoneMasked phoneConfirmed } }`;
    expect(codesOf(await gql(CHANGE, { input: { registrationId: anne.registrationId, phone: '0634343434', identityCheck: 'Anne Rousseau 1968' } }, operator))).toEqual(['BAD_USER_INPUT']);
    const changed = await gql(CHANGE, { input: { registrationId: anne.registrationId, phone: '06 34 34 34 34', identityCheck: 'birth-date+address' } }, operator);
    expect(changed.data).toEqual({ changeRegistrationPhone: { phoneMasked: '+336•••••34', phoneConfirmed: false } });
    // The code sent to the old phone no longer works; the new phone gets its own.
    const newPhoneCode = await smsCode('+33634343434');
    expect(codesOf(await confirm(CONFIRM_PHONE, anne.registrationId, resent === newPhoneCode ? '000000' : resent))).toEqual(['WrongCode']);
    expect((await confirm(CONFIRM_PHONE, anne.registrationId, newPhoneCode)).errors).toBeUndefined();

    const audit = (await collect()).filter((event) => event.type === 'StaffActionRecorded' && (event.data as { subject: string }).subject.includes(anne.registrationId));
    expect(audit.map((event) => [(event.data as { action: string }).action, (event.data as { details: unknown }).details])).toEqual([
      ['registration.lookup', { by: 'registration', found: 1 }],
      ['registration.code-resend', { channel: 'sms' }],
      ['registration.phone-change', { identityCheck: 'birth-date+address' }],
    ]);
    const byEntryAudit = (await collect()).filter((event) => event.type === 'StaffActionRecorded' && (event.data as { action: string; details: { by?: string } }).details.by === 'roll-entry');
    expect(byEntryAudit).toHaveLength(1);
  });

  it('a voter sees only their own registration, cancels it, and the roll entry can be registered again', async () => {
    const luc = await submitted(person('Garnier', 'Luc', '1975-09-09', 'luc.garnier@example.org', '0655555555'));
    const paul = await submitted(person('Fontaine', 'Paul', '1971-12-01', 'paul.f@example.org', '0656565656'));
    expect(codesOf(await gql(`query ($id: String) { registrationStatus(registrationId: $id) { status } }`, { id: paul.registrationId }, luc.voterToken))).toEqual(['NOT_FOUND']);
    expect(codesOf(await gql(`mutation ($id: String) { cancelRegistration(registrationId: $id) { status } }`, { id: paul.registrationId }, luc.voterToken))).toEqual(['NOT_FOUND']);
    expect(codesOf(await gql(STATUS))).toEqual(['UNAUTHENTICATED']);

    const cancelled = await gql<{ cancelRegistration: { status: string } }>(`mutation { cancelRegistration { registrationId status } }`, {}, luc.voterToken);
    expect(cancelled.data?.cancelRegistration.status).toBe('cancelled');
    const code = await emailCode('luc.garnier@example.org');
    expect(codesOf(await confirm(CONFIRM_EMAIL, luc.registrationId, code))).toEqual(['NOT_FOUND']);
    const claim = (await collect()).filter((event) => event.stream.startsWith('rollentry-paris-2013.') && (event.data as { registrationId: string }).registrationId === luc.registrationId);
    expect(claim.map((event) => [event.type, event.revision])).toEqual([['RegistrationClaimed', 0n], ['RegistrationClaimReleased', 1n]]);

    const again = await submitted(person('Garnier', 'Luc', '1975-09-09', 'luc.garnier@example.org', '0655555555'));
    expect(again.registrationId).not.toBe(luc.registrationId);
    const reclaimed = (await collect()).filter((event) => event.stream === claim[0]!.stream);
    expect(reclaimed.map((event) => [event.type, event.revision])).toEqual([['RegistrationClaimed', 0n], ['RegistrationClaimReleased', 1n], ['RegistrationClaimed', 2n]]);
  });

  it('live registration counters over graphql-ws: the counts at once, then after each change', async () => {
    const client = wsClient(server.graphqlUrl);
    const iterator = client.iterate<{ registrationCountsChanged: Array<{ district: string; submitted: number }> }>({
      query: `subscription { registrationCountsChanged(electionId: "${E}") { district day submitted approved } }`,
    });
    try {
      const first = await iterator.next();
      const submittedIn = (value: unknown, district: string) =>
        ((value as { data: { registrationCountsChanged: Array<{ district: string; submitted: number }> } }).data.registrationCountsChanged.find((row) => row.district === district)?.submitted ?? 0);
      expect(submittedIn(first.value, '5')).toBe(1);
      expect(submittedIn(first.value, '8')).toBe(0);
      const hugo = person('Bernard', 'Hugo', '1988-08-08', 'hugo.b@example.org', '0688888888');
      const once = await submit(hugo, { commandId: 'hugo-form-1' });
      // A retried submission (same idempotency key) is the same registration, not AlreadyRegistered.
      const twice = await submit(hugo, { commandId: 'hugo-form-1' });
      expect(twice.data?.submitRegistration.registrationId).toBe(once.data?.submitRegistration.registrationId);
      expect(codesOf(await submit(hugo, { commandId: 'hugo-form-2' }))).toEqual(['AlreadyRegistered']);
      const hugoId = once.data!.submitRegistration.registrationId;
      const hugoEvents = await collect();
      expect(hugoEvents.filter((event) => event.stream === `registration-${hugoId}`).map((event) => event.type)).toEqual(['RegistrationSubmitted']);
      expect(hugoEvents.filter((event) => event.type === 'NotificationRequested' && (event.data as { subject: string }).subject === `registration-${hugoId}`)).toHaveLength(2);
      let next = await iterator.next();
      while (submittedIn(next.value, '8') < 1) next = await iterator.next();
      expect(submittedIn(next.value, '8')).toBe(1);
      expect(submittedIn(next.value, '5')).toBe(1);
    } finally {
      await iterator.return?.();
      await client.dispose();
    }
  });

  it('codes expire; after the deadline nobody registers or confirms; public counters by district and day', async () => {
    const claire = await submitted(person('Moreau', 'Claire', '1990-01-20', 'claire@example.org', '0677777777'));
    // (Claire's identity was released by the council's rejection above.)
    const code = await emailCode('claire@example.org');
    clock.advance(11 * 60_000);
    expect(codesOf(await confirm(CONFIRM_EMAIL, claire.registrationId, code))).toEqual(['CodeExpired']);

    const counts = await gql<{ registrationCounts: Array<Record<string, unknown>> }>(`query { registrationCounts(electionId: "${E}") { district day submitted approved rejected cancelled } }`);
    expect(counts.errors).toBeUndefined();
    expect(counts.data!.registrationCounts).toContainEqual({ district: '5', day: '2013-05-10', submitted: 1, approved: 1, rejected: 0, cancelled: 0 });

    clock.set('2013-05-28T17:00:01.000Z'); // 19:00:01 in Paris
    const smsCodeNow = await smsCode('+33677777777');
    expect(codesOf(await confirm(CONFIRM_PHONE, claire.registrationId, smsCodeNow))).toEqual(['RegistrationClosed']);
    expect(codesOf(await submit(person('Martin', 'Sophie', '1980-02-11', 's@example.org', '0611223344')))).toEqual(['RegistrationClosed']);
  });

  it('no plaintext e-mail, phone, name, birth date or code in the event store, nor in any log line', async () => {
    const events = JSON.stringify((await collect()).map((event) => ({ data: event.data, metadata: event.metadata })), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const files = readdirSync(dir).filter((name) => name.startsWith('events.sqlite')).map((name) => readFileSync(join(dir, name)).toString('latin1'));
    const haystacks = [events, ...files, logs.join('\n')];
    const plaintexts = [
      'sophie.martin@example.org', 'redaction.enquete@example.net', 'anne.r@example.org', 'luc.garnier@example.org',
      '+33611223344', '0611223344', '+33699887766', '0699887766', '+33612121212', '+33634343434',
      'Lefevre', 'Lefèvre', 'Rousseau', 'Garnier', 'Fontaine', 'Elodie', '1985-11-30', '1962-07-04', '1968-03-15',
      ...codesSeen,
    ];
    expect(codesSeen.length).toBeGreaterThan(8);
    expect(logs.length).toBeGreaterThan(0);
    const found = (haystack: string, value: string) => (/^\d+$/.test(value) ? new RegExp(`(?<!\\d)${value}(?!\\d)`).test(haystack) : haystack.includes(value));
    for (const haystack of haystacks) for (const value of plaintexts) expect({ value, found: found(haystack, value) }).toEqual({ value, found: false });
  });

  async function collect(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  }
});

export type { GraphqlResponse };
