import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { LedgerRules } from '../../src/domain/audit/ledger-rules.js';
import { auditLedger, ledgerAuditMarkdown } from '../../src/infrastructure/audit/ledger-audit.js';
import { READ_MODEL_DB } from '../../src/projections/projections.service.js';
import { VOTE_SECRETS, type VoteSecrets } from '../../src/application/ports/vote-secrets.js';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { computePartialDecryption, serializePartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson } from '../../src/domain/belenios/tally.js';
import { provePossession, trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { exportBeleniosArchiveToFile } from '../../src/infrastructure/belenios-export/belenios-archive-export.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { beleniosTool, beleniosToolAvailable, beleniosToolBallot, beleniosToolVerifies } from '../support/belenios-tool.js';
import { codesOf } from '../support/graphql-client.js';
import { voterToken } from '../support/staff-sessions.js';
import { E, VoteFixture, type Voter } from './support/vote-fixture.js';

const crypto = nodeBeleniosCrypto();

const ROUND_FIELDS = 'stage beleniosUuid missing electionJson trusteesJson seal encryptedTallyJson tallied decryptedBy publicCredentials publicCredentialsFingerprint result { candidates { candidateId votes percentOfCandidateVotes } blank countedBallots candidateVotes resultJson emargements emargementsMatchCountedBallots certified winner secondRoundNeeded }';
const ROUND = `query ($e: String!) { voteRound(electionId: $e) { ${ROUND_FIELDS} } }`;
const M = (name: string, inputType = 'VoteRoundInput') => `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${ROUND_FIELDS} } }`;
const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber replacedEarlierBallot } }`;

describe(`the vote, end to end over GraphQL: credentials, key ceremony, seal, casting, turnout, tally, result, checked by belenios-tool (real SMTP, SMS, SQLite)${beleniosToolAvailable ? '' : ' [belenios-tool checks skipped: not installed]'}`, () => {
  const f = new VoteFixture();
  const { clock, logs, voters } = f;
  let trusteeKey: bigint;
  let election: Election;

  const gql = f.gql.bind(f);
  const council = f.council;
  const trustee = f.staff('detenteur');
  const round = async () => (await gql<{ voteRound: Record<string, any> }>(ROUND, { e: E })).data!.voteRound;
  const all = () => f.all();

  /**
   * The referee: exports the round as a Belenios archive into a fresh folder and runs
   * `belenios-tool election verify` on it. Without belenios-tool the check is reported skipped by
   * the dedicated test below, and this returns null.
   */
  let exports = 0;
  async function refereeVerifies(): Promise<{ ok: boolean; output: string; dir: string } | null> {
    if (!beleniosToolAvailable) return null;
    const folder = join(f.dir, `referee-${++exports}`);
    mkdirSync(folder);
    const summary = await exportBeleniosArchiveToFile(f.store, { electionId: E, round: 1 }, join(folder, 'archive.tmp'));
    const archive = readFileSync(join(folder, 'archive.tmp'));
    rmSync(join(folder, 'archive.tmp'));
    writeFileSync(join(folder, `${summary.uuid}.bel`), archive);
    return { ...beleniosToolVerifies(folder), dir: folder };
  }

  const mailTo = (to: string, subject: RegExp) => f.mailTo(to, subject);
  const signInToVote = (voter: Voter) => f.signInToVote(voter);

  /** choices: index of the candidate in ballot order, or 'blank'. */
  async function ballotFor(accessCode: string, choice: number | 'blank') {
    const row = [choice === 'blank' ? 1 : 0, ...[0, 1, 2].map((i) => (i === choice ? 1 : 0))];
    return createBallot(election, accessCode, [row], crypto);
  }

  const cast = (voter: Voter, ballot: string, token = voter.token!) => gql<{ castBallot: { trackingNumber: string; replacedEarlierBallot: boolean } }>(CAST, { input: { electionId: E, ballot } }, token);

  beforeAll(async () => {
    await f.start({ revotePolicy: 'last-vote-counts', rounds: { count: 2, majorityPercent: 50 }, secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' });
  }, 120_000);

  afterAll(() => f.stop());

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
    // The schedule may have issued them a moment before (registration just closed): either way, once.
    expect(issued.data!.issueCredentials).toMatchObject({ voters: 4 });
    const again = await gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters newlyGenerated notificationsRequested fingerprint } }`, { input: { electionId: E } }, council);
    expect(again.data!.issueCredentials).toEqual({ ...issued.data!.issueCredentials, newlyGenerated: 0, notificationsRequested: 0 });
    for (const voter of voters) {
      const text = await mailTo(voter.email, /code d'accès/);
      voter.accessCode = /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4})/.exec(text)![1]!;
    }
    expect(new Set(voters.map((v) => v.accessCode)).size).toBe(4);
    const log = JSON.stringify(await all(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    for (const voter of voters) expect(log).not.toContain(voter.accessCode);
    expect((await round()).publicCredentials).toBe(4);

    // Anne lost her e-mail: an operator sends the same code again (the election keeps codes), with a reason.
    const operator = f.staff('operateur');
    const resend = `mutation ($input: ResendAccessCodeInput!) { resendAccessCode(input: $input) }`;
    const anne = voters[1]!;
    const resent = await gql(resend, { input: { electionId: E, registrationId: anne.registrationId, reason: 'e-mail deleted, identity checked by phone' } }, operator);
    expect(resent.errors).toBeUndefined();
    for (;;) {
      const mails = f.smtp.received.filter((m) => m.rcptTo.includes(anne.email) && /code d'accès/.test(m.parsed.subject ?? ''));
      if (mails.length >= 2) {
        expect(mails[1]!.parsed.text).toContain(anne.accessCode!);
        break;
      }
      await f.smtp.waitForMessages(f.smtp.received.length + 1);
    }
    const resentEvents = (await all()).filter((e) => e.type === 'CredentialResent');
    expect(resentEvents.map((e) => [e.data, e.metadata.actor])).toEqual([[expect.objectContaining({ registrationId: anne.registrationId, reason: 'e-mail deleted, identity checked by phone' }), `staff:${f.account('operateur').staffId}`]]);
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
    const schedule = f.server.app.get(BallotBoxSchedule);
    await schedule.tick();
    expect(codesOf(await gql(CAST, { input: { electionId: E, ballot: '{}' } }, () => voterToken(f.server.app, voters[0]!.registrationId)))).toEqual(['UnauthorizedVoter']);
    clock.set('2013-05-31T07:00:00.000Z');
    await schedule.tick();
    const [sophie, anne, luc, paul] = voters as [Voter, Voter, Voter, Voter];
    for (const voter of voters) voter.token = await signInToVote(voter);

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
    const paulFirst = await ballotFor(paul.accessCode!, 1);
    expect((await cast(paul, paulFirst.text)).errors).toBeUndefined();
    // Paul changes his mind (the last vote counts) but not with another voter's code.
    expect(codesOf(await cast(paul, (await ballotFor(anne.accessCode!, 1)).text))).toEqual(['UsedCredential']);
    const revote = await cast(paul, (await ballotFor(paul.accessCode!, 2)).text);
    expect(revote.data!.castBallot.replacedEarlierBallot).toBe(true);

    // Anyone can look up a tracking number; the first Paul ballot is in the box but no longer counts.
    const tracker = await gql(`query ($e: String!, $t: String!) { ballotTracker(electionId: $e, trackingNumber: $t) { counted } }`, { e: E, t: first.trackingNumber });
    expect(tracker.data!.ballotTracker).toEqual({ counted: true });
    const replaced = await gql(`query ($e: String!, $t: String!) { ballotTracker(electionId: $e, trackingNumber: $t) { counted } }`, { e: E, t: paulFirst.trackingNumber });
    expect(replaced.data!.ballotTracker).toEqual({ counted: false });
    const unknown = await gql(`query ($e: String!, $t: String!) { ballotTracker(electionId: $e, trackingNumber: $t) { counted } }`, { e: E, t: 'no-such-ballot' });
    expect(unknown.data!.ballotTracker).toBeNull();
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
    // Luc signs in just before the closing time and sends a ballot just after it, before any
    // schedule tick has closed the box: the clock decides, the ballot is refused.
    clock.set('2013-06-03T16:50:00.000Z');
    const luc = voters[2]!;
    const lateToken = await signInToVote(luc);
    clock.set('2013-06-03T17:00:00.000Z');
    expect(codesOf(await cast(luc, (await ballotFor(luc.accessCode!, 0)).text, lateToken))).toEqual(['ElectionClosed']);
    const closed = await gql(M('closeBallotBox'), { input: { electionId: E } }, council);
    expect(closed.errors).toBeUndefined();
    expect(codesOf(await cast(luc, (await ballotFor(luc.accessCode!, 0)).text, lateToken))).toEqual(['ElectionClosed']);
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
    // The figures say which position of the ledger they come from: the certification event's.
    const position = (await gql<{ voteRound: { position: string } }>(`query ($e: String!) { voteRound(electionId: $e) { position } }`, { e: E })).data!.voteRound.position;
    const certifiedAt = (await all()).find((e) => e.type === 'ResultCertified')!.position;
    expect(position).toBe(certifiedAt.toString());
    const secrets = voters.flatMap((v) => [v.accessCode!, v.token!]);
    const files = readdirSync(f.dir).filter((name) => name.startsWith('events.sqlite'));
    for (const name of files) {
      const bytes = readFileSync(join(f.dir, name)).toString('latin1');
      for (const secret of secrets) expect(bytes).not.toContain(secret);
    }
    for (const secret of secrets) expect(logs.join('\n')).not.toContain(secret);
    // Refusals are answers, not faults: none was logged as an error (there were a dozen).
    expect(logs.filter((line) => line.includes('ExceptionsHandler') || line.includes('"level":50'))).toEqual([]);
  });
  it('the second round runs the same way: new credentials, keys, seal, ballots, tally; the most votes win', async () => {
    const R2 = (name: string, inputType = 'VoteRoundInput') => M(name, inputType);
    const round2 = async () => (await gql<{ voteRound: Record<string, any> }>(`query ($e: String!) { voteRound(electionId: $e, round: 2) { ${ROUND_FIELDS} } }`, { e: E })).data!.voteRound;
    const input = (extra: Record<string, unknown> = {}) => ({ input: { electionId: E, round: 2, ...extra } });
    clock.set('2013-06-04T08:00:00.000Z');
    const prepared = await gql(R2('prepareVote', 'PrepareVoteInput'), input({ singleTrustees: ['detenteur'], credentialRecovery: 'forget' }), council);
    expect(prepared.errors).toBeUndefined();
    // All three tied in round 1, so all three go through (the two best placed, and everyone tied with them).
    expect(prepared.data!.prepareVote.beleniosUuid).not.toBe((await round()).beleniosUuid);
    // Registration closed long ago: the schedule issues round 2's credentials by itself.
    await f.server.app.get(BallotBoxSchedule).tick();
    expect((await round2()).publicCredentials).toBe(4);
    expect((await all()).filter((e) => e.type === 'CredentialsIssued' && e.stream.endsWith('.2')).map((e) => e.metadata.actor)).toEqual(['system:schedule']);
    const codes = new Map<string, string>();
    for (const voter of voters) {
      for (;;) {
        const fresh = f.smtp.received
          .filter((m) => m.rcptTo.includes(voter.email) && /code d'accès/.test(m.parsed.subject ?? ''))
          .map((m) => /pour voter[^:]*: ([1-9A-HJ-NP-Za-km-z-]{19})/.exec(m.parsed.text ?? '')![1]!)
          .find((code) => code !== voter.accessCode);
        if (fresh) {
          codes.set(voter.registrationId, fresh);
          break;
        }
        await f.smtp.waitForMessages(f.smtp.received.length + 1);
      }
    }
    // This round forgets access codes once delivered: a lost one cannot be sent again.
    const secrets = f.server.app.get<VoteSecrets>(VOTE_SECRETS);
    for (let i = 0; i < 100 && voters.some((v) => secrets.privateCredential(E, 2, v.registrationId) !== null); i++) await new Promise((r) => setTimeout(r, 50));
    expect(voters.map((v) => secrets.privateCredential(E, 2, v.registrationId))).toEqual([null, null, null, null]);
    expect(codesOf(await gql(`mutation ($input: ResendAccessCodeInput!) { resendAccessCode(input: $input) }`, input({ registrationId: voters[0]!.registrationId, reason: 'lost' }), council))).toEqual(['CredentialRecoveryDisabled']);
    const key2 = crypto.randomExponent(BELENIOS_2048);
    await gql(R2('submitTrusteeKey', 'SubmitTrusteeKeyInput'), input({ key: JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, key2, crypto))) }), trustee);
    const published = await gql(R2('publishElectionKey'), input(), council);
    const election2 = await parseElection(published.data!.publishElectionKey.electionJson as string, crypto.sha256);
    expect((await gql(R2('sealVote'), input(), council)).data!.sealVote.stage).toBe('sealed');

    clock.set('2013-06-07T07:00:00.000Z');
    await f.server.app.get(BallotBoxSchedule).tick();
    const choices = [0, 0, 1, 2];
    for (const [index, voter] of voters.entries()) {
      const token = await signInToVote(voter);
      const row = [0, ...[0, 1, 2].map((i) => (i === choices[index] ? 1 : 0))];
      const made = await createBallot(election2, codes.get(voter.registrationId)!, [row], crypto);
      // A round-1 ballot is not a round-2 ballot.
      if (index === 0) expect(codesOf(await gql(CAST, { input: { electionId: E, round: 2, ballot: (await ballotFor(voter.accessCode!, 0)).text } }, token))).toEqual(['InvalidBallot']);
      expect((await gql(CAST, { input: { electionId: E, round: 2, ballot: made.text } }, token)).errors).toBeUndefined();
    }
    clock.set('2013-06-10T17:05:00.000Z');
    await f.server.app.get(BallotBoxSchedule).tick(); // closes on schedule, stamped with the closing time
    const closedEvent = (await all()).find((e) => e.type === 'BallotBoxClosed' && e.stream.endsWith('.2'));
    expect(closedEvent?.data).toMatchObject({ by: 'schedule', at: '2013-06-10T17:00:00.000Z', acceptedBallots: 4, countedBallots: 4 });
    const tallied = await gql(R2('computeTally'), input(), council);
    expect(tallied.data!.computeTally).toMatchObject({ stage: 'tallying', tallied: 4 });
    const tally = encryptedTallyFromJson(election2, JSON.parse(tallied.data!.computeTally.encryptedTallyJson as string));
    const decrypted = await gql(R2('submitPartialDecryption', 'SubmitPartialDecryptionInput'), input({ partialDecryption: serializePartialDecryption(await computePartialDecryption(election2, tally, key2, crypto)) }), trustee);
    expect(decrypted.data!.submitPartialDecryption.result.candidates.map((c: { votes: number }) => c.votes)).toEqual([2, 1, 1]);
    const certified = await gql(R2('certifyResult'), input(), council);
    expect(certified.data!.certifyResult.result).toMatchObject({ certified: true, winner: 'nkm', secondRoundNeeded: false });
    // An auditor re-deciding every rule from the events alone finds nothing to say.
    const rules = new LedgerRules();
    for (const event of await all()) rules.check(event);
    expect(rules.finish()).toEqual([]);
    expect(rules.figures).toMatchObject({ elections: 1, registrations: 4, rounds: 2, emargements: 9, ballots: 9 });

    // The whole ledger audited: rules, both rounds' votes as Belenios archives, every read model rebuilt.
    const audit = await auditLedger(f.store, { source: 'test', liveReadModels: f.server.app.get(READ_MODEL_DB), logger: pino({ level: 'silent' }) });
    expect(audit.firstFailure).toBeNull();
    expect(audit.verified).toBe(true);
    expect(audit.rounds.map((r) => [r.round, r.report.verified, r.report.stage, r.report.counts.ballots])).toEqual([
      [1, true, 'result', 5],
      [2, true, 'result', 4],
    ]);
    expect(audit.projections!.every((p) => p.status === 'matches')).toBe(true);
    expect(ledgerAuditMarkdown(audit)).toMatch(/\*\*Verdict: VERIFIED\*\*/);
  }, 120_000);
});
