import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBallot } from '../../src/domain/belenios/ballot-verification.js';
import { ballotFromJson, ballotSignedHash, lastBallots, serializeBallot, type Ballot } from '../../src/domain/belenios/ballot.js';
import { BallotChoiceError, createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits, credentialSecret, webCryptoPbkdf2 } from '../../src/domain/belenios/credentials.js';
import { parseElection, UnsupportedQuestionError, type Election } from '../../src/domain/belenios/election.js';
import { decryptToGroup, encrypt, fixedBaseModExp, gPower } from '../../src/domain/belenios/elgamal.js';
import { BELENIOS_2048, bigIntModExp } from '../../src/domain/belenios/groups.js';
import { iprove, range, signBallotHash, verifyIproof } from '../../src/domain/belenios/proofs.js';
import { webCryptoSha256 } from '../../src/domain/belenios/trustee-key.js';
import {
  beleniosTool,
  beleniosToolAddEvent,
  beleniosToolAvailable,
  beleniosToolBallot,
  beleniosToolSkipReason,
  beleniosToolVerifies,
  createBeleniosToolElection,
  type BeleniosToolElection,
} from '../support/belenios-tool.js';
import { QUESTIONS, crypto, randomExponent } from './support/test-crypto.js';

const describeWithTool = beleniosToolAvailable ? describe : describe.skip;
const group = BELENIOS_2048;


/** An election of ours, with a known private key (pure tests, no belenios-tool). */
async function ownElection(questions: readonly object[] = QUESTIONS): Promise<{ election: Election; privateKey: bigint }> {
  const privateKey = randomExponent(group);
  const text = JSON.stringify({
    version: 1,
    description: 'd',
    name: 'n',
    group: group.name,
    public_key: crypto.modExp(group.g, privateKey, group.p).toString(),
    questions,
    uuid: 'sxSxEBirnRuWr1',
  });
  return { election: await parseElection(text, webCryptoSha256), privateKey };
}

const newCredential = () => credentialFromDigits(Array.from(randomBytes(14), (b) => b % 58));

/** Replaces the first match of `pattern` in `text` (the test fails if there is none). */
function tamper(text: string, from: string, to: string): string {
  expect(text.includes(from)).toBe(true);
  return text.replace(from, to);
}

async function resign(election: Election, credential: string, ballot: Ballot): Promise<string> {
  const secret = await credentialSecret(election.group, credential, election.uuid, webCryptoPbkdf2);
  const hash = await ballotSignedHash(ballot, webCryptoSha256);
  return serializeBallot({ ...ballot, signature: { hash, proof: await signBallotHash(election.group, secret, hash, crypto) } });
}

