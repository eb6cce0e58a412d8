import { expect } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertifyCandidateCommand } from '../../../src/application/candidacy/certify-candidate/certify-candidate.command.js';
import { DeclareCandidateCommand } from '../../../src/application/candidacy/declare-candidate/declare-candidate.command.js';
import { SetBallotOrderCommand } from '../../../src/application/candidacy/set-ballot-order/set-ballot-order.command.js';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import type { StaffRole } from '../../../src/domain/staff/staff-role.js';
import type { EventStore, RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../../src/main.js';
import { ProjectionsService } from '../../../src/projections/projections.service.js';
import type { SmtpTestServer } from '../../notifications/support/smtp-test-server.js';
import { startRegistrationServer } from '../../registration/support/registration-server.js';
import type { SmsTestGateway } from '../../registration/support/sms-test-gateway.js';
import { graphql } from '../../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../../support/staff-sessions.js';

export const E = 'paris-2013';
const ROLL_HEADER = 'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant';

export interface Person {
  lastName: string;
  firstNames: string;
  birthDate: string;
  district: number;
  email: string;
  phone: string;
}

export const PEOPLE: Person[] = [
  { lastName: 'Martin', firstNames: 'Sophie', birthDate: '1980-02-11', district: 5, email: 'sophie@example.org', phone: '+33611223344' },
  { lastName: 'Rousseau', firstNames: 'Anne', birthDate: '1968-03-15', district: 11, email: 'anne@example.org', phone: '+33612121212' },
  { lastName: 'Garnier', firstNames: 'Luc', birthDate: '1975-09-09', district: 15, email: 'luc@example.org', phone: '+33655555555' },
  { lastName: 'Fontaine', firstNames: 'Paul', birthDate: '1971-12-01', district: 7, email: 'paul@example.org', phone: '+33656565656' },
];

export const CANDIDATES = [
  ['nkm', 'Nathalie Kosciusko-Morizet'],
  ['pierre', 'Pierre-Yves Bournazel'],
  ['jean', 'Jean-François Legaret'],
] as const;

export interface Voter {
  registrationId: string;
  registrationToken: string;
  email: string;
  phone: string;
  accessCode?: string;
  token?: string;
}

type Token = string | (() => Promise<string>);

/**
 * The application as the vote suites need it: a real server (HTTP GraphQL, SQLite, SMTP server
 * and SMS gateway on loopback) on a manual clock, the Paris 2013 election with three certified
 * candidates in ballot order, registered voters, and staff accounts. Everything a voter or a staff
 * member does goes through GraphQL; only the set-up before registration uses the command bus.
 */
export class VoteFixture {
  readonly clock = new ManualClock('2013-04-15T10:00:00.000Z');
  readonly logs: string[] = [];
  readonly voters: Voter[] = [];
  dir!: string;
  server!: RunningServer;
  store!: EventStore;
  smtp!: SmtpTestServer;
  sms!: SmsTestGateway;
  private readonly accounts = new Map<string, { staffId: string; username: string; role: StaffRole }>();

  async start(election: Partial<DeclareElectionInput> = {}, people: readonly Person[] = PEOPLE): Promise<this> {
    ({ dir: this.dir, smtp: this.smtp, sms: this.sms, server: this.server } = await startRegistrationServer({
      prefix: 'urne-vote-',
      smsToken: 'sms-token-vote',
      clock: this.clock,
      logLevel: 'debug',
      log: (line) => this.logs.push(line),
    }));
    const app = this.server.app;
    this.store = app.get<EventStore>(EVENT_STORE);
    const roll = join(this.dir, 'roll.csv');
    const rows = people.map((p, i) => `${p.lastName};${p.firstNames};${p.birthDate};1 rue de Paris;${p.district};${p.district}-01;7510${String(i).padStart(7, '0')}`);
    writeFileSync(roll, `${[ROLL_HEADER, ...rows].join('\n')}\n`);
    await new ElectoralRollImporter(this.store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition((await this.store.headPosition())!);
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    const bus = app.get(CommandBus);
    await bus.execute(new DeclareElectionCommand({ ...paris2013, electionId: E, sponsorship: [], ...election } as DeclareElectionInput, 'declare', 'system:test'));
    for (const [candidateId, name] of CANDIDATES) {
      await bus.execute(new DeclareCandidateCommand({ electionId: E, candidateId, name }, `declare-${candidateId}`, 'system:test'));
      await bus.execute(new CertifyCandidateCommand({ electionId: E, candidateId }, `certify-${candidateId}`, 'system:test'));
    }
    await bus.execute(new SetBallotOrderCommand({ electionId: E, candidateIds: CANDIDATES.map(([id]) => id), reason: 'public draw' }, 'order', 'system:test'));
    this.clock.set('2013-05-10T09:00:00.000Z');
    for (const person of people) this.voters.push(await this.register(person));
    for (const [username, role] of [['conseil', 'council'], ['detenteur', 'trustee'], ['operateur', 'operator']] as const) {
      this.accounts.set(username, await createStaffAccount(app, username, role));
    }
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.app.close();
    await this.smtp?.close();
    await this.sms?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: Token) {
    const bearer = typeof token === 'function' ? await token() : token;
    return graphql<T>(this.server.graphqlUrl, query, { variables, ...(bearer === undefined ? {} : { token: bearer }) });
  }

  /** A fresh session for a staff account (sessions expire as the manual clock moves). */
  staff(username: string): () => Promise<string> {
    return async () => staffToken(this.server.app, this.accounts.get(username) ?? (await this.addStaff(username, 'trustee')));
  }

  async addStaff(username: string, role: StaffRole) {
    const account = await createStaffAccount(this.server.app, username, role);
    this.accounts.set(username, account);
    return account;
  }

  get council() {
    return this.staff('conseil');
  }

  account(username: string) {
    return this.accounts.get(username)!;
  }

  async all(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readAll()) events.push(event);
    return events;
  }

  async mailTo(to: string, subject: RegExp, nth = 1): Promise<string> {
    for (;;) {
      const mail = this.smtp.received.filter((message) => message.rcptTo.includes(to) && subject.test(message.parsed.subject ?? ''))[nth - 1];
      if (mail) return mail.parsed.text ?? '';
      await this.smtp.waitForMessages(this.smtp.received.length + 1);
    }
  }

  /** The access codes e-mailed to a voter so far, oldest first, once there are at least `count`. */
  async accessCodes(voter: Voter, count: number): Promise<string[]> {
    await this.mailTo(voter.email, /code d'accès/, count);
    return this.smtp.received
      .filter((m) => m.rcptTo.includes(voter.email) && /code d'accès/.test(m.parsed.subject ?? ''))
      .map((m) => /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4})/.exec(m.parsed.text ?? '')![1]!);
  }

  async register(person: Person): Promise<Voter> {
    const submitted = await this.gql<{ submitRegistration: { registrationId: string; voterToken: string } }>(
      `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId voterToken } }`,
      { input: { electionId: E, lastName: person.lastName, firstNames: person.firstNames, birthDate: person.birthDate, postalAddress: 'Paris', email: person.email, phone: person.phone } },
    );
    const { registrationId, voterToken } = submitted.data!.submitRegistration;
    const emailCode = /code : (\d{6,8})/.exec(await this.mailTo(person.email, /Confirmez/))![1]!;
    await this.gql(`mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationEmail(input: $input) { status } }`, { input: { registrationId, code: emailCode } });
    const smsCode = /: (\d{6,8})/.exec((await this.sms.message(person.phone, 1)).text)![1]!;
    const confirmed = await this.gql<{ confirmRegistrationPhone: { status: string } }>(
      `mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationPhone(input: $input) { status } }`,
      { input: { registrationId, code: smsCode } },
    );
    expect(confirmed.data?.confirmRegistrationPhone.status).toBe('approved');
    return { registrationId, registrationToken: voterToken, email: person.email, phone: person.phone };
  }

  /** Signs a voter in to vote: `requestVotingCode`, the SMS it sends (the next to that phone), `signInToVote`. */
  async signInToVote(voter: Voter): Promise<string> {
    const before = this.sms.received.filter((sms) => sms.to === voter.phone).length;
    await this.gql(`mutation ($input: RequestVotingCodeInput!) { requestVotingCode(input: $input) }`, { input: { electionId: E, email: voter.email } });
    const code = /: (\d{6,8})/.exec((await this.sms.message(voter.phone, before + 1)).text)![1]!;
    const signed = await this.gql<{ signInToVote: { token: string } }>(`mutation ($input: SignInToVoteInput!) { signInToVote(input: $input) { token } }`, {
      input: { electionId: E, email: voter.email, code },
    });
    expect(signed.errors).toBeUndefined();
    return signed.data!.signInToVote.token;
  }
}
