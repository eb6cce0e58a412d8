import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BallotBoxSchedule } from '../../src/application/vote/ballot-box-schedule.js';
import { VoteRounds } from '../../src/application/vote/vote-rounds.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { computePartialDecryption, serializePartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson, type EncryptedTally } from '../../src/domain/belenios/tally.js';
import { webCryptoAesCcm } from '../../src/domain/belenios/threshold/aes-ccm.js';
import { generateCertificate, type Certificate } from '../../src/domain/belenios/threshold/certificate.js';
import { newSeed, type ThresholdCrypto } from '../../src/domain/belenios/threshold/pki.js';
import { generatePolynomial, polynomialFromJson, polynomialToJson } from '../../src/domain/belenios/threshold/polynomial.js';
import { signedMessageFromJson, signedMessageToJson } from '../../src/domain/belenios/threshold/signed-message.js';
import type { ThresholdParameters } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { vinputFromJson } from '../../src/domain/belenios/threshold/vinput.js';
import { computeVoutput, recoverThresholdKey, voutputToJson, type Voutput } from '../../src/domain/belenios/threshold/voutput.js';
import { trusteePublicKeyToJson } from '../../src/domain/belenios/trustee-key.js';
import { electionPublicKey, trusteesFromJson, validateTrustees } from '../../src/domain/belenios/trustees.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { beleniosTool, beleniosToolAvailable, beleniosToolSkipReason, beleniosToolVerifies } from '../support/belenios-tool.js';
import { codesOf } from '../support/graphql-client.js';
import { createStaffAccount, staffToken } from '../support/staff-sessions.js';
import { E, VoteFixture, type Voter } from './support/vote-fixture.js';

/**
 * The threshold ("Pedersen") key ceremony over GraphQL, on a real server: a round whose only
 * trustees (besides the server) are a 2-of-3 group. The three members run the ceremony with the
 * domain's trustee-side functions (as `urne trustee threshold-*` does), the server checks every
 * step and refuses tampered submissions with typed codes, the published trustees structure is
 * valid for our verifier and for belenios-tool, and two of the three members suffice to decrypt.
 */

const group = BELENIOS_2048;
const crypto = nodeBeleniosCrypto();
const trusteeCrypto: ThresholdCrypto = { modExp: crypto.modExp, sha256: crypto.sha256, randomExponent: crypto.randomExponent, aesCcm: webCryptoAesCcm };

const ROUND_FIELDS = 'stage missing thresholdStep electionJson trusteesJson encryptedTallyJson tallied decryptedBy result { candidates { candidateId votes } blank countedBallots }';
const ROUND = `query ($e: String!) { voteRound(electionId: $e) { ${ROUND_FIELDS} } }`;
const M = (name: string, inputType = 'VoteRoundInput') => `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${ROUND_FIELDS} } }`;
const CERTIFICATE = M('submitThresholdCertificate', 'SubmitThresholdCertificateInput');
const POLYNOMIAL = M('submitThresholdPolynomial', 'SubmitThresholdPolynomialInput');
const VOUTPUT = M('submitThresholdVoutput', 'SubmitThresholdVoutputInput');
const DECRYPTION = M('submitPartialDecryption', 'SubmitPartialDecryptionInput');
const CERTIFICATES = `query ($e: String!) { thresholdCertificates(electionId: $e) }`;
const VINPUT = `query ($e: String!) { thresholdVinput(electionId: $e) }`;
const CAST = `mutation ($input: CastBallotInput!) { castBallot(input: $input) { trackingNumber } }`;

/** A member of the threshold group, with what it keeps on its own machine. */
interface Member {
  username: string;
  account: Awaited<ReturnType<typeof createStaffAccount>>;
  seed: string;
  certificate?: string;
  polynomial?: string;
  voutput?: Voutput;
}

