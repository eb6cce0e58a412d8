import { DomainError } from '../shared/decider.js';
import { answerString, ballotSignedHash, credentialString, productOf, serializeBallot, trackingNumber, type Ballot, type HomomorphicAnswer, type UnsignedBallot } from './ballot.js';
import { checkCredential, credentialSecret, type Pbkdf2Sha256 } from './credentials.js';
import { choiceCount, type Election, type HomomorphicQuestion } from './election.js';
import { encrypt } from './elgamal.js';
import { fixedBasePower, iprove, mod, proveBlank, proveOverallBlank, range, signBallotHash, type Proof, type ProveCrypto } from './proofs.js';

/**
 * The voting booth (Belenios 2.0, 4.11.1 to 4.15): encrypts the voter's choices, proves them
 * well formed, and signs the ballot with the credential. Runs in browsers: WebCrypto (SHA-256,
 * PBKDF2) and the injected exponentiation and randomness only.
 */
export interface BoothCrypto extends ProveCrypto {
  readonly pbkdf2: Pbkdf2Sha256;
}

/** Choices that the question does not allow, or a malformed credential. */
export class BallotChoiceError extends DomainError<'InvalidChoices' | 'InvalidCredential'> {}

/**
 * One vector of 0/1 per question, as belenios-tool's plaintext ballots: one value per answer,
 * preceded by the blank value when the question allows a blank vote ([1, 0, ..., 0] is blank).
 */
export type PlaintextBallot = readonly (readonly number[])[];

export interface CreatedBallot {
  readonly ballot: Ballot;
  /** The canonical JSON text to submit. */
  readonly text: string;
  /** The smart ballot tracker shown to the voter. */
  readonly trackingNumber: string;
}

export async function createBallot(election: Election, privateCredential: string, choices: PlaintextBallot, crypto: BoothCrypto): Promise<CreatedBallot> {
  checkChoices(election, choices);
  if (!checkCredential(privateCredential).valid) throw new BallotChoiceError('InvalidCredential', 'the credential is malformed or its checksum is wrong');
  const { group } = election;
  const secret = await credentialSecret(group, privateCredential, election.uuid, crypto.pbkdf2);
  const credential = fixedBasePower(crypto)(group.g, secret, group.p);
  const s0 = credentialString(election.fingerprint, credential);
  const answers: HomomorphicAnswer[] = [];
  for (const [i, question] of election.questions.entries()) answers.push(await encryptAnswer(election, question, choices[i]!, s0, crypto));
  const unsigned: UnsignedBallot = { electionUuid: election.uuid, electionHash: election.fingerprint, credential, answers };
  const hash = await ballotSignedHash(unsigned, crypto.sha256);
  const ballot: Ballot = { ...unsigned, signature: { hash, proof: await signBallotHash(group, secret, hash, crypto) } };
  const text = serializeBallot(ballot);
  return { ballot, text, trackingNumber: await trackingNumber(text, crypto.sha256) };
}

/** Refuses, with the question and the rule, any choice vector the question does not allow. */
export function checkChoices(election: Election, choices: PlaintextBallot): void {
  if (choices.length !== election.questions.length) refuse(`expected answers to ${election.questions.length} questions, got ${choices.length}`);
  for (const [i, question] of election.questions.entries()) {
    const vector = choices[i]!;
    if (vector.length !== choiceCount(question)) refuse(`question ${i + 1}: expected ${choiceCount(question)} values, got ${vector.length}`);
    if (!vector.every((m) => m === 0 || m === 1)) refuse(`question ${i + 1}: every value must be 0 or 1`);
    const selected = sumOf(question.blank ? vector.slice(1) : vector);
    if (question.blank && vector[0] === 1) {
      if (selected !== 0) refuse(`question ${i + 1}: a blank vote selects no answer`);
    } else if (selected < question.min || selected > question.max) {
      refuse(`question ${i + 1}: select between ${question.min} and ${question.max} answers, not ${selected}`);
    }
  }
}

function refuse(message: string): never {
  throw new BallotChoiceError('InvalidChoices', message);
}

const sumOf = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

async function encryptAnswer(election: Election, question: HomomorphicQuestion, vector: readonly number[], s0: string, crypto: BoothCrypto): Promise<HomomorphicAnswer> {
  const { group, publicKey: y } = election;
  const randomness = vector.map(() => crypto.randomExponent(group));
  const choices = vector.map((m, j) => encrypt(group, y, BigInt(m), randomness[j]!, fixedBasePower(crypto)));
  const individualProofs: Proof[][] = [];
  for (const [j, c] of choices.entries()) individualProofs.push(await iprove(group, y, s0, c, randomness[j]!, vector[j]!, [0n, 1n], crypto));
  const s = answerString(s0, choices);
  const base = { choices, individualProofs };
  if (!question.blank) {
    const total = productOf(group, choices);
    const selected = sumOf(vector);
    const overallProof = await iprove(group, y, s, total, sumMod(randomness, group.q), selected - question.min, range(question.min, question.max), crypto);
    return { ...base, overallProof };
  }
  const statement = { s, blank: choices[0]!, sum: productOf(group, choices.slice(1)), min: question.min, max: question.max };
  const witness = { isBlank: vector[0] === 1, blankRandomness: randomness[0]!, sumRandomness: sumMod(randomness.slice(1), group.q), selected: sumOf(vector.slice(1)) };
  const overallProof = await proveOverallBlank(group, y, statement, witness, crypto);
  const blankProof = await proveBlank(group, y, statement, witness, crypto);
  return { ...base, overallProof, blankProof };
}

const sumMod = (values: readonly bigint[], q: bigint) => mod(values.reduce((a, b) => a + b, 0n), q);
