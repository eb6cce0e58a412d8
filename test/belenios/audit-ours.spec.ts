import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { auditArchive, type AuditReport } from '../../src/domain/belenios/audit/audit.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { computePartialDecryption, serializePartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson } from '../../src/domain/belenios/tally.js';
import { provePossession, trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { exportBeleniosArchive } from '../../src/infrastructure/belenios-export/belenios-archive-export.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { E, VoteFixture, type Voter } from '../vote/support/vote-fixture.js';

/**
 * `urne audit belenios` on what our own system records: a round run over GraphQL (the server's
 * key and a Single trustee, four voters, a revote, the tally, both partial decryptions, the
 * result), exported with `exportBeleniosArchive` at each stage and verified by the auditor.
 */
const crypto = nodeBeleniosCrypto();
const ROUND_FIELDS = 'stage electionJson encryptedTallyJson tallied decryptedBy result { candidates { candidateId votes } blank countedBallots resultJson }';
const M = (name: string, inputType = 'VoteRoundInput') => `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${ROUND_FIELDS} } }`;
const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber replacedEarlierBallot } }`;

describe('urne audit belenios: an archive exported by our own system (GraphQL vote, server key and a Single trustee, a revote) verified at each stage', () => {
  const f = new VoteFixture();
  let election: Election;

  async function exported(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    await exportBeleniosArchive(f.store, { electionId: E, round: 1 }, (chunk) => {
      chunks.push(chunk.slice());
    });
    return new Uint8Array(Buffer.concat(chunks));
  }
  const audit = async (): Promise<AuditReport> => auditArchive(await exported(), crypto);
  const ok = <T extends { errors?: unknown }>(response: T): T => {
    expect(response.errors).toBeUndefined();
    return response;
  };

  beforeAll(async () => {
    await f.start({ revotePolicy: 'last-vote-counts' });
  }, 120_000);
  afterAll(() => f.stop());

  it('set-up, voting, result: every stage verified; the printed result is the one the server computed', async () => {
    const council = f.council;
    const trustee = f.staff('detenteur');
    ok(await f.gql(M('prepareVote', 'PrepareVoteInput'), { input: { electionId: E, singleTrustees: ['detenteur'], credentialRecovery: 'keep' } }, council));
    f.clock.set('2013-05-29T08:00:00.000Z');
    ok(await f.gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, { input: { electionId: E } }, council));
    for (const voter of f.voters) voter.accessCode = (await f.accessCodes(voter, 1))[0]!;
    const trusteeKey = crypto.randomExponent(BELENIOS_2048);
    const key = JSON.stringify(trusteePublicKeyToJson(await provePossession(BELENIOS_2048, trusteeKey, crypto)));
    ok(await f.gql(M('submitTrusteeKey', 'SubmitTrusteeKeyInput'), { input: { electionId: E, key } }, trustee));
    const published = ok(await f.gql(M('publishElectionKey'), { input: { electionId: E } }, council));
    election = await parseElection(published.data!.publishElectionKey.electionJson as string, crypto.sha256);
    ok(await f.gql(M('sealVote'), { input: { electionId: E } }, council));

    const setup = await audit();
    expect(setup).toMatchObject({ verified: true, stage: 'setup', counts: { credentials: 4, trustees: { single: 2, pedersen: [] } } });

    const schedule = f.server.app.get(BallotBoxSchedule);
    f.clock.set('2013-05-31T07:00:00.000Z');
    await schedule.tick();
    const choice = (c: number | 'blank') => [[c === 'blank' ? 1 : 0, ...[0, 1, 2].map((i) => (i === c ? 1 : 0))]];
    const cast = async (voter: Voter, c: number | 'blank') => {
      const ballot = await createBallot(election, voter.accessCode!, choice(c), crypto);
      return ok(await f.gql<{ castBallot: { replacedEarlierBallot: boolean } }>(CAST, { input: { electionId: E, ballot: ballot.text } }, voter.token!));
    };
    const [sophie, anne, luc, paul] = f.voters as [Voter, Voter, Voter, Voter];
    for (const voter of f.voters) voter.token = await f.signInToVote(voter);
    await cast(sophie, 0);
    await cast(anne, 1);
    await cast(luc, 'blank');
    await cast(paul, 1);
    expect((await cast(paul, 2)).data!.castBallot.replacedEarlierBallot).toBe(true);

    const voting = await audit();
    expect(voting).toMatchObject({ verified: true, stage: 'voting', counts: { ballots: 5, replacedBallots: 1 } });

    f.clock.set('2013-06-03T17:00:00.000Z');
    ok(await f.gql(M('closeBallotBox'), { input: { electionId: E } }, council));
    const tallied = ok(await f.gql(M('computeTally'), { input: { electionId: E } }, council));
    const tally = encryptedTallyFromJson(election, JSON.parse(tallied.data!.computeTally.encryptedTallyJson as string));
    const afterServer = await audit();
    // the server decrypts its share with the tally; the trustee has not yet
    expect(afterServer).toMatchObject({ verified: true, stage: 'decrypting', counts: { tallied: 4, partialDecryptions: 1 } });
    expect(afterServer.result).toBeUndefined();

    const partialDecryption = serializePartialDecryption(await computePartialDecryption(election, tally, trusteeKey, crypto));
    const decrypted = ok(await f.gql(M('submitPartialDecryption', 'SubmitPartialDecryptionInput'), { input: { electionId: E, partialDecryption } }, trustee));
    const serverResult = decrypted.data!.submitPartialDecryption.result as { resultJson: string };

    const report = await audit();
    expect(report.failure).toBeUndefined();
    expect(report).toMatchObject({ verified: true, stage: 'result', counts: { events: 11, ballots: 5, replacedBallots: 1, tallied: 4, totalWeight: '4', partialDecryptions: 2 } });
    expect(report.result!.raw).toEqual((JSON.parse(serverResult.resultJson) as { result: number[][] }).result.map((row) => row.map(String)));
    expect(report.result!.questions[0]).toMatchObject({
      blank: '1',
      answers: [
        { answer: 'Nathalie Kosciusko-Morizet', count: '1' },
        { answer: 'Pierre-Yves Bournazel', count: '1' },
        { answer: 'Jean-François Legaret', count: '1' },
      ],
    });
  }, 180_000);
});
