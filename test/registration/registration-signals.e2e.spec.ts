import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { DISPOSABLE_EMAIL_DOMAINS } from '../../src/domain/registration/registration.rules.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { SmtpTestServer } from '../notifications/support/smtp-test-server.js';
import { graphql } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';
import { SmsTestGateway } from './support/sms-test-gateway.js';
import { startRegistrationServer } from './support/registration-server.js';

/*
 * The fraud signals of issue 3 over real HTTP: disposable e-mail domain, network burst (every
 * request of this test comes from the loopback address, i.e. one network) and a reused payment
 * fingerprint. Each flagged registration must show in the council's review queue with its reason.
 */

const E = 'paris-2013';
const SMS_TOKEN = 'sms-gateway-token-signals';
const DISPOSABLE = 'yopmail.com';

const ROLL = [
  'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
  'Martin;Sophie;1980-02-11;5 rue des Écoles;5;5-01;75105000001',
  "N'Diaye;Élodie;1985-11-30;3 boulevard de Belleville;20;20-11;75120000002",
  'Lefèvre;Jean-Pierre;1962-07-04;18 avenue Parmentier;11;11-04;75111000003',
  'Moreau;Claire;1990-01-20;2 place d’Italie;13;13-02;75113000004',
  'Garnier;Luc;1975-09-09;40 rue de Vaugirard;15;15-07;75115000005',
  'Rousseau;Anne;1968-03-15;9 rue Oberkampf;11;11-02;75111000006',
  'Fontaine;Paul;1971-12-01;1 quai Voltaire;7;7-01;75107000007',
];

const SUBMIT = `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status } }`;
const QUEUE = `query ($e: String!) { registrationReviewQueue(electionId: $e) { registrationId status reasons signals { kind count limit } } }`;
const THRESHOLDS = `mutation ($input: RegistrationThresholdsInput!) { setRegistrationThresholds(input: $input) }`;

type Submitted = { registrationId: string; status: string };
type QueuedFile = { registrationId: string; status: string; reasons: string[]; signals: Array<{ kind: string; count: number; limit: number }> };

