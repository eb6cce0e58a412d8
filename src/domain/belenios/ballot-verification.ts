import { answerString, ballotFromJson, ballotSignedHash, credentialString, productOf, serializeBallot, trackingNumber, type Ballot, type HomomorphicAnswer } from './ballot.js';
import { choiceCount, type Election, type HomomorphicQuestion } from './election.js';
import { isGroupElement } from './groups.js';
import { BeleniosFormatError, parseJsonText } from './json.js';
import { range, verifyBallotSignature, verifyBlankProof, verifyIproof, verifyOverallBlankProof, type VerifyCrypto } from './proofs.js';

/**
 * Ballot acceptance (Belenios 2.0, 4.11 to 4.15), as belenios-tool decides it: the text must be
 * exactly the canonical serialization of what it parses to, reference this election, hold only
 * group elements, and carry valid proofs and signature.
 */
export type BallotVerification =
  | { readonly ok: true; readonly ballot: Ballot; readonly trackingNumber: string; readonly credential: string }
  | { readonly ok: false; readonly reason: 'NonCanonical' | 'InvalidBallot'; readonly detail: string };

class Invalid extends Error {}

export async function verifyBallot(election: Election, ballotText: string, crypto: VerifyCrypto): Promise<BallotVerification> {
  let ballot: Ballot;
  try {
    ballot = ballotFromJson(parseJsonText(ballotText, 'ballot'));
  } catch (error) {
    if (error instanceof BeleniosFormatError) return { ok: false, reason: 'InvalidBallot', detail: error.message };
    throw error;
  }
  // belenios re-serializes and compares: whitespace, field order or number spelling all matter
  if (serializeBallot(ballot) !== ballotText) return { ok: false, reason: 'NonCanonical', detail: 'the ballot text is not in canonical form (compact JSON, fields in order)' };
  try {
    checkShape(election, ballot);
    checkElements(election, ballot, crypto);
    await checkSignature(election, ballot, crypto);
    for (const [i, question] of election.questions.entries()) await checkAnswer(election, question, ballot.answers[i]!, credentialString(election.fingerprint, ballot.credential), i, crypto);
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: 'InvalidBallot', detail: error.message };
    throw error;
  }
  return { ok: true, ballot, trackingNumber: await trackingNumber(ballotText, crypto.sha256), credential: ballot.credential.toString() };
}

function check(condition: boolean, detail: string): asserts condition {
  if (!condition) throw new Invalid(detail);
}

/** The election reference and the number of ciphertexts and proofs of each answer. */
function checkShape(election: Election, ballot: Ballot): void {
  check(ballot.electionUuid === election.uuid, 'election_uuid is not this election');
  check(ballot.electionHash === election.fingerprint, 'election_hash is not the fingerprint of this election');
  check(ballot.answers.length === election.questions.length, `expected ${election.questions.length} answers, got ${ballot.answers.length}`);
  for (const [i, question] of election.questions.entries()) {
    const answer = ballot.answers[i]!;
    const n = choiceCount(question);
    check(answer.choices.length === n, `answer ${i + 1}: expected ${n} ciphertexts`);
    check(answer.individualProofs.length === n && answer.individualProofs.every((proof) => proof.length === 2), `answer ${i + 1}: expected ${n} individual proofs of 2 parts`);
    check(answer.overallProof.length === question.max - question.min + 1 + (question.blank ? 1 : 0), `answer ${i + 1}: overall_proof has the wrong length`);
    check(question.blank ? answer.blankProof?.length === 2 : answer.blankProof === undefined, `answer ${i + 1}: blank_proof must be present (of 2 parts) exactly when blank is allowed`);
  }
}

/** Every received group element, each value checked once even if it is repeated (a malicious ballot may). */
function checkElements(election: Election, ballot: Ballot, crypto: VerifyCrypto): void {
  const { group } = election;
  const checked = new Set<bigint>();
  const isElement = (x: bigint) => checked.has(x) || (isGroupElement(group, x, crypto.modExp) && checked.add(x) !== undefined);
  check(isElement(ballot.credential), 'credential is not a group element');
  for (const [i, answer] of ballot.answers.entries()) {
    for (const [j, c] of answer.choices.entries()) {
      check(isElement(c.alpha) && isElement(c.beta), `answer ${i + 1}, choice ${j + 1}: not a group element`);
    }
  }
}

async function checkSignature(election: Election, ballot: Ballot, crypto: VerifyCrypto): Promise<void> {
  check(ballot.signature.hash === (await ballotSignedHash(ballot, crypto.sha256)), 'signature.hash is not the hash of the ballot');
  check(await verifyBallotSignature(election.group, ballot.credential, ballot.signature.hash, ballot.signature.proof, crypto), 'the signature does not verify');
}

async function checkAnswer(election: Election, question: HomomorphicQuestion, answer: HomomorphicAnswer, s0: string, i: number, crypto: VerifyCrypto): Promise<void> {
  const { group, publicKey: y } = election;
  const where = `answer ${i + 1}`;
  for (const [j, c] of answer.choices.entries()) {
    check(await verifyIproof(group, y, s0, c, [0n, 1n], answer.individualProofs[j]!, crypto), `${where}, choice ${j + 1}: the individual proof fails`);
  }
  const s = answerString(s0, answer.choices);
  if (!question.blank) {
    const ok = await verifyIproof(group, y, s, productOf(group, answer.choices), range(question.min, question.max), answer.overallProof, crypto);
    check(ok, `${where}: the overall proof fails`);
    return;
  }
  const statement = { s, blank: answer.choices[0]!, sum: productOf(group, answer.choices.slice(1)), min: question.min, max: question.max };
  check(await verifyBlankProof(group, y, statement, answer.blankProof!, crypto), `${where}: the blank proof fails`);
  check(await verifyOverallBlankProof(group, y, statement, answer.overallProof, crypto), `${where}: the overall proof fails`);
}
