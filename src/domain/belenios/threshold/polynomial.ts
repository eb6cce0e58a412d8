import { DomainError } from '../../shared/decider.js';
import { isGroupElement, type FiniteFieldGroup } from '../groups.js';
import { sendOnChannel } from './channel.js';
import { checkCertificates, ownPosition, type Certificate } from './certificate.js';
import { array, bigNumber, malformed, object, parseText, string } from './json.js';
import { checkEncryptedMessageForm, type CheckCrypto, type ThresholdCrypto } from './pki.js';
import { signMessage, signedMessageFromJson, signedMessageToJson, verifySignature, type SignedMessage } from './signed-message.js';

/**
 * Polynomials (Belenios 2.0, section 4.6.4). Trustee T_i picks f_i of degree t (threshold - 1)
 * and publishes through the administrator: `polynomial`, its coefficients sent to itself
 * ({"polynomial": [a_i0, …]}); `secrets`, s_ij = f_i(j) sent to each T_j ({"secret": s_ij});
 * `coefexps`, the signed {"coefexps": [g^a_i0, …]}.
 */
export interface Polynomial {
  /** send(sk_i, ek_i, raw_polynomial), a serialized encrypted_msg. */
  readonly polynomial: string;
  /** send(sk_i, ek_j, secret) for j = 1..m. */
  readonly secrets: readonly string[];
  readonly coefexps: SignedMessage;
}

export function polynomialFromJson(json: unknown, what = 'polynomial'): Polynomial {
  const value = object(json, what);
  return {
    polynomial: string(value.polynomial, `${what}.polynomial`),
    secrets: array(value.secrets, `${what}.secrets`).map((s, j) => string(s, `${what}.secrets[${j}]`)),
    coefexps: signedMessageFromJson(value.coefexps, `${what}.coefexps`),
  };
}

export function polynomialToJson(polynomial: Polynomial): { polynomial: string; secrets: string[]; coefexps: ReturnType<typeof signedMessageToJson> } {
  return { polynomial: polynomial.polynomial, secrets: [...polynomial.secrets], coefexps: signedMessageToJson(polynomial.coefexps) };
}

/** f(x) mod q, coefficients from degree 0. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: bigint, q: bigint): bigint {
  let value = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) value = (value * x + coefficients[k]!) % q;
  return value;
}

/**
 * Step 3, by trustee T_i: `threshold` is the number of trustees needed to decrypt (t + 1, the
 * number of coefficients; belenios-tool's `--threshold`).
 */
export async function generatePolynomial(
  group: FiniteFieldGroup,
  seed: string,
  certificates: readonly Certificate[],
  threshold: number,
  crypto: ThresholdCrypto,
): Promise<Polynomial> {
  const { keys, certificates: recipients } = await ownPosition(group, seed, certificates, crypto);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > recipients.length) {
    throw new DomainError('InvalidThreshold', `the threshold must be between 1 and the number of trustees (${recipients.length})`, { threshold });
  }
  const coefficients = Array.from({ length: threshold }, () => crypto.randomExponent(group));
  const rawPolynomial = JSON.stringify({ polynomial: coefficients.map(String) });
  const polynomial = await sendOnChannel(group, keys.signingKey, keys.encryptionKey, rawPolynomial, crypto);
  const secrets: string[] = [];
  for (const [j, recipient] of recipients.entries()) {
    const secret = evaluatePolynomial(coefficients, BigInt(j + 1), group.q);
    secrets.push(await sendOnChannel(group, keys.signingKey, recipient.encryption, JSON.stringify({ secret: secret.toString() }), crypto));
  }
  const coefexps = JSON.stringify({ coefexps: coefficients.map((a) => crypto.modExp(group.g, a, group.p).toString()) });
  return { polynomial, secrets, coefexps: await signMessage(group, keys.signingKey, coefexps, crypto) };
}

/** A coefexps signed by `verificationKey`, read: [g^a_0, …, g^a_t], each a group element. */
export async function checkCoefexps(group: FiniteFieldGroup, verificationKey: bigint, coefexps: SignedMessage, crypto: CheckCrypto, what: string): Promise<bigint[]> {
  if (!(await verifySignature(group, verificationKey, coefexps, crypto))) {
    throw new DomainError('InvalidCoefexps', `${what}: the signature is not the trustee’s`, { what });
  }
  return readCoefexps(group, coefexps, crypto, what);
}

/** Reads a coefexps message without checking its signature (checks the group elements). */
export function readCoefexps(group: FiniteFieldGroup, coefexps: SignedMessage, crypto: Pick<CheckCrypto, 'modExp'>, what: string): bigint[] {
  const value = object(parseText(coefexps.message, what), what);
  const elements = array(value.coefexps, `${what}.coefexps`).map((x, k) => bigNumber(x, `${what}.coefexps[${k}]`));
  if (elements.length === 0) throw malformed(what, 'has no coefficient');
  elements.forEach((x, k) => {
    if (!isGroupElement(group, x, crypto.modExp)) throw new DomainError('InvalidCoefexps', `${what}: coefexp ${k} is not a group element`, { what });
  });
  return elements;
}

/**
 * Step 3 as seen by the administrator: the polynomial of trustee `index` (0-based, in the order
 * of the certificates): coefexps signed by that trustee, one secret per trustee, well-formed
 * encrypted messages. Returns the coefexps.
 */
export async function checkPolynomial(
  group: FiniteFieldGroup,
  certificates: readonly Certificate[],
  index: number,
  polynomial: Polynomial,
  crypto: CheckCrypto,
): Promise<bigint[]> {
  const keys = await checkCertificates(group, certificates, crypto);
  const author = keys[index];
  if (!author) throw new RangeError(`no certificate ${index + 1}`);
  return checkPolynomialWithKeys(group, keys.map((k) => k.verification), index, polynomial, crypto);
}

export async function checkPolynomialWithKeys(
  group: FiniteFieldGroup,
  verificationKeys: readonly bigint[],
  index: number,
  polynomial: Polynomial,
  crypto: CheckCrypto,
): Promise<bigint[]> {
  const what = `polynomial ${index + 1}`;
  const coefexps = await checkCoefexps(group, verificationKeys[index]!, polynomial.coefexps, crypto, `${what}: coefexps`);
  if (coefexps.length > verificationKeys.length) throw new DomainError('InvalidPolynomial', `${what}: its degree is not below the number of trustees`, { what });
  if (polynomial.secrets.length !== verificationKeys.length) {
    throw new DomainError('InvalidPolynomial', `${what}: it has ${polynomial.secrets.length} secrets for ${verificationKeys.length} trustees`, { what });
  }
  checkEncryptedMessageForm(group, polynomial.polynomial, `${what}: polynomial`, crypto.modExp);
  polynomial.secrets.forEach((secret, j) => checkEncryptedMessageForm(group, secret, `${what}: secret ${j + 1}`, crypto.modExp));
  return coefexps;
}