describe('registration fraud signals over GraphQL (real HTTP, SMTP, SMS gateway, SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let store: EventStore;
  let smtp: SmtpTestServer;
  let sms: SmsTestGateway;
  let council: string;
  const clock = new ManualClock('2013-05-10T09:00:00.000Z');

  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphql<T>(server.graphqlUrl, query, { variables, ...(token === undefined ? {} : { token }) });

  async function submitted(lastName: string, firstNames: string, birthDate: string, email: string, phone: string, extra: Record<string, unknown> = {}): Promise<Submitted> {
    const response = await gql<{ submitRegistration: Submitted }>(SUBMIT, { input: { electionId: E, lastName, firstNames, birthDate, postalAddress: 'Paris', email, phone, ...extra } });
    expect(response.errors).toBeUndefined();
    return response.data!.submitRegistration;
  }

  async function queue(): Promise<QueuedFile[]> {
    const response = await gql<{ registrationReviewQueue: QueuedFile[] }>(QUEUE, { e: E }, council);
    expect(response.errors).toBeUndefined();
    return response.data!.registrationReviewQueue;
  }

  const thresholds = (values: { maxPerEmail?: number; maxPerPhone?: number; maxPerPaymentFingerprint?: number; maxPerNetworkPerHour?: number }) =>
    gql(THRESHOLDS, { input: { electionId: E, maxPerEmail: 2, maxPerPhone: 2, maxPerPaymentFingerprint: 3, maxPerNetworkPerHour: 20, ...values } }, council);

  async function flaggedEvents(registrationId: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) if (event.stream === `registration-${registrationId}` && event.type === 'RegistrationFlagged') events.push(event);
    return events;
  }

  beforeAll(async () => {
    ({ dir, smtp, sms, server } = await startRegistrationServer({ prefix: 'urne-registration-signals-', smsToken: SMS_TOKEN, clock, logLevel: 'warn' }));
    const app = server.app;
    store = app.get<EventStore>(EVENT_STORE);

    const roll = join(dir, 'roll.csv');
    writeFileSync(roll, `${ROLL.join('\n')}\n`);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition((await store.headPosition())!);

    clock.set('2013-04-15T10:00:00.000Z');
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    await app.get(CommandBus).execute(new DeclareElectionCommand({ ...paris2013, electionId: E }, 'declare-paris-2013', 'system:test'));
    clock.set('2013-05-10T09:00:00.000Z');
    council = await staffToken(app, await createStaffAccount(app, 'council.signals', 'council'));
  });

  afterAll(async () => {
    await server?.app.close();
    await smtp?.close();
    await sms?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a disposable e-mail domain is flagged 'disposable-email' and waits in the council's queue", async () => {
    expect(DISPOSABLE_EMAIL_DOMAINS.has(DISPOSABLE)).toBe(true);
    expect(await queue()).toEqual([]);
    const sophie = await submitted('Martin', 'Sophie', '1980-02-11', `sophie.m@${DISPOSABLE.toUpperCase()}`, '0611111111');
    expect(sophie.status).toBe('in-review');
    // Nothing else is wrong with it: the only reason is the domain.
    expect(await queue()).toEqual([{ registrationId: sophie.registrationId, status: 'in-review', reasons: ['disposable-email'], signals: expect.any(Array) }]);
    const [flagged] = await flaggedEvents(sophie.registrationId);
    expect(flagged).toBeDefined();
    expect(JSON.stringify(flagged!.data)).toContain('disposable-email');

    // A control: an ordinary domain is not flagged.
    const elodie = await submitted("N'Diaye", 'Élodie', '1985-11-30', 'elodie@example.org', '0622222222');
    expect(elodie.status).toBe('awaiting-confirmation');
    expect((await queue()).map((file) => file.registrationId)).toEqual([sophie.registrationId]);
  });

  it("with the council's per-network limit lowered to 1, a second registration from the same address is flagged 'network-burst'", async () => {
    clock.advance(2 * 60 * 60_000); // the earlier submissions leave the one-hour window
    expect((await thresholds({ maxPerNetworkPerHour: 1 })).errors).toBeUndefined();
    const first = await submitted('Lefèvre', 'Jean-Pierre', '1962-07-04', 'jp@example.org', '0633333333');
    expect(first.status).toBe('awaiting-confirmation');
    clock.advance(60_000);
    const second = await submitted('Moreau', 'Claire', '1990-01-20', 'claire@example.org', '0644444444');
    expect(second.status).toBe('in-review');
    const queued = (await queue()).find((file) => file.registrationId === second.registrationId);
    expect(queued).toMatchObject({ status: 'in-review', reasons: ['network-burst'] });
    expect(queued!.signals).toContainEqual({ kind: 'network-burst', count: 2, limit: 1 });
    expect((await queue()).map((file) => file.registrationId)).not.toContain(first.registrationId);
    expect(await flaggedEvents(second.registrationId)).toHaveLength(1);
  });

  it("a payment fingerprint used beyond its threshold is flagged 'payment-reused'", async () => {
    clock.advance(2 * 60 * 60_000);
    expect((await thresholds({ maxPerPaymentFingerprint: 2, maxPerNetworkPerHour: 1000 })).errors).toBeUndefined();
    const card = { paymentFingerprint: 'card-fp-4970-0000-shared' };
    const luc = await submitted('Garnier', 'Luc', '1975-09-09', 'luc@example.org', '0655555555', card);
    const anne = await submitted('Rousseau', 'Anne', '1968-03-15', 'anne@example.org', '0666666666', card);
    expect([luc.status, anne.status]).toEqual(['awaiting-confirmation', 'awaiting-confirmation']);
    const paul = await submitted('Fontaine', 'Paul', '1971-12-01', 'paul@example.org', '0677777777', { paymentFingerprint: ' card-fp-4970-0000-shared ' });
    expect(paul.status).toBe('in-review');
    const queued = (await queue()).find((file) => file.registrationId === paul.registrationId);
    expect(queued).toMatchObject({ status: 'in-review', reasons: ['payment-reused'] });
    expect(queued!.signals).toContainEqual({ kind: 'payment-reused', count: 3, limit: 2 });
    const ids = (await queue()).map((file) => file.registrationId);
    expect(ids).not.toContain(luc.registrationId);
    expect(ids).not.toContain(anne.registrationId);

    // The fingerprint is only blind-indexed: it is nowhere in the event store in clear.
    const all: RecordedEvent[] = [];
    for await (const event of store.readAll()) all.push(event);
    expect(JSON.stringify(all.map((event) => event.data))).not.toContain('card-fp-4970');
  });
});
