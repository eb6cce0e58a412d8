import { hjson } from './election.js';
import { multiply, NEUTRAL_CIPHERTEXT, type Ciphertext } from './elgamal.js';
import type { FiniteFieldGroup } from './groups.js';
import { BeleniosFormatError, compactJson, field, optionalField, readBigInt, readList, readObject, readString, type JsonObject } from './json.js';
import type { Proof } from './proofs.js';
import type { Sha256 } from './trustee-key.js';

/**
 * Ballots (Belenios 2.0, sections 4.11.1, 4.14, 4.15). Fields in the specification's order:
 *   ballot   = election_uuid, election_hash, credential, answers, signature
 *   answer_h = choices, individual_proofs, overall_proof, ?blank_proof
 *   signature = hash, proof;  proof = challenge, response;  ciphertext = alpha, beta
 * The signature signs HJSON(ballot without its signature field, compact); the tracking number
 * (smart ballot tracker) is HJSON of the whole ballot text.
 */
export interface HomomorphicAnswer {
  readonly choices: readonly Ciphertext[];
  readonly individualProofs: readonly (readonly Proof[])[];
  readonly overallProof: readonly Proof[];
  /** Present exactly when the question allows a blank vote. */
  readonly blankProof?: readonly Proof[];
}

export interface BallotSignature {
  readonly hash: string;
  readonly proof: Proof;
}

export interface Ballot {
  readonly electionUuid: string;
  readonly electionHash: string;
  /** The public credential S = g^secret(c). */
  readonly credential: bigint;
  readonly answers: readonly HomomorphicAnswer[];
  readonly signature: BallotSignature;
}

export type UnsignedBallot = Omit<Ballot, 'signature'>;

export function readProof(value: unknown, what: string): Proof {
  const json = readObject(value, what);
  return { challenge: readBigInt(field(json, 'challenge', what), `${what}.challenge`), response: readBigInt(field(json, 'response', what), `${what}.response`) };
}

export function readCiphertext(value: unknown, what: string): Ciphertext {
  const json = readObject(value, what);
  return { alpha: readBigInt(field(json, 'alpha', what), `${what}.alpha`), beta: readBigInt(field(json, 'beta', what), `${what}.beta`) };
}

const readProofs = (value: unknown, what: string) => readList(value, what, readProof);

function readAnswer(value: unknown, what: string): HomomorphicAnswer {
  const json: JsonObject = readObject(value, what);
  // answer_nh ({choices: ciphertext, proof}) belongs to non-homomorphic questions.
  if (Object.hasOwn(json, 'proof')) throw new BeleniosFormatError(`${what} is a non-homomorphic answer, which is not supported`);
  const blankProof = optionalField(json, 'blank_proof');
  return {
    choices: readList(field(json, 'choices', what), `${what}.choices`, readCiphertext),
    individualProofs: readList(field(json, 'individual_proofs', what), `${what}.individual_proofs`, readProofs),
    overallProof: readProofs(field(json, 'overall_proof', what), `${what}.overall_proof`),
    ...(blankProof === undefined ? {} : { blankProof: readProofs(blankProof, `${what}.blank_proof`) }),
  };
}

/** Reads a parsed ballot structure; throws BeleniosFormatError naming the faulty field. */
export function ballotFromJson(value: unknown): Ballot {
  const json = readObject(value, 'ballot');
  const signature = readObject(field(json, 'signature', 'ballot'), 'ballot.signature');
  return {
    electionUuid: readString(field(json, 'election_uuid', 'ballot'), 'ballot.election_uuid'),
    electionHash: readString(field(json, 'election_hash', 'ballot'), 'ballot.election_hash'),
    credential: readBigInt(field(json, 'credential', 'ballot'), 'ballot.credential'),
    answers: readList(field(json, 'answers', 'ballot'), 'ballot.answers', readAnswer),
    signature: {
      hash: readString(field(signature, 'hash', 'ballot.signature'), 'ballot.signature.hash'),
      proof: readProof(field(signature, 'proof', 'ballot.signature'), 'ballot.signature.proof'),
    },
  };
}

const proofToJson = (proof: Proof) => ({ challenge: proof.challenge, response: proof.response });
const ciphertextToJson = (c: Ciphertext) => ({ alpha: c.alpha, beta: c.beta });

function answerToJson(answer: HomomorphicAnswer): object {
  return {
    choices: answer.choices.map(ciphertextToJson),
    individual_proofs: answer.individualProofs.map((proofs) => proofs.map(proofToJson)),
    overall_proof: answer.overallProof.map(proofToJson),
    ...(answer.blankProof === undefined ? {} : { blank_proof: answer.blankProof.map(proofToJson) }),
  };
}

function unsignedToJson(ballot: UnsignedBallot) {
  return {
    election_uuid: ballot.electionUuid,
    election_hash: ballot.electionHash,
    credential: ballot.credential,
    answers: ballot.answers.map(answerToJson),
  };
}

/** The canonical text of a ballot: compact, fields in the specification's order. */
export function serializeBallot(ballot: Ballot): string {
  return compactJson({ ...unsignedToJson(ballot), signature: { hash: ballot.signature.hash, proof: proofToJson(ballot.signature.proof) } });
}

/** The hash the signature signs: HJSON of the ballot without its signature field. */
export function ballotSignedHash(ballot: UnsignedBallot, sha256: Sha256): Promise<string> {
  return hjson(compactJson(unsignedToJson(ballot)), sha256);
}

/** The smart ballot tracker: HJSON of the ballot text exactly as received (or made). */
export function trackingNumber(ballotText: string, sha256: Sha256): Promise<string> {
  return hjson(ballotText, sha256);
}

/**
 * last(B) of 4.15: keeps, in order, the last ballot of each credential (a revote replaces the
 * earlier ballot and moves to the revote's position).
 */
export function lastBallots<B extends { readonly credential: bigint }>(ballots: readonly B[]): B[] {
  const latest = new Map<bigint, B>();
  for (const ballot of ballots) {
    latest.delete(ballot.credential);
    latest.set(ballot.credential, ballot);
  }
  return [...latest.values()];
}

/** S0 = φ|credential: the string the individual proofs bind (4.11). */
export function credentialString(fingerprint: string, credential: bigint): string {
  return `${fingerprint}|${credential}`;
}

/** S = S0|alpha1,beta1,alpha2,beta2,...: the string the overall and blank proofs bind. */
export function answerString(s0: string, choices: readonly Ciphertext[]): string {
  return `${s0}|${choices.map((c) => `${c.alpha},${c.beta}`).join(',')}`;
}

/** The product of ciphertexts: encrypts the sum of their plaintexts. */
export function productOf(group: FiniteFieldGroup, choices: readonly Ciphertext[]): Ciphertext {
  return choices.reduce((acc, c) => multiply(group, acc, c), NEUTRAL_CIPHERTEXT);
}
