import { DomainError } from '../../shared/decider.js';
import type { FiniteFieldGroup, ModExp } from '../groups.js';
import { trusteePublicKeyFromJson, trusteePublicKeyToJson, verifyPossession, type TrusteePublicKey } from '../trustee-key.js';
import { checkCertificates, type Certificate } from './certificate.js';
import { array, malformed, object } from './json.js';
import type { CheckCrypto } from './pki.js';
import { checkCoefexps, readCoefexps, type Polynomial } from './polynomial.js';
import { signedMessageFromJson, signedMessageToJson, type SignedMessage } from './signed-message.js';
import { computeVinputs } from './vinput.js';
import { checkVoutput, expectedVerificationKey, type Voutput } from './voutput.js';

/**
 * Threshold parameters (Belenios 2.0, section 4.6.7), the "Pedersen" entry of the trustees:
 * {"threshold": t + 1, "certs", "coefexps", "verification_keys"}, in this order.
 */
export interface ThresholdParameters {
  /** The number of trustees needed to decrypt (t + 1). */
  readonly threshold: number;
  readonly certs: readonly Certificate[];
  readonly coefexps: readonly SignedMessage[];
  readonly verificationKeys: readonly TrusteePublicKey[];
}

export function thresholdParametersFromJson(json: unknown, what = 'threshold parameters'): ThresholdParameters {
  const value = object(json, what);
  if (typeof value.threshold !== 'number' || !Number.isSafeInteger(value.threshold)) throw malformed(`${what}.threshold`, 'must be an integer');
  return {
    threshold: value.threshold,
    certs: array(value.certs, `${what}.certs`).map((c, i) => signedMessageFromJson(c, `${what}.certs[${i}]`)),
    coefexps: array(value.coefexps, `${what}.coefexps`).map((c, i) => signedMessageFromJson(c, `${what}.coefexps[${i}]`)),
    verificationKeys: array(value.verification_keys, `${what}.verification_keys`).map((k, i) => {
      try {
        return trusteePublicKeyFromJson(object(k, `${what}.verification_keys[${i}]`));
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw malformed(`${what}.verification_keys[${i}]`, error instanceof Error ? error.message : String(error));
      }
    }),
  };
}

export function thresholdParametersToJson(parameters: ThresholdParameters): {
  threshold: number;
  certs: ReturnType<typeof signedMessageToJson>[];
  coefexps: ReturnType<typeof signedMessageToJson>[];
  verification_keys: ReturnType<typeof trusteePublicKeyToJson>[];
} {
  return {
    threshold: parameters.threshold,
    certs: parameters.certs.map(signedMessageToJson),
    coefexps: parameters.coefexps.map(signedMessageToJson),
    verification_keys: parameters.verificationKeys.map(trusteePublicKeyToJson),
  };
}

/**
 * Step 6, by the administrator: checks the polynomials again and every voutput (in the order of
 * the certificates), then assembles the threshold parameters.
 */
export async function thresholdParameters(
  group: FiniteFieldGroup,
  certificates: readonly Certificate[],
  polynomials: readonly Polynomial[],
  voutputs: readonly Voutput[],
  crypto: CheckCrypto,
): Promise<ThresholdParameters> {
  await computeVinputs(group, certificates, polynomials, crypto);
  if (voutputs.length !== certificates.length) {
    throw new DomainError('InvalidVoutput', `there are ${voutputs.length} voutputs for ${certificates.length} certificates`);
  }
  const coefexps = polynomials.map((p, i) => readCoefexps(group, p.coefexps, crypto, `polynomial ${i + 1}: coefexps`));
  for (const [j, voutput] of voutputs.entries()) await checkVoutput(group, coefexps, j, voutput, crypto);
  return { threshold: coefexps[0]!.length, certs: [...certificates], coefexps: polynomials.map((p) => p.coefexps), verificationKeys: voutputs.map((v) => v.publicKey) };
}

/**
 * Everything a verifier can check in published threshold parameters: certificates, coefexps
 * signed by their trustees and of degree threshold - 1, and each verification key equal to
 * prod_i prod_k (A_ik)^(j^k) with a valid proof. Refuses with `InvalidThresholdParameters`.
 */
export async function checkThresholdParameters(group: FiniteFieldGroup, parameters: ThresholdParameters, crypto: CheckCrypto): Promise<void> {
  const refuse = (reason: string) => new DomainError('InvalidThresholdParameters', reason);
  const m = parameters.certs.length;
  const keys = await checkCertificates(group, parameters.certs, crypto);
  if (parameters.coefexps.length !== m) throw refuse(`there are ${parameters.coefexps.length} coefexps for ${m} certificates`);
  if (parameters.verificationKeys.length !== m) throw refuse(`there are ${parameters.verificationKeys.length} verification keys for ${m} certificates`);
  if (parameters.threshold < 1 || parameters.threshold > m) throw refuse(`the threshold ${parameters.threshold} is not between 1 and ${m}`);
  const coefexps: bigint[][] = [];
  for (const [i, signed] of parameters.coefexps.entries()) {
    const checked = await checkCoefexps(group, keys[i]!.verification, signed, crypto, `coefexps ${i + 1}`);
    if (checked.length !== parameters.threshold) throw refuse(`coefexps ${i + 1}: it has ${checked.length} coefficients for a threshold of ${parameters.threshold}`);
    coefexps.push(checked);
  }
  for (const [j, key] of parameters.verificationKeys.entries()) {
    if (key.publicKey !== expectedVerificationKey(group, coefexps, j, crypto)) {
      throw refuse(`verification key ${j + 1}: it is not the one the coefexps give for this trustee`);
    }
    if (!(await verifyPossession(group, key, crypto))) throw refuse(`verification key ${j + 1}: its proof of knowledge is wrong`);
  }
}

/** The sub-key of a threshold group: y = prod_i A_i0 (does not check the parameters). */
export function thresholdPublicKey(group: FiniteFieldGroup, parameters: ThresholdParameters, modExp: ModExp): bigint {
  return parameters.coefexps.reduce((product, signed, i) => (product * readCoefexps(group, signed, { modExp }, `coefexps ${i + 1}`)[0]!) % group.p, 1n);
}