describe('ElGamal, interval proofs and the booth (pure)', () => {
  it('encrypts and decrypts 0, 1 and 7 with a known key', async () => {
    const { election, privateKey } = await ownElection();
    for (const m of [0n, 1n, 7n]) {
      const c = encrypt(group, election.publicKey, m, randomExponent(group), crypto.modExp);
      expect(decryptToGroup(group, privateKey, c, crypto.modExp)).toBe(gPower(group, m, crypto.modExp));
    }
  });

  it('computes with fixed-base tables the same powers as square-and-multiply', async () => {
    const { election } = await ownElection();
    const fixed = fixedBaseModExp(bigIntModExp, { maxExponentBits: 512 });
    const exponents = [0n, 1n, 255n, 256n, 65535n, group.q - 1n, randomExponent(group), randomExponent(group), (1n << 300n) + 5n, 1n << 600n];
    for (const base of [group.g, election.publicKey]) {
      for (let round = 0; round < 3; round++) {
        for (const e of exponents) expect(fixed(base, e, group.p)).toBe(bigIntModExp(base, e, group.p));
      }
    }
  });

  it('proves and verifies membership for every index of an interval, and not for another interval', async () => {
    const { election } = await ownElection();
    const values = range(2, 5);
    for (const [index, m] of values.entries()) {
      const r = randomExponent(group);
      const c = encrypt(group, election.publicKey, m, r, crypto.modExp);
      const proof = await iprove(group, election.publicKey, 'S', c, r, index, values, crypto);
      expect(await verifyIproof(group, election.publicKey, 'S', c, values, proof, crypto)).toBe(true);
      expect(await verifyIproof(group, election.publicKey, 'T', c, values, proof, crypto)).toBe(false);
      expect(await verifyIproof(group, election.publicKey, 'S', c, range(3, 6), proof, crypto)).toBe(false);
    }
  });

  it('makes ballots that verify, for a vote, a blank vote and an empty selection', async () => {
    const { election } = await ownElection();
    const credential = newCredential();
    for (const choices of [[[0, 0, 1, 0, 0, 0], [1, 1, 0]], [[1, 0, 0, 0, 0, 0], [0, 0, 0]]]) {
      const made = await createBallot(election, credential, choices, crypto);
      const verified = await verifyBallot(election, made.text, crypto);
      expect(verified).toMatchObject({ ok: true, trackingNumber: made.trackingNumber, credential: made.ballot.credential.toString() });
    }
  });

  it('refuses choices out of range with a clear error', async () => {
    const { election } = await ownElection();
    const credential = newCredential();
    const cases: [number[][], string][] = [
      [[[0, 1, 1, 0, 0, 0], [0, 0, 0]], 'question 1: select between 1 and 1 answers, not 2'],
      [[[0, 0, 0, 0, 0, 0], [0, 0, 0]], 'question 1: select between 1 and 1 answers, not 0'],
      [[[1, 1, 0, 0, 0, 0], [0, 0, 0]], 'question 1: a blank vote selects no answer'],
      [[[0, 1, 0, 0, 0, 0], [1, 1, 1]], 'question 2: select between 0 and 2 answers, not 3'],
      [[[0, 2, 0, 0, 0, 0], [0, 0, 0]], 'question 1: every value must be 0 or 1'],
      [[[0, 1, 0, 0, 0], [0, 0, 0]], 'question 1: expected 6 values, got 5'],
      [[[0, 1, 0, 0, 0, 0]], 'expected answers to 2 questions, got 1'],
    ];
    for (const [choices, message] of cases) {
      await expect(createBallot(election, credential, choices, crypto)).rejects.toThrow(new BallotChoiceError('InvalidChoices', message));
    }
    await expect(createBallot(election, 'abc', [[0, 1, 0, 0, 0, 0], [0, 0, 0]], crypto)).rejects.toMatchObject({ code: 'InvalidCredential' });
  });

  it('refuses a non-homomorphic question with a typed error', async () => {
    await expect(ownElection([{ type: 'NonHomomorphic', value: { answers: ['a'], question: 'q' } }])).rejects.toBeInstanceOf(UnsupportedQuestionError);
  });

  it('works with plain BigInt exponentiation (the browser path)', async () => {
    const { election } = await ownElection([{ question: 'q', answers: ['a', 'b'], min: 1, max: 1 }]);
    const plain = { ...crypto, modExp: bigIntModExp, fixedBase: undefined };
    const made = await createBallot(election, newCredential(), [[0, 1]], plain);
    expect((await verifyBallot(election, made.text, plain)).ok).toBe(true);
  });

  it('rejects a changed proof even when re-signed, and keeps the last ballot of each credential', async () => {
    const { election } = await ownElection();
    const credential = newCredential();
    const made = await createBallot(election, credential, [[0, 0, 1, 0, 0, 0], [1, 1, 0]], crypto);
    const proof = made.ballot.answers[1]!.overallProof[0]!;
    const answers = made.ballot.answers.map((answer, i) => (i === 1 ? { ...answer, overallProof: [{ ...proof, response: (proof.response + 1n) % group.q }, ...answer.overallProof.slice(1)] } : answer));
    const verified = await verifyBallot(election, await resign(election, credential, { ...made.ballot, answers }), crypto);
    expect(verified).toEqual({ ok: false, reason: 'InvalidBallot', detail: 'answer 2: the overall proof fails' });
    const other = await createBallot(election, newCredential(), [[1, 0, 0, 0, 0, 0], [0, 0, 0]], crypto);
    const revote = await createBallot(election, credential, [[0, 1, 0, 0, 0, 0], [0, 0, 0]], crypto);
    expect(lastBallots([made.ballot, other.ballot, revote.ballot])).toEqual([other.ballot, revote.ballot]);
  });
});

