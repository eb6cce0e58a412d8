import { DomainError } from '../../shared/decider.js';
import type { FiniteFieldGroup, ModExp } from '../groups.js';
import type { AesCcm } from './aes-ccm.js';
import { receiveFromChannel } from './channel.js';
import { checkCertificates, ownPosition, type Certificate } from './certificate.js';
import { array, bigNumber, object, parseText, string } from './json.js';
import type { CheckCrypto, PkiKeys } from './pki.js';
import { checkCoefexps, checkPolynomialWithKeys, type Polynomial } from './polynomial.js';
import { signedMessageFromJson, signedMessageToJson, type SignedMessage } from './signed-message.js';

/**
 * Vinputs (Belenios 2.0, section 4.6.5): what the administrator routes to trustee T_j after
 * step 3: its own polynomial field, the secrets s_1j … s_mj and all coefexps.
 */
export interface Vinput {
  readonly polynomial: string;
  readonly secrets: readonly string[];
  readonly coefexps: readonly SignedMessage[];
}

export function vinputFromJson(json: unknown, what = 'vinput'): Vinput {
  const value = object(json, what);
  return {
    polynomial: string(value.polynomial, `${what}.polynomial`),
    secrets: array(value.secrets, `${what}.secrets`).map((s, i) => string(s, `${what}.secrets[${i}]`)),
    coefexps: array(value.coefexps, `${what}.coefexps`).map((c, i) => signedMessageFromJson(c, `${what}.coefexps[${i}]`)),
  };
}

export function vinputToJson(vinput: Vinput): { polynomial: string; secrets: string[]; coefexps: ReturnType<typeof signedMessageToJson>[] } {
  return { polynomial: vinput.polynomial, secrets: [...vinput.secrets], coefexps: vinput.coefexps.map(signedMessageToJson) };
}

/**
 * Step 4, by the administrator: checks every polynomial (given in the order of the certificates)
 * and that they have the same degree, then routes them into one vinput per trustee.
 */
export async function computeVinputs(
  group: FiniteFieldGroup,
  certificates: readonly Certificate[],
  polynomials: readonly Polynomial[],
  crypto: CheckCrypto,
): Promise<Vinput[]> {
  const keys = (await checkCertificates(group, certificates, crypto)).map((k) => k.verification);
  if (polynomials.length !== keys.length) {
    throw new DomainError('InvalidPolynomial', `there are ${polynomials.length} polynomials for ${keys.length} certificates`);
  }
  let degree: number | undefined;
  for (const [i, polynomial] of polynomials.entries()) {
    const coefexps = await checkPolynomialWithKeys(group, keys, i, polynomial, crypto);
    degree ??= coefexps.length;
    if (coefexps.length !== degree) {
      throw new DomainError('InvalidPolynomial', `polynomial ${i + 1}: it has ${coefexps.length} coefficients, polynomial 1 has ${degree}`, { what: `polynomial ${i + 1}` });
    }
  }
  return keys.map((_, j) => ({
    polynomial: polynomials[j]!.polynomial,
    secrets: polynomials.map((p) => p.secrets[j]!),
    coefexps: polynomials.map((p) => p.coefexps),
  }));
}

/** prod_k A_k^(x^k) mod p. */
export function commitmentAt(group: FiniteFieldGroup, coefexps: readonly bigint[], x: bigint, modExp: ModExp): bigint {
  let result = 1n;
  let power = 1n;
  for (const a of coefexps) {
    result = (result * modExp(a, power, group.p)) % group.p;
    power = (power * x) % group.q;
  }
  return result;
}

export interface CheckedVinput {
  /** The trustee's position among the certificates, 0-based (its index j in the specification is index + 1). */
  readonly index: number;
  /** The number of trustees needed to decrypt (t + 1). */
  readonly threshold: number;
  readonly keys: PkiKeys;
  /** s_1j … s_mj. */
  readonly secrets: readonly bigint[];
  readonly coefexps: readonly (readonly bigint[])[];
}

/**
 * Step 5, first half, by trustee T_j: opens every secret s_ij (signed by T_i, sent to T_j),
 * checks g^s_ij = prod_k (A_ik)^(j^k), every coefexps signature, and that its own polynomial
 * matches its coefexps. Refuses with `InvalidVinput`.
 */
export async function checkVinput(
  group: FiniteFieldGroup,
  seed: string,
  certificates: readonly Certificate[],
  vinput: Vinput,
  crypto: CheckCrypto & { readonly aesCcm: AesCcm },
): Promise<CheckedVinput> {
  const { index, keys, certificates: certs } = await ownPosition(group, seed, certificates, crypto);
  const m = certs.length;
  const refuse = (what: string, reason: string) => new DomainError('InvalidVinput', `${what}: ${reason}`, { what });
  if (vinput.secrets.length !== m || vinput.coefexps.length !== m) throw refuse('vinput', `it must have ${m} secrets and ${m} coefexps`);
  const coefexps: bigint[][] = [];
  for (const [i, signed] of vinput.coefexps.entries()) {
    const checked = await checkCoefexps(group, certs[i]!.verification, signed, crypto, `coefexps ${i + 1}`);
    if (checked.length !== (coefexps[0] ?? checked).length) throw refuse(`coefexps ${i + 1}`, 'its degree differs from the others');
    coefexps.push(checked);
  }
  const threshold = coefexps[0]!.length;
  if (threshold > m) throw refuse('coefexps', 'the degree is not below the number of trustees');
  const j = BigInt(index + 1);
  const secrets: bigint[] = [];
  for (const [i, sent] of vinput.secrets.entries()) {
    const what = `secret from trustee ${i + 1}`;
    const message = await receiveFromChannel(group, { decryptionKey: keys.decryptionKey, encryptionKey: keys.encryptionKey }, certs[i]!.verification, sent, crypto, what);
    // belenios-tool 2.0 does not always reduce f_i(j) modulo q: read it modulo q.
    const secret = bigNumber(object(parseText(message, what), what).secret, `${what}.secret`) % group.q;
    if (crypto.modExp(group.g, secret, group.p) !== commitmentAt(group, coefexps[i]!, j, crypto.modExp)) {
      throw refuse(what, 'g^secret does not match the coefexps of its polynomial');
    }
    secrets.push(secret);
  }
  const own = await receiveFromChannel(group, keys, keys.verificationKey, vinput.polynomial, crypto, 'own polynomial');
  const coefficients = array(object(parseText(own, 'own polynomial'), 'own polynomial').polynomial, 'own polynomial.polynomial').map((a, k) =>
    bigNumber(a, `own polynomial.polynomial[${k}]`),
  );
  const ownCoefexps = coefexps[index]!;
  if (coefficients.length !== ownCoefexps.length || coefficients.some((a, k) => crypto.modExp(group.g, a, group.p) !== ownCoefexps[k])) {
    throw refuse('own polynomial', 'it does not match its coefexps');
  }
  return { index, threshold, keys, secrets, coefexps };
}
