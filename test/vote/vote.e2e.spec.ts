import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclareCandidateCommand } from '../../src/application/candidacy/declare-candidate/declare-candidate.command.js';
import { CertifyCandidateCommand } from '../../src/application/candidacy/certify-candidate/certify-candidate.command.js';
import { SetBallotOrderCommand } from '../../src/application/candidacy/set-ballot-order/set-ballot-order.command.js';
import { DeclareElectionCommand, type DeclareElectionInput } from '../../src/application/election/declare-election/declare-election.command.js';
import { ManualClock } from '../../src/application/ports/clock.js';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../src/application/ports/personal-data-vault.js';
import { ElectoralRollImporter } from '../../src/application/reference-data/import-electoral-roll/import-electoral-roll.js';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { computePartialDecryption, serializePartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson } from '../../src/domain/belenios/tally.js';
import { provePossession, trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/infrastructure/event-store/event-store.token.js';
import type { RunningServer } from '../../src/main.js';
import { ProjectionsService } from '../../src/projections/projections.service.js';
import { VOTE_SECRETS, type VoteSecrets } from '../../src/application/ports/vote-secrets.js';
import type { SmtpTestServer } from '../notifications/support/smtp-test-server.js';
import { startRegistrationServer } from '../registration/support/registration-server.js';
import type { SmsTestGateway } from '../registration/support/sms-test-gateway.js';
import { codesOf, graphql } from '../support/graphql-client.js';
import { beleniosTool, beleniosToolAvailable, beleniosToolBallot, beleniosToolVerifies } from '../support/belenios-tool.js';
import { exportBeleniosArchiveToFile } from '../../src/infrastructure/belenios-export/belenios-archive-export.js';
import { createStaffAccount, staffToken, voterToken } from '../support/staff-sessions.js';

const E = 'paris-2013';
const SMS_TOKEN = 'sms-token-vote-e2e';
const ROLL = [
  'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
  'Martin;Sophie;1980-02-11;5 rue des Écoles;5;5-01;75105000001',
  'Rousseau;Anne;1968-03-15;9 rue Oberkampf;11;11-02;75111000006',
  'Garnier;Luc;1975-09-09;40 rue de Vaugirard;15;15-07;75115000005',
  'Fontaine;Paul;1971-12-01;1 quai Voltaire;7;7-01;75107000007',
];
const crypto = nodeBeleniosCrypto();

const ROUND_FIELDS = 'stage beleniosUuid missing electionJson trusteesJson seal encryptedTallyJson tallied decryptedBy publicCredentials publicCredentialsFingerprint result { candidates { candidateId votes percentOfCandidateVotes } blank countedBallots candidateVotes resultJson emargements emargementsMatchCountedBallots certified winner secondRoundNeeded }';
const ROUND = `query ($e: String!) { voteRound(electionId: $e) { ${ROUND_FIELDS} } }`;
const M = (name: string, inputType = 'VoteRoundInput') => `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${ROUND_FIELDS} } }`;
const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber replacedEarlierBallot } }`;

interface Voter {
  registrationId: string;
  registrationToken: string;
  email: string;
  phone: string;
  accessCode?: string;
  token?: string;
}

describe(`the vote, end to end over GraphQL: credentials, key ceremony, seal, casting, turnout, tally, result, checked by belenios-tool (real SMTP, SMS, SQLite)${beleniosToolAvailable ? '' : ' [belenios-tool checks skipped: not installed]'}`, () => {
  let dir: string;
  let server: RunningServer;
  let store: EventStore;
  let smtp: SmtpTestServer;
  let sms: SmsTestGateway;
  const logs: string[] = [];
  const clock = new ManualClock('2013-04-15T10:00:00.000Z');
  const voters: Voter[] = [];
  // Sessions expire as the manual clock moves: each request gets a fresh one.
  let councilAccount: Awaited<ReturnType<typeof createStaffAccount>>;
  let trusteeAccount: Awaited<ReturnType<typeof createStaffAccount>>;
  let operatorAccount: Awaited<ReturnType<typeof createStaffAccount>>;
  let trusteeKey: bigint;
  let election: Election;

  const gql = async <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string | (() => Promise<string>)) => {
    const bearer = typeof token === 'function' ? await token() : token;
    return graphql<T>(server.graphqlUrl, query, { variables, ...(bearer === undefined ? {} : { token: bearer }) });
  };
  const council = () => staffToken(server.app, councilAccount);
  const trustee = () => staffToken(server.app, trusteeAccount);
  const round = async () => (await gql<{ voteRound: Record<string, any> }>(ROUND, { e: E })).data!.voteRound;
  const all = async () => {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  };

  /**
   * The referee: exports the round as a Belenios archive into a fresh folder and runs
   * `belenios-tool election verify` on it. Without belenios-tool the check is reported skipped by
   * the dedicated test below, and this returns null.
   */
  let exports = 0;
  async function refereeVerifies(): Promise<{ ok: boolean; output: string; dir: string } | null> {
    if (!beleniosToolAvailable) return null;
    const folder = join(dir, `referee-${++exports}`);
    mkdirSync(folder);
    const summary = await exportBeleniosArchiveToFile(store, { electionId: E, round: 1 }, join(folder, 'archive.tmp'));
    const archive = readFileSync(join(folder, 'archive.tmp'));
    rmSync(join(folder, 'archive.tmp'));
    writeFileSync(join(folder, `${summary.uuid}.bel`), archive);
    return { ...beleniosToolVerifies(folder), dir: folder };
  }

  async function mailTo(to: string, subject: RegExp): Promise<string> {
    for (;;) {
      const mail = smtp.received.find((message) => message.rcptTo.includes(to) && subject.test(message.parsed.subject ?? ''));
      if (mail) return mail.parsed.text ?? '';
      await smtp.waitForMessages(smtp.received.length + 1);
    }
  }

  async function register(lastName: string, firstNames: string, birthDate: string, email: string, phone: string): Promise<Voter> {
    const submitted = await gql<{ submitRegistration: { registrationId: string; voterToken: string } }>(
      `mutation ($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId voterToken } }`,
      { input: { electionId: E, lastName, firstNames, birthDate, postalAddress: 'Paris', email, phone } },
    );
    const { registrationId, voterToken } = submitted.data!.submitRegistration;
    const emailCode = /code : (\d{6,8})/.exec(await mailTo(email, /Confirmez/))![1]!;
    await gql(`mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationEmail(input: $input) { status } }`, { input: { registrationId, code: emailCode } });
    const smsCode = /: (\d{6,8})/.exec((await sms.message(phone, 1)).text)![1]!;
    const confirmed = await gql<{ confirmRegistrationPhone: { status: string } }>(`mutation ($input: ConfirmRegistrationContactInput!) { confirmRegistrationPhone(input: $input) { status } }`, {
      input: { registrationId, code: smsCode },
    });
    expect(confirmed.data?.confirmRegistrationPhone.status).toBe('approved');
    return { registrationId, registrationToken: voterToken, email, phone };
  }

  async function signInToVote(voter: Voter, nthSms: number): Promise<string> {
    await gql(`mutation ($input: RequestVotingCodeInput!) { requestVotingCode(input: $input) }`, { input: { electionId: E, email: voter.email } });
    const code = /: (\d{6,8})/.exec((await sms.message(voter.phone, nthSms)).text)![1]!;
    const signed = await gql<{ signInToVote: { token: string } }>(`mutation ($input: SignInToVoteInput!) { signInToVote(input: $input) { token } }`, { input: { electionId: E, email: voter.email, code } });
    expect(signed.errors).toBeUndefined();
    return signed.data!.signInToVote.token;
  }

  /** choices: index of the candidate in ballot order, or 'blank'. */
  async function ballotFor(accessCode: string, choice: number | 'blank') {
    const row = [choice === 'blank' ? 1 : 0, ...[0, 1, 2].map((i) => (i === choice ? 1 : 0))];
    return createBallot(election, accessCode, [row], crypto);
  }

  const cast = (voter: Voter, ballot: string, token = voter.token!) => gql<{ castBallot: { trackingNumber: string; replacedEarlierBallot: boolean } }>(CAST, { input: { electionId: E, ballot } }, token);

  beforeAll(async () => {
    ({ dir, smtp, sms, server } = await startRegistrationServer({ prefix: 'urne-vote-e2e-', smsToken: SMS_TOKEN, clock, logLevel: 'debug', log: (line) => logs.push(line) }));
    const app = server.app;
    store = app.get<EventStore>(EVENT_STORE);
    const roll = join(dir, 'roll.csv');
    writeFileSync(roll, `${ROLL.join('\n')}\n`);
    await new ElectoralRollImporter(store, app.get<PersonalDataVault>(PERSONAL_DATA_VAULT)).import({ electionId: E, file: roll });
    await app.get(ProjectionsService).runner('electoral-roll')!.waitForPosition((await store.headPosition())!);
    const paris2013 = JSON.parse(readFileSync(join(process.cwd(), 'examples/paris-2013.election.json'), 'utf8')) as DeclareElectionInput;
    const bus = app.get(CommandBus);
    await bus.execute(
      new DeclareElectionCommand({ ...paris2013, electionId: E, sponsorship: [], revotePolicy: 'last-vote-counts', rounds: { count: 2, majorityPercent: 50 }, secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' } as DeclareElectionInput, 'declare', 'system:test'),
    );
    for (const [candidateId, name] of [['nkm', 'Nathalie Kosciusko-Morizet'], ['pierre', 'Pierre-Yves Bournazel'], ['jean', 'Jean-François Legaret']] as const) {
      await bus.execute(new DeclareCandidateCommand({ electionId: E, candidateId, name }, `declare-${candidateId}`, 'system:test'));
      await bus.execute(new CertifyCandidateCommand({ electionId: E, candidateId }, `certify-${candidateId}`, 'system:test'));
    }
    await bus.execute(new SetBallotOrderCommand({ electionId: E, candidateIds: ['nkm', 'pierre', 'jean'], reason: 'public draw' }, 'order', 'system:test'));

    clock.set('2013-05-10T09:00:00.000Z');
    voters.push(await register('Martin', 'Sophie', '1980-02-11', 'sophie@example.org', '+33611223344'));
    voters.push(await register('Rousseau', 'Anne', '1968-03-15', 'anne@example.org', '+33612121212'));
    voters.push(await register('Garnier', 'Luc', '1975-09-09', 'luc@example.org', '+33655555555'));
    voters.push(await register('Fontaine', 'Paul', '1971-12-01', 'paul@example.org', '+33656565656'));

    councilAccount = await createStaffAccount(app, 'conseil', 'council');
    trusteeAccount = await createStaffAccount(app, 'detenteur', 'trustee');
    operatorAccount = await createStaffAccount(app, 'operateur', 'operator');
  }, 120_000);

  afterAll(async () => {
    await server?.app.close();
    await smtp?.close();
    await sms?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prepares the round with the server key and a single trustee; credentials wait for registration to close', async () => {
    const prepared = await gql(M('prepareVote', 'PrepareVoteInput'), { input: { electionId: E, singleTrustees: ['detenteur'], credentialRecovery: 'keep' } }, council);
    expect(prepared.errors).toBeUndefined();
    expect(prepared.data!.prepareVote.stage).toBe('preparing');
    expect(prepared.data!.prepareVote.beleniosUuid).toMatch(/^[1-9A-HJ-NP-Za-km-z]{14}$/);
    expect(prepared.data!.prepareVote.missing).toEqual(['the public credentials', expect.stringMatching(/^the key of trustee /)]);
    expect(codesOf(await gql(M('prepareVote', 'PrepareVoteInput'), { input: { electionId: E } }, trustee))).toEqual(['FORBIDDEN']);
    const early = await gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, { input: { electionId: E } }, council);
    expect(codesOf(early)).toEqual(['RegistrationStillOpen']);
  });

  it('issues one credential per approved voter by e-mail; no private credential enters the log', async () => {
    clock.set('2013-05-29T08:00:00.000Z');
    const issued = await gql<{ issueCredentials: Record<string, unknown> }>(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters newlyGenerated notificationsRequested fingerprint } }`, { input: { electionId: E } }, council);
    expect(issued.errors).toBeUndefined();
    expect(issued.data!.issueCredentials).toMatchObject({ voters: 4, newlyGenerated: 4, notificationsRequested: 4 });
    for (const voter of voters) {
      const text = await mailTo(voter.email, /code d'accès/);
      voter.accessCode = /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4})/.exec(text)![1]!;
    }
    expect(new Set(voters.map((v) => v.accessCode)).size).toBe(4);
    const log = JSON.stringify(await all(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    for (const voter of voters) expect(log).not.toContain(voter.accessCode);
    expect((await round()).publicCredentials).toBe(4);

    // Anne lost her e-mail: an operator sends the same code again (the election keeps codes), with a reason.
    const operator = () => staffToken(server.app, operatorAccount);
    const resend = `mutation ($input: ResendAccessCodeInput!) { resendAccessCode(input: $input) }`;
    const anne = voters[1]!;
    const resent = await gql(resend, { input: { electionId: E, registrationId: anne.registrationId, reason: 'e-mail deleted, identity checked by phone' } }, operator);
    expect(resent.errors).toBeUndefined();
    for (;;) {
      const mails = smtp.received.filter((m) => m.rcptTo.includes(anne.email) && /code d'accès/.test(m.parsed.subject ?? ''));
      if (mails.length >= 2) {
        expect(mails[1]!.parsed.text).toContain(anne.accessCode!);
        break;
      }
      await smtp.waitForMessages(smtp.received.length + 1);
    }
    const resentEvents = (await all()).filter((e) => e.type === 'CredentialResent');
    expect(resentEvents.map((e) => [e.data, e.metadata.actor])).toEqual([[expect.objectContaining({ registrationId: anne.registrationId, reason: 'e-mail deleted, identity checked by phone' }), `staff:${operatorAccount.staffId}`]]);
    expect(codesOf(await gql(resend, { input: { electionId: E, registrationId: anne.registrationId, reason: 'again' } }, trustee))).toEqual(['FORBIDDEN']);
  });

  it('takes the trustee key (its proof checked), publishes the election key, seals', async () => {
    trusteeKey = crypto.randomExponent(BELENIOS_2048);
    const key = JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, trusteeKey, crypto)));
    const forged = JSON.stringify({ ...JSON.parse(key), pok: { ...JSON.parse(key).pok, response: '1' } });
    expect(codesOf(await gql(M('submitTrusteeKey', 'SubmitTrusteeKeyInput'), { input: { electionId: E, key: forged } }, trustee))).toEqual(['InvalidTrusteeKey']);
    const submitted = await gql(M('submitTrusteeKey', 'SubmitTrusteeKeyInput'), { input: { electionId: E, key } }, trustee);
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data!.submitTrusteeKey.missing).toEqual([]);
    expect(codesOf(await gql(M('sealVote'), { input: { electionId: E } }, council))).toEqual(['WrongVoteStage']);
    const published = await gql(M('publishElectionKey'), { input: { electionId: E } }, council);
    expect(published.errors).toBeUndefined();
    const electionJson = published.data!.publishElectionKey.electionJson as string;
    election = await parseElection(electionJson, crypto.sha256);
    expect(election.questions[0]!.answers).toEqual(['Nathalie Kosciusko-Morizet', 'Pierre-Yves Bournazel', 'Jean-François Legaret']);
    expect(election.questions[0]!.blank).toBe(true);
    expect(JSON.parse(published.data!.publishElectionKey.trusteesJson as string)).toHaveLength(2);
    const sealed = await gql(M('sealVote'), { input: { electionId: E } }, council);
    expect(sealed.data!.sealVote).toMatchObject({ stage: 'sealed', seal: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const referee = await refereeVerifies();
    if (referee) expect(referee).toMatchObject({ ok: true });
  });

  it('opens on schedule; voters cast encrypted ballots; refusals carry Belenios reasons; turnout moves, per-candidate counts do not exist', async () => {
    const schedule = server.app.get(BallotBoxSchedule);
    await schedule.tick();
    expect(codesOf(await gql(CAST, { input: { electionId: E, ballot: '{}' } }, () => voterToken(server.app, voters[0]!.registrationId)))).toEqual(['UnauthorizedVoter']);
    clock.set('2013-05-31T07:00:00.000Z');
    await schedule.tick();
    const [sophie, anne, luc, paul] = voters as [Voter, Voter, Voter, Voter];
    for (const voter of voters) voter.token = await signInToVote(voter, 2);

    const first = await ballotFor(sophie.accessCode!, 0);
    const accepted = await cast(sophie, first.text);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.castBallot).toEqual({ trackingNumber: first.trackingNumber, replacedEarlierBallot: false });
    // The same ballot sent again by the same voter (a client retry) is acknowledged, not doubled.
    expect((await cast(sophie, first.text)).data!.castBallot.trackingNumber).toBe(first.trackingNumber);

    // Anne tries Sophie's access code: the credential is bound to Sophie.
    expect(codesOf(await cast(anne, (await ballotFor(sophie.accessCode!, 1)).text))).toEqual(['UsedCredential']);
    // A credential that is not on the list.
    expect(codesOf(await cast(anne, (await ballotFor(credentialFromDigits(Array(14).fill(7)), 1)).text))).toEqual(['InvalidCredential']);
    // Tampered and non-canonical ballots.
    const anneBallot = await ballotFor(anne.accessCode!, 1);
    expect(codesOf(await cast(anne, anneBallot.text.replace(/"response":"(\d+)(\d)"/, (_m, head: string, d: string) => `"response":"${head}${(Number(d) + 1) % 10}"`)))).toEqual(['InvalidBallot']);
    expect(codesOf(await cast(anne, ` ${anneBallot.text}`))).toEqual(['NonCanonical']);
    expect((await cast(anne, anneBallot.text)).errors).toBeUndefined();
    // Luc's ballot is made by belenios-tool itself, for our election, with the access code we sent him.
    const referee = await refereeVerifies();
    if (referee) {
      const made = beleniosToolBallot(referee.dir, luc.accessCode!, [[1, 0, 0, 0]]);
      const tampered = made.replace(/"challenge":"(\d+)(\d)"/, (_m, head: string, d: string) => `"challenge":"${head}${(Number(d) + 1) % 10}"`);
      expect(codesOf(await cast(luc, tampered))).toEqual(['InvalidBallot']);
      expect((await cast(luc, made)).errors).toBeUndefined();
    } else {
      expect((await cast(luc, (await ballotFor(luc.accessCode!, 'blank')).text)).errors).toBeUndefined();
    }
    expect((await cast(paul, (await ballotFor(paul.accessCode!, 1)).text)).errors).toBeUndefined();
    // Paul changes his mind (the last vote counts) but not with another voter's code.
    expect(codesOf(await cast(paul, (await ballotFor(anne.accessCode!, 1)).text))).toEqual(['UsedCredential']);
    const revote = await cast(paul, (await ballotFor(paul.accessCode!, 2)).text);
    expect(revote.data!.castBallot.replacedEarlierBallot).toBe(true);

    // Anyone can look up a tracking number; the first Paul ballot is in the box but no longer counts.
    const tracker = await gql(`query ($e: String!, $t: String!) { ballotTracker(electionId: $e, trackingNumber: $t) { counted } }`, { e: E, t: first.trackingNumber });
    expect(tracker.data!.ballotTracker).toEqual({ counted: true });
    const list = await gql(`query ($e: String!) { ballotTrackers(electionId: $e) { totalCount trackingNumbers } }`, { e: E });
    expect(list.data!.ballotTrackers.totalCount).toBe(4);
    expect(list.data!.ballotTrackers.trackingNumbers).toContain(revote.data!.castBallot.trackingNumber);

    const duringVote = await refereeVerifies();
    if (duringVote) expect(duringVote).toMatchObject({ ok: true });

    const turnout = await gql(`query ($e: String!) { turnout(electionId: $e) { registered voted } }`, { e: E }, council);
    expect(turnout.data!.turnout).toEqual({ registered: 4, voted: 4 });
    // The émargement holds no ballot content, the ballot no voter.
    const events = await all();
    const emargements = events.filter((e) => e.type === 'EmargementRecorded');
    expect(emargements).toHaveLength(5);
    for (const e of emargements) expect(JSON.stringify(e.data)).not.toMatch(/trackingNumber|ballot|credential/);
    const ballots = events.filter((e) => e.type === 'BallotAccepted');
    for (const b of ballots) for (const v of voters) expect(JSON.stringify({ data: b.data, metadata: b.metadata })).not.toContain(v.registrationId);
    for (const b of ballots) expect(b.metadata.actor).toBe('voter');
  }, 120_000);

  it('closes; a late ballot is refused; the tally re-checks the seal; the trustee decrypts; the result matches the votes', async () => {
    const closed = await gql(M('closeBallotBox'), { input: { electionId: E } }, council);
    expect(closed.errors).toBeUndefined();
    expect(codesOf(await cast(voters[2]!, (await ballotFor(voters[2]!.accessCode!, 0)).text))).toEqual(['ElectionClosed']);
    const tallied = await gql(M('computeTally'), { input: { electionId: E } }, council);
    expect(tallied.errors).toBeUndefined();
    expect(tallied.data!.computeTally).toMatchObject({ stage: 'tallying', tallied: 4, decryptedBy: ['server'] });
    const tally = encryptedTallyFromJson(election, JSON.parse(tallied.data!.computeTally.encryptedTallyJson as string));

    const wrongKey = serializePartialDecryption(await computePartialDecryption(election, tally, (trusteeKey + 1n) % BELENIOS_2048.q, crypto));
    expect(codesOf(await gql(M('submitPartialDecryption', 'SubmitPartialDecryptionInput'), { input: { electionId: E, partialDecryption: wrongKey } }, trustee))).toEqual(['InvalidPartialDecryption']);
    const good = serializePartialDecryption(await computePartialDecryption(election, tally, trusteeKey, crypto));
    const decrypted = await gql(M('submitPartialDecryption', 'SubmitPartialDecryptionInput'), { input: { electionId: E, partialDecryption: good } }, trustee);
    expect(decrypted.errors).toBeUndefined();
    const result = decrypted.data!.submitPartialDecryption.result;
    expect(result).toMatchObject({ blank: 1, countedBallots: 4, candidateVotes: 3 });
    // Paul's first ballot (for pierre) was replaced by his last (for jean).
    expect(result.candidates).toEqual([
      { candidateId: 'nkm', votes: 1, percentOfCandidateVotes: 33.3 },
      { candidateId: 'pierre', votes: 1, percentOfCandidateVotes: 33.3 },
      { candidateId: 'jean', votes: 1, percentOfCandidateVotes: 33.3 },
    ]);
    const referee = await refereeVerifies();
    if (referee) {
      expect(referee).toMatchObject({ ok: true });
      expect(referee.output).not.toContain('no result to check');
      // belenios-tool recomputes the result from our archive and finds ours.
      const recomputed = beleniosTool(['election', 'compute-result', '--dir', referee.dir], { cwd: referee.dir }).trim();
      expect(JSON.parse(recomputed)).toEqual(JSON.parse(result.resultJson ?? '{}'));
    }
  }, 120_000);

  it('the council certifies once émargements equal counted ballots: nobody has a majority, a second round is needed', async () => {
    const certified = await gql(M('certifyResult'), { input: { electionId: E } }, council);
    expect(certified.errors).toBeUndefined();
    expect(certified.data!.certifyResult.result).toMatchObject({ certified: true, winner: null, secondRoundNeeded: true });
    expect((await round()).result).toMatchObject({ emargements: 4, countedBallots: 4, emargementsMatchCountedBallots: true });
    const secrets = voters.flatMap((v) => [v.accessCode!, v.token!]);
    const files = readdirSync(dir).filter((name) => name.startsWith('events.sqlite'));
    for (const name of files) {
      const bytes = readFileSync(join(dir, name)).toString('latin1');
      for (const secret of secrets) expect(bytes).not.toContain(secret);
    }
    for (const secret of secrets) expect(logs.join('\n')).not.toContain(secret);
  });
  it('the second round runs the same way: new credentials, keys, seal, ballots, tally; the most votes win', async () => {
    const R2 = (name: string, inputType = 'VoteRoundInput') => M(name, inputType);
    const input = (extra: Record<string, unknown> = {}) => ({ input: { electionId: E, round: 2, ...extra } });
    clock.set('2013-06-04T08:00:00.000Z');
    const prepared = await gql(R2('prepareVote', 'PrepareVoteInput'), input({ singleTrustees: ['detenteur'], credentialRecovery: 'forget' }), council);
    expect(prepared.errors).toBeUndefined();
    // All three tied in round 1, so all three go through (the two best placed, and everyone tied with them).
    expect(prepared.data!.prepareVote.beleniosUuid).not.toBe((await round()).beleniosUuid);
    const issued = await gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, input(), council);
    expect(issued.data).toEqual({ issueCredentials: { voters: 4 } });
    const codes = new Map<string, string>();
    for (const voter of voters) {
      for (;;) {
        const fresh = smtp.received
          .filter((m) => m.rcptTo.includes(voter.email) && /code d'accès/.test(m.parsed.subject ?? ''))
          .map((m) => /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z-]{19})/.exec(m.parsed.text ?? '')![1]!)
          .find((code) => code !== voter.accessCode);
        if (fresh) {
          codes.set(voter.registrationId, fresh);
          break;
        }
        await smtp.waitForMessages(smtp.received.length + 1);
      }
    }
    // This round forgets access codes once delivered: a lost one cannot be sent again.
    const secrets = server.app.get<VoteSecrets>(VOTE_SECRETS);
    for (let i = 0; i < 100 && voters.some((v) => secrets.privateCredential(E, 2, v.registrationId) !== null); i++) await new Promise((r) => setTimeout(r, 50));
    expect(voters.map((v) => secrets.privateCredential(E, 2, v.registrationId))).toEqual([null, null, null, null]);
    expect(codesOf(await gql(`mutation ($input: ResendAccessCodeInput!) { resendAccessCode(input: $input) }`, input({ registrationId: voters[0]!.registrationId, reason: 'lost' }), council))).toEqual(['CredentialRecoveryDisabled']);
    const key2 = crypto.randomExponent(BELENIOS_2048);
    await gql(R2('submitTrusteeKey', 'SubmitTrusteeKeyInput'), input({ key: JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, key2, crypto))) }), trustee);
    const published = await gql(R2('publishElectionKey'), input(), council);
    const election2 = await parseElection(published.data!.publishElectionKey.electionJson as string, crypto.sha256);
    expect((await gql(R2('sealVote'), input(), council)).data!.sealVote.stage).toBe('sealed');

    clock.set('2013-06-07T07:00:00.000Z');
    await server.app.get(BallotBoxSchedule).tick();
    const choices = [0, 0, 1, 2];
    for (const [index, voter] of voters.entries()) {
      const token = await signInToVote(voter, 3);
      const row = [0, ...[0, 1, 2].map((i) => (i === choices[index] ? 1 : 0))];
      const made = await createBallot(election2, codes.get(voter.registrationId)!, [row], crypto);
      // A round-1 ballot is not a round-2 ballot.
      if (index === 0) expect(codesOf(await gql(CAST, { input: { electionId: E, round: 2, ballot: (await ballotFor(voter.accessCode!, 0)).text } }, token))).toEqual(['InvalidBallot']);
      expect((await gql(CAST, { input: { electionId: E, round: 2, ballot: made.text } }, token)).errors).toBeUndefined();
    }
    clock.set('2013-06-10T17:00:00.000Z');
    await server.app.get(BallotBoxSchedule).tick(); // closes on schedule
    const tallied = await gql(R2('computeTally'), input(), council);
    expect(tallied.data!.computeTally).toMatchObject({ stage: 'tallying', tallied: 4 });
    const tally = encryptedTallyFromJson(election2, JSON.parse(tallied.data!.computeTally.encryptedTallyJson as string));
    const decrypted = await gql(R2('submitPartialDecryption', 'SubmitPartialDecryptionInput'), input({ partialDecryption: serializePartialDecryption(await computePartialDecryption(election2, tally, key2, crypto)) }), trustee);
    expect(decrypted.data!.submitPartialDecryption.result.candidates.map((c: { votes: number }) => c.votes)).toEqual([2, 1, 1]);
    const certified = await gql(R2('certifyResult'), input(), council);
    expect(certified.data!.certifyResult.result).toMatchObject({ certified: true, winner: 'nkm', secondRoundNeeded: false });
  }, 120_000);
});