describe('the threshold (Pedersen) key ceremony over GraphQL: 2 of 3 trustees, checked steps, belenios-tool, decryption by a quorum', () => {
  const f = new VoteFixture();
  const { clock, voters } = f;
  let outsiderAccount: Awaited<ReturnType<typeof createStaffAccount>>;
  const members: Member[] = [];
  let certificates: Certificate[];
  let parameters: ThresholdParameters;
  let election: Election;
  let tally: EncryptedTally;

  const gql = async <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: () => Promise<string>) => f.gql<T>(query, variables, token);
  const council = f.council;
  const outsider = () => staffToken(f.server.app, outsiderAccount);
  const as = (member: Member) => () => staffToken(f.server.app, member.account);
  const alice = () => members[0]!;
  const bruno = () => members[1]!;
  const chloe = () => members[2]!;
  const round = async () => (await gql<{ voteRound: Record<string, any> }>(ROUND, { e: E })).data!.voteRound;
  const submit = (mutation: string, field: string, member: Member | (() => Promise<string>), text: string) =>
    gql(mutation, { input: { electionId: E, [field]: text } }, typeof member === 'function' ? member : as(member));

  const signInToVote = (voter: Voter) => f.signInToVote(voter);

  /** The certificates as the server gives them, read as a trustee reads them. */
  async function fetchCertificates(): Promise<{ texts: string[]; certificates: Certificate[] }> {
    const texts = (await gql<{ thresholdCertificates: string[] }>(CERTIFICATES, { e: E })).data!.thresholdCertificates;
    return { texts, certificates: texts.map((text) => signedMessageFromJson(JSON.parse(text))) };
  }

  beforeAll(async () => {
    await f.start({ revotePolicy: 'last-vote-counts', rounds: { count: 2, majorityPercent: 50 }, secondRoundVotingOpensAt: '2013-06-07T08:00', secondRoundVotingClosesAt: '2013-06-10T19:00' });
    outsiderAccount = await f.addStaff('etranger', 'trustee');
    for (const username of ['alice', 'bruno', 'chloe']) {
      members.push({ username, account: await f.addStaff(username, 'trustee'), seed: newSeed((n) => new Uint8Array(randomBytes(n))) });
    }
  }, 120_000);

  afterAll(() => f.stop());

  it('prepares a round with a 2-of-3 threshold group and no single trustee; issues the credentials', async () => {
    const prepared = await gql(
      M('prepareVote', 'PrepareVoteInput'),
      { input: { electionId: E, singleTrustees: [], thresholdGroup: { trustees: ['alice', 'bruno', 'chloe'], threshold: 2 }, credentialRecovery: 'keep' } },
      council,
    );
    expect(prepared.errors).toBeUndefined();
    expect(prepared.data!.prepareVote).toMatchObject({ stage: 'preparing', thresholdStep: 'certificates' });
    expect((await gql(CERTIFICATES, { e: E })).data).toEqual({ thresholdCertificates: [] });

    clock.set('2013-05-29T08:00:00.000Z');
    const issued = await gql(`mutation ($input: VoteRoundInput!) { issueCredentials(input: $input) { voters } }`, { input: { electionId: E } }, council);
    expect(issued.data).toEqual({ issueCredentials: { voters: 4 } });
    for (const voter of voters) voter.accessCode = (await f.accessCodes(voter, 1))[0]!;
    expect((await round()).missing).toEqual(members.map((m) => `the threshold key share of trustee ${m.account.staffId}`));
  });

  it('step 1, certificates: signatures checked, one seed per member, only members, listed in group order', async () => {
    for (const member of members) member.certificate = JSON.stringify(signedMessageToJson(await generateCertificate(group, member.seed, trusteeCrypto)));
    const forged = JSON.parse(alice().certificate!);
    forged.signature.response = ((BigInt(forged.signature.response) + 1n) % group.q).toString();
    expect(codesOf(await submit(CERTIFICATE, 'certificate', alice(), JSON.stringify(forged)))).toEqual(['InvalidCertificate']);
    expect(codesOf(await submit(CERTIFICATE, 'certificate', alice(), 'not json'))).toEqual(['InvalidCertificate']);
    expect(codesOf(await submit(CERTIFICATE, 'certificate', alice(), JSON.stringify({ message: '{}', signature: { challenge: '1', response: '1' } })))).toEqual(['InvalidCertificate']);
    expect(codesOf(await submit(CERTIFICATE, 'certificate', outsider, alice().certificate!))).toEqual(['NotATrustee']);
    expect(codesOf(await submit(CERTIFICATE, 'certificate', council, alice().certificate!))).toEqual(['FORBIDDEN']);
    expect(codesOf(await gql(VINPUT, { e: E }))).toEqual(['UNAUTHENTICATED']);

    // Chloe first: the list keeps the group's order, not the order of arrival.
    expect((await submit(CERTIFICATE, 'certificate', chloe(), chloe().certificate!)).errors).toBeUndefined();
    const first = await submit(CERTIFICATE, 'certificate', alice(), alice().certificate!);
    expect(first.errors).toBeUndefined();
    expect(first.data!.submitThresholdCertificate.thresholdStep).toBe('certificates');
    expect((await fetchCertificates()).texts).toEqual([alice().certificate, chloe().certificate]);
    // Sent again (a lost answer): applied once. Another certificate afterwards: refused.
    expect((await submit(CERTIFICATE, 'certificate', alice(), alice().certificate!)).errors).toBeUndefined();
    const other = JSON.stringify(signedMessageToJson(await generateCertificate(group, newSeed((n) => new Uint8Array(randomBytes(n))), trusteeCrypto)));
    expect(codesOf(await submit(CERTIFICATE, 'certificate', alice(), other))).toEqual(['AlreadySubmitted']);
    // Bruno cannot take Alice's certificate (nor her seed), even re-signed.
    expect(codesOf(await submit(CERTIFICATE, 'certificate', bruno(), alice().certificate!))).toEqual(['InvalidCertificate']);
    const resigned = JSON.stringify(signedMessageToJson(await generateCertificate(group, alice().seed, trusteeCrypto)));
    expect(resigned).not.toBe(alice().certificate);
    expect(codesOf(await submit(CERTIFICATE, 'certificate', bruno(), resigned))).toEqual(['InvalidCertificate']);
    // Too early for a polynomial or a vinput.
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', alice(), '{}'))).toEqual(['WrongCeremonyStep']);
    expect((await gql(VINPUT, { e: E }, as(alice()))).data).toEqual({ thresholdVinput: null });

    const last = await submit(CERTIFICATE, 'certificate', bruno(), bruno().certificate!);
    expect(last.errors).toBeUndefined();
    expect(last.data!.submitThresholdCertificate.thresholdStep).toBe('polynomials');
    const fetched = await fetchCertificates();
    expect(fetched.texts).toEqual(members.map((m) => m.certificate));
    certificates = fetched.certificates;
  });

  it('step 2, polynomials: checked against the certificates in group order, at the caller’s position, with the planned threshold', async () => {
    for (const member of members) member.polynomial = JSON.stringify(polynomialToJson(await generatePolynomial(group, member.seed, certificates, 2, trusteeCrypto)));
    expect(codesOf(await submit(CERTIFICATE, 'certificate', alice(), alice().certificate!))).toEqual([]);
    expect(codesOf(await submit(VOUTPUT, 'voutput', alice(), '{}'))).toEqual(['WrongCeremonyStep']);
    // Bruno sends Alice's polynomial: its coefexps are not signed by Bruno's key.
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', bruno(), alice().polynomial!))).toEqual(['InvalidPolynomial']);
    // A 3-of-3 polynomial where the council planned 2 of 3.
    const tooHigh = JSON.stringify(polynomialToJson(await generatePolynomial(group, alice().seed, certificates, 3, trusteeCrypto)));
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', alice(), tooHigh))).toEqual(['InvalidPolynomial']);
    // A secret missing, a secret that is not an encrypted message.
    const parsed = polynomialFromJson(JSON.parse(alice().polynomial!));
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', alice(), JSON.stringify(polynomialToJson({ ...parsed, secrets: parsed.secrets.slice(0, 2) }))))).toEqual(['InvalidPolynomial']);
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', alice(), JSON.stringify(polynomialToJson({ ...parsed, secrets: [...parsed.secrets.slice(0, 2), '{"alpha":"1"}'] }))))).toEqual([
      'InvalidPolynomial',
    ]);
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', outsider, alice().polynomial!))).toEqual(['NotATrustee']);

    for (const member of [chloe(), alice()]) expect((await submit(POLYNOMIAL, 'polynomial', member, member.polynomial!)).errors).toBeUndefined();
    expect((await gql(VINPUT, { e: E }, as(alice()))).data).toEqual({ thresholdVinput: null });
    const last = await submit(POLYNOMIAL, 'polynomial', bruno(), bruno().polynomial!);
    expect(last.errors).toBeUndefined();
    expect(last.data!.submitThresholdPolynomial.thresholdStep).toBe('voutputs');
    expect(codesOf(await submit(POLYNOMIAL, 'polynomial', bruno(), tooHigh))).toEqual(['AlreadySubmitted']);
  });

  it('step 3, voutputs: each member’s vinput from the server, its verification key checked against the coefexps at its position', async () => {
    expect(codesOf(await gql(VINPUT, { e: E }, outsider))).toEqual(['NotATrustee']);
    expect(codesOf(await gql(VINPUT, { e: E }, council))).toEqual(['FORBIDDEN']);
    for (const member of members) {
      const vinput = (await gql<{ thresholdVinput: string }>(VINPUT, { e: E }, as(member))).data!.thresholdVinput;
      expect(vinput).toEqual(expect.any(String));
      // The trustee checks the secrets sent to it against every coefexps before computing its share.
      member.voutput = await computeVoutput(group, member.seed, certificates, vinputFromJson(JSON.parse(vinput)), trusteeCrypto);
    }
    // Another member's vinput does not open with this seed.
    const brunoVinput = (await gql<{ thresholdVinput: string }>(VINPUT, { e: E }, as(bruno()))).data!.thresholdVinput;
    await expect(computeVoutput(group, alice().seed, certificates, vinputFromJson(JSON.parse(brunoVinput)), trusteeCrypto)).rejects.toThrow();

    const text = (v: Voutput) => JSON.stringify(voutputToJson(v));
    // Bruno sends Alice's voutput: the key is not the one his position gives.
    expect(codesOf(await submit(VOUTPUT, 'voutput', bruno(), text(alice().voutput!)))).toEqual(['InvalidVoutput']);
    // The right key with a broken proof; a private key that is not an encrypted message.
    const key = alice().voutput!.publicKey;
    expect(codesOf(await submit(VOUTPUT, 'voutput', alice(), text({ ...alice().voutput!, publicKey: { ...key, pok: { ...key.pok, response: (key.pok.response + 1n) % group.q } } })))).toEqual([
      'InvalidVoutput',
    ]);
    expect(codesOf(await submit(VOUTPUT, 'voutput', alice(), text({ ...alice().voutput!, privateKey: 'secret' })))).toEqual(['InvalidVoutput']);
    expect(codesOf(await submit(VOUTPUT, 'voutput', alice(), JSON.stringify({ private_key: alice().voutput!.privateKey })))).toEqual(['InvalidVoutput']);

    for (const member of members) expect((await submit(VOUTPUT, 'voutput', member, text(member.voutput!))).errors).toBeUndefined();
    expect(await round()).toMatchObject({ thresholdStep: 'done', missing: [] });
  });

  it('publishes the key: [Single server, Pedersen group] that our verifier accepts, its key the product of the sub-keys', async () => {
    const published = await gql(M('publishElectionKey'), { input: { electionId: E } }, council);
    expect(published.errors).toBeUndefined();
    const trusteesJson = published.data!.publishElectionKey.trusteesJson as string;
    election = await parseElection(published.data!.publishElectionKey.electionJson as string, crypto.sha256);
    const trustees = trusteesFromJson(JSON.parse(trusteesJson));
    expect(trustees.map((t) => t.kind)).toEqual(['Single', 'Pedersen']);
    await expect(validateTrustees(group, trustees, crypto)).resolves.toBeUndefined();
    expect(electionPublicKey(group, trustees, crypto)).toBe(election.publicKey);
    parameters = (trustees[1] as Extract<(typeof trustees)[number], { kind: 'Pedersen' }>).parameters;
    expect(parameters.threshold).toBe(2);
    expect(parameters.certs.map((c) => JSON.stringify(signedMessageToJson(c)))).toEqual(members.map((m) => m.certificate));
    expect(parameters.verificationKeys.map((k) => JSON.stringify(trusteePublicKeyToJson(k)))).toEqual(members.map((m) => JSON.stringify(trusteePublicKeyToJson(m.voutput!.publicKey))));
    // The ceremony is over: nothing more is taken.
    expect(codesOf(await submit(VOUTPUT, 'voutput', alice(), JSON.stringify(voutputToJson(alice().voutput!))))).toEqual(['WrongVoteStage']);

    const sealed = await gql(M('sealVote'), { input: { electionId: E } }, council);
    expect(sealed.data!.sealVote.stage).toBe('sealed');
  });

  (beleniosToolAvailable ? it : it.skip)(`belenios-tool accepts the published election, trustees and credentials (archive init, election verify)${beleniosToolSkipReason}`, async () => {
    const state = await f.server.app.get(VoteRounds).load(E, 1);
    const folder = join(f.dir, 'belenios-setup');
    mkdirSync(folder);
    writeFileSync(join(folder, 'election.json'), `${state.published!.election}\n`);
    writeFileSync(join(folder, 'trustees.json'), `${state.published!.trustees}\n`);
    const credentials = await f.server.app.get(VoteRounds).publicCredentials(E, 1, true);
    writeFileSync(join(folder, 'public_creds.json'), `${JSON.stringify(credentials.list)}\n`);
    beleniosTool(['archive', 'init'], { cwd: folder });
    const verdict = beleniosToolVerifies(folder);
    expect(verdict).toMatchObject({ ok: true });
  });

  it('voters cast; the council closes and tallies; two of the three members decrypt, a wrong share is refused; the result matches the votes', async () => {
    const schedule = f.server.app.get(BallotBoxSchedule);
    clock.set('2013-05-31T07:00:00.000Z');
    await schedule.tick();
    const choices: (number | 'blank')[] = [0, 1, 1, 'blank'];
    for (const [i, voter] of voters.entries()) {
      voter.token = await signInToVote(voter);
      const choice = choices[i]!;
      const ballot = await createBallot(election, voter.accessCode!, [[choice === 'blank' ? 1 : 0, ...[0, 1, 2].map((c) => (c === choice ? 1 : 0))]], crypto);
      expect((await f.gql(CAST, { input: { electionId: E, ballot: ballot.text } }, voter.token)).errors).toBeUndefined();
    }
    expect((await gql(M('closeBallotBox'), { input: { electionId: E } }, council)).errors).toBeUndefined();
    const tallied = await gql(M('computeTally'), { input: { electionId: E } }, council);
    expect(tallied.errors).toBeUndefined();
    expect(tallied.data!.computeTally).toMatchObject({ stage: 'tallying', tallied: 4, decryptedBy: ['server'] });
    tally = encryptedTallyFromJson(election, JSON.parse(tallied.data!.computeTally.encryptedTallyJson as string));

    // Each member recovers its share from its seed and the encrypted key it kept (its .dkey).
    const share = async (member: Member) => {
      const recovered = await recoverThresholdKey(group, member.seed, parameters.certs, parameters.verificationKeys, member.voutput!.privateKey, trusteeCrypto);
      expect(recovered.index).toBe(members.indexOf(member));
      return recovered.privateKey;
    };
    const decryption = async (privateKey: bigint) => serializePartialDecryption(await computePartialDecryption(election, tally, privateKey, crypto));
    const aliceShare = await share(alice());
    const chloeShare = await share(chloe());
    expect(codesOf(await submit(DECRYPTION, 'partialDecryption', alice(), await decryption((aliceShare + 1n) % group.q)))).toEqual(['InvalidPartialDecryption']);
    // Chloe cannot pass Alice's share (or decryption) off as her own.
    const aliceDecryption = await decryption(aliceShare);
    expect(codesOf(await submit(DECRYPTION, 'partialDecryption', chloe(), aliceDecryption))).toEqual(['InvalidPartialDecryption']);

    const first = await submit(DECRYPTION, 'partialDecryption', alice(), aliceDecryption);
    expect(first.errors).toBeUndefined();
    expect(first.data!.submitPartialDecryption).toMatchObject({ stage: 'tallying', result: null });
    expect(first.data!.submitPartialDecryption.decryptedBy).toEqual(['server', alice().account.staffId]);
    const second = await submit(DECRYPTION, 'partialDecryption', chloe(), await decryption(chloeShare));
    expect(second.errors).toBeUndefined();
    expect(second.data!.submitPartialDecryption).toMatchObject({
      stage: 'tallied',
      result: {
        blank: 1,
        countedBallots: 4,
        candidates: [
          { candidateId: 'nkm', votes: 1 },
          { candidateId: 'pierre', votes: 2 },
          { candidateId: 'jean', votes: 0 },
        ],
      },
    });
  });

  (beleniosToolAvailable ? it : it.skip)(`belenios-tool verifies the whole round's archive, threshold decryptions and result included${beleniosToolSkipReason}`, async () => {
    const response = await fetch(`${f.server.baseUrl}/elections/${E}/rounds/1/archive.bel`);
    expect(response.status).toBe(200);
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')![1]!;
    const folder = join(f.dir, 'belenios-archive');
    mkdirSync(folder);
    writeFileSync(join(folder, name), new Uint8Array(await response.arrayBuffer()));
    const verdict = beleniosToolVerifies(folder);
    expect(verdict).toMatchObject({ ok: true });
  });
});