describeWithTool(`ballots interoperate with belenios-tool 2.0${beleniosToolSkipReason}`, () => {
  let dir: string;
  let tool: BeleniosToolElection;
  let election: Election;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-ballot-'));
    tool = createBeleniosToolElection(dir, { questions: QUESTIONS, voters: 4 });
    election = await parseElection(tool.electionJson, webCryptoSha256);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("verifies belenios-tool's ballots, with its tracking number", async () => {
    expect(election.fingerprint).toBe(beleniosTool(['sha256-b64'], { cwd: dir, input: tool.electionJson }).trim());
    for (const choices of [[[0, 0, 0, 0, 1, 0], [1, 0, 1]], [[1, 0, 0, 0, 0, 0], [0, 0, 0]], [[0, 1, 0, 0, 0, 0], [0, 1, 0]]]) {
      const text = beleniosToolBallot(dir, tool.privateCredentials[0]!, choices);
      const verified = await verifyBallot(election, text, crypto);
      expect(verified).toMatchObject({ ok: true });
      if (verified.ok) expect(verified.trackingNumber).toBe(beleniosTool(['sha256-b64'], { cwd: dir, input: text }).trim());
    }
  });

  it('rejects tampered copies with the right reason', async () => {
    const text = beleniosToolBallot(dir, tool.privateCredentials[1]!, [[0, 0, 1, 0, 0, 0], [1, 1, 0]]);
    const ballot = ballotFromJson(JSON.parse(text));
    const response = ballot.answers[0]!.individualProofs[2]![1]!.response.toString();
    const changedDigit = tamper(text, response, response.slice(0, 10) + ((Number(response[10]) + 1) % 10) + response.slice(11));
    const swapped = serializeBallot({ ...ballot, answers: [{ ...ballot.answers[0]!, choices: [ballot.answers[0]!.choices[0]!, ballot.answers[0]!.choices[2]!, ballot.answers[0]!.choices[1]!, ...ballot.answers[0]!.choices.slice(3)] }, ballot.answers[1]!] });
    const wrongHash = tamper(text, `"election_hash":"${election.fingerprint}"`, `"election_hash":"${election.fingerprint.slice(1)}A"`);
    const reordered = tamper(text, `{"election_uuid":"${tool.uuid}","election_hash":"${election.fingerprint}"`, `{"election_hash":"${election.fingerprint}","election_uuid":"${tool.uuid}"`);
    const spaced = tamper(text, '"answers":', '"answers": ');
    const outside = tamper(text, `"credential":"${ballot.credential}"`, `"credential":"${group.p - 1n}"`);
    expect(await verifyBallot(election, changedDigit, crypto)).toMatchObject({ ok: false, reason: 'InvalidBallot' });
    expect(await verifyBallot(election, swapped, crypto)).toMatchObject({ ok: false, reason: 'InvalidBallot' });
    expect(await verifyBallot(election, wrongHash, crypto)).toEqual({ ok: false, reason: 'InvalidBallot', detail: 'election_hash is not the fingerprint of this election' });
    expect(await verifyBallot(election, outside, crypto)).toEqual({ ok: false, reason: 'InvalidBallot', detail: 'credential is not a group element' });
    expect(await verifyBallot(election, reordered, crypto)).toMatchObject({ ok: false, reason: 'NonCanonical' });
    expect(await verifyBallot(election, spaced, crypto)).toMatchObject({ ok: false, reason: 'NonCanonical' });
    expect(await verifyBallot(election, `${text}\n`, crypto)).toMatchObject({ ok: false, reason: 'NonCanonical' });
    expect(await verifyBallot(election, '{"election_uuid":', crypto)).toMatchObject({ ok: false, reason: 'InvalidBallot', detail: 'ballot is not JSON' });
    // belenios-tool agrees: each one, alone in a copy of the archive, fails its verification
    for (const bad of [changedDigit, swapped, wrongHash, reordered]) {
      const copy = mkdtempSync(join(tmpdir(), 'urne-ballot-bad-'));
      cpSync(dir, copy, { recursive: true });
      beleniosToolAddEvent(copy, 'Ballot', bad);
      expect(beleniosToolVerifies(copy).ok).toBe(false);
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('makes ballots belenios-tool accepts: votes, a blank vote and a revote', async () => {
    const submissions: [string, number[][]][] = [
      [tool.privateCredentials[2]!, [[0, 0, 0, 1, 0, 0], [0, 1, 1]]],
      [tool.privateCredentials[3]!, [[1, 0, 0, 0, 0, 0], [0, 0, 0]]],
      [tool.privateCredentials[2]!, [[0, 1, 0, 0, 0, 0], [1, 0, 0]]],
    ];
    for (const [credential, choices] of submissions) {
      const made = await createBallot(election, credential, choices, crypto);
      expect(made.trackingNumber).toBe(beleniosTool(['sha256-b64'], { cwd: dir, input: made.text }).trim());
      beleniosToolAddEvent(dir, 'Ballot', made.text);
    }
    const verification = beleniosToolVerifies(dir);
    expect(verification.output).toContain('all checks passed');
    expect(verification.ok).toBe(true);
  });
});
