import { BELENIOS_2048 } from '../../domain/belenios/groups.js';
import { signedMessageFromJson, type SignedMessage } from '../../domain/belenios/threshold/signed-message.js';
import { polynomialFromJson, readCoefexps, type Polynomial } from '../../domain/belenios/threshold/polynomial.js';
import { thresholdParameters, thresholdParametersToJson, thresholdPublicKey } from '../../domain/belenios/threshold/threshold-parameters.js';
import { computeVinputs, vinputToJson } from '../../domain/belenios/threshold/vinput.js';
import { voutputFromJson, type Voutput } from '../../domain/belenios/threshold/voutput.js';
import { DomainError } from '../../domain/shared/decider.js';
import { voteSetupDecider, type VoteSetupCommand, type VoteSetupState } from '../../domain/vote/vote-setup.decider.js';
import type { BeleniosCrypto } from '../ports/belenios-crypto.js';

/**
 * The threshold ("Pedersen") key ceremony of a round, as the administrator runs it (Belenios 2.0,
 * section 4.6): every step's recorded texts are read back in the order of the group as the
 * council planned it (`state.trustees.thresholdGroup.trustees`), which is the order of the
 * certificates, so trustee j of the group is Belenios' T_j (1-based) and the index of its
 * Lagrange share at decryption.
 */

export const THRESHOLD_GROUP = BELENIOS_2048;

/**
 * The decider's refusals for a threshold submission (WrongVoteStage, NotATrustee, AlreadySubmitted,
 * WrongCeremonyStep), before any costly check: a dry run of its decision on the current state.
 * True when this very text is already recorded (a re-sent submission: nothing to check again).
 */
export function alreadyRecorded(state: VoteSetupState, command: VoteSetupCommand): boolean {
  return voteSetupDecider.decide(command, state).length === 0;
}

/** Runs a check, reporting any malformed or refused part of the submission as one refusal code. */
export async function refusingAs<T>(code: string, what: string, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof DomainError && error.code === code) throw error;
    if (error instanceof DomainError) throw new DomainError(code, `${what}: ${error.message}`, { ...error.details, cause: error.code });
    if (error instanceof SyntaxError) throw new DomainError(code, `${what}: it is not JSON text`);
    throw error;
  }
}

/** A submitted text, parsed: its canonical text (what gets recorded), or the refusal to give once the decider has had its say. */
export interface ParsedSubmission<T> {
  readonly text: string;
  orRefuse(): T;
}

export function parseSubmission<T>(code: string, what: string, text: string, parse: (json: unknown) => T, canonical: (value: T) => string): ParsedSubmission<T> {
  try {
    const value = parse(JSON.parse(text));
    return { text: canonical(value), orRefuse: () => value };
  } catch (error) {
    let refusal: DomainError;
    if (error instanceof DomainError) refusal = new DomainError(code, `${what}: ${error.message}`, { ...error.details, cause: error.code });
    else if (error instanceof SyntaxError) refusal = new DomainError(code, `${what}: it is not JSON text`);
    else throw error;
    return {
      text,
      orRefuse: () => {
        throw refusal;
      },
    };
  }
}

/** The position (0-based) of a member in the group. */
export function memberIndex(state: VoteSetupState, trusteeId: string): number {
  const index = state.trustees.thresholdGroup?.trustees.indexOf(trusteeId) ?? -1;
  if (index < 0) throw new DomainError('NotATrustee', 'You are not in the threshold group of this round');
  return index;
}

/** The group's members in order, or a refusal when the round has no threshold group. */
export function thresholdMembers(state: VoteSetupState): { trustees: readonly string[]; threshold: number } {
  const group = state.trustees.thresholdGroup;
  if (!group) throw new DomainError('NoThresholdGroup', 'This round has no threshold group');
  return group;
}

/** The recorded certificates, in group order, of those who sent one (all of them from the polynomials step on). */
export function recordedCertificateTexts(state: VoteSetupState): string[] {
  return (state.trustees.thresholdGroup?.trustees ?? []).flatMap((id) => (state.certificates[id] === undefined ? [] : [state.certificates[id]]));
}

function every<T>(state: VoteSetupState, recorded: Record<string, string>, what: string, read: (text: string, index: number) => T): T[] {
  return thresholdMembers(state).trustees.map((id, index) => {
    const text = recorded[id];
    if (text === undefined) throw new DomainError('CeremonyIncomplete', `The threshold ceremony still waits for the ${what} of trustee ${id}`, { trusteeId: id });
    return read(text, index);
  });
}

/** Every member's certificate, in group order (refuses while one is missing). */
export function groupCertificates(state: VoteSetupState): SignedMessage[] {
  return every(state, state.certificates, 'certificate', (text, i) => signedMessageFromJson(JSON.parse(text), `certificate ${i + 1}`));
}

/** Every member's polynomial, in group order (refuses while one is missing). */
export function groupPolynomials(state: VoteSetupState): Polynomial[] {
  return every(state, state.polynomials, 'polynomial', (text, i) => polynomialFromJson(JSON.parse(text), `polynomial ${i + 1}`));
}

/** Every member's voutput, in group order (refuses while one is missing). */
export function groupVoutputs(state: VoteSetupState): Voutput[] {
  return every(state, state.voutputs, 'voutput', (text, i) => voutputFromJson(JSON.parse(text), `voutput ${i + 1}`));
}

/** The coefficient commitments [g^a_i0, …] of every recorded polynomial, in group order (their signatures were checked when recorded). */
export function groupCoefexps(state: VoteSetupState, crypto: Pick<BeleniosCrypto, 'modExp'>): bigint[][] {
  return groupPolynomials(state).map((p, i) => readCoefexps(THRESHOLD_GROUP, p.coefexps, crypto, `polynomial ${i + 1}: coefexps`));
}

/** The vinput of each member (section 4.6.5), as JSON texts in group order; null until every polynomial is in. */
export async function vinputTexts(state: VoteSetupState, crypto: BeleniosCrypto): Promise<string[] | null> {
  const group = state.trustees.thresholdGroup;
  if (!group || group.trustees.some((id) => state.polynomials[id] === undefined)) return null;
  const vinputs = await computeVinputs(THRESHOLD_GROUP, groupCertificates(state), groupPolynomials(state), crypto);
  return vinputs.map((vinput) => JSON.stringify(vinputToJson(vinput)));
}

/**
 * The threshold group's published parameters and sub-key, from the ceremony's recorded steps
 * (Belenios 4.6.7): every polynomial and voutput checked again, the parameters' text as
 * belenios-tool writes it, and the sub-key prod_i A_i0.
 */
export async function thresholdParametersOf(state: VoteSetupState, crypto: BeleniosCrypto): Promise<{ text: string; subKey: bigint }> {
  const { threshold } = thresholdMembers(state);
  const parameters = await thresholdParameters(THRESHOLD_GROUP, groupCertificates(state), groupPolynomials(state), groupVoutputs(state), crypto);
  if (parameters.threshold !== threshold) {
    throw new DomainError('InvalidThreshold', `The polynomials give a threshold of ${parameters.threshold}, the plan says ${threshold}`, { planned: threshold, found: parameters.threshold });
  }
  return { text: JSON.stringify(thresholdParametersToJson(parameters)), subKey: thresholdPublicKey(THRESHOLD_GROUP, parameters, crypto.modExp) };
}

/** The threshold group's verification keys (one per member, in group order), from their voutputs. */
export function pedersenVerificationKeys(state: VoteSetupState): bigint[] {
  if (!state.trustees.thresholdGroup) return [];
  return groupVoutputs(state).map((voutput) => voutput.publicKey.publicKey);
}
