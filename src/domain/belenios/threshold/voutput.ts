import { DomainError } from '../../shared/decider.js';
import type { FiniteFieldGroup } from '../groups.js';
import { provePossession, trusteePublicKeyFromJson, trusteePublicKeyToJson, verifyPossession, type TrusteePublicKey } from '../trustee-key.js';
import type { AesCcm } from './aes-ccm.js';
import { receiveFromChannel, sendOnChannel } from './channel.js';
import { ownPosition, type Certificate } from './certificate.js';
import { bigNumber, object, parseText, string } from './json.js';
import { checkEncryptedMessageForm, deriveKeys, type CheckCrypto, type ThresholdCrypto } from './pki.js';
import { checkVinput, commitmentAt, type Vinput } from './vinput.js';

/**
 * Voutputs (Belenios 2.0, section 4.6.6): trustee T_j's decryption key S_j = sum_i s_ij mod q,
 * sent to itself as {"decryption_key": S_j} (`private_key`, what belenios-tool saves as
 * `<id>.dkey` and reads back with `decrypt-threshold --decryption-key`), and its verification
 * key g^S_j with a proof of knowledge (`public_key`).
 */
export interface Voutput {
  readonly privateKey: string;
  readonly publicKey: TrusteePublicKey;
}

export function voutputFromJson(json: unknown, what = 'voutput'): Voutput {
  const value = object(json, what);
  let publicKey: TrusteePublicKey;
  try {
    publicKey = trusteePublicKeyFromJson(object(value.public_key, `${what}.public_key`));
  } catch (error) {
    throw new DomainError('MalformedThresholdMessage', `${what}.public_key: ${error instanceof Error ? error.message : String(error)}`, { what });
  }
  return { privateKey: string(value.private_key, `${what}.private_key`), publicKey };
}

export function voutputToJson(voutput: Voutput): { private_key: string; public_key: ReturnType<typeof trusteePublicKeyToJson> } {
  return { private_key: voutput.privateKey, public_key: trusteePublicKeyToJson(voutput.publicKey) };
}

/** Step 5, by trustee T_j: checks its vinput (see `checkVinput`), then computes its voutput. */
export async function computeVoutput(
  group: FiniteFieldGroup,
  seed: string,
  certificates: readonly Certificate[],
  vinput: Vinput,
  crypto: ThresholdCrypto,
): Promise<Voutput> {
  const { keys, secrets } = await checkVinput(group, seed, certificates, vinput, crypto);
  const decryptionKey = secrets.reduce((sum, s) => (sum + s) % group.q, 0n);
  const privateKey = await sendOnChannel(group, keys.signingKey, keys.encryptionKey, JSON.stringify({ decryption_key: decryptionKey.toString() }), crypto);
  return { privateKey, publicKey: await provePossession(group, decryptionKey, crypto) };
}

/**
 * Step 6, by the administrator, for trustee `index` (0-based): its verification key must be
 * prod_i prod_k (A_ik)^(j^k), with a valid proof of knowledge; `private_key` must be an encrypted
 * message. `coefexps` are the checked coefexps of every trustee (see `checkPolynomial`).
 */
export async function checkVoutput(
  group: FiniteFieldGroup,
  coefexps: readonly (readonly bigint[])[],
  index: number,
  voutput: Voutput,
  crypto: CheckCrypto,
): Promise<void> {
  const what = `voutput ${index + 1}`;
  const refuse = (reason: string) => new DomainError('InvalidVoutput', `${what}: ${reason}`, { what });
  if (voutput.publicKey.publicKey !== expectedVerificationKey(group, coefexps, index, crypto)) {
    throw refuse('its public key is not the one the coefexps give for this trustee');
  }
  if (!(await verifyPossession(group, voutput.publicKey, crypto))) throw refuse('its proof of knowledge of the private key is wrong');
  try {
    checkEncryptedMessageForm(group, voutput.privateKey, `${what}.private_key`, crypto.modExp);
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
}

/** g^S_j = prod_i prod_k (A_ik)^(j^k) = prod_k (prod_i A_ik)^(j^k), for j = index + 1. */
export function expectedVerificationKey(group: FiniteFieldGroup, coefexps: readonly (readonly bigint[])[], index: number, crypto: Pick<CheckCrypto, 'modExp'>): bigint {
  const degree = coefexps[0]?.length ?? 0;
  const combined = Array.from({ length: degree }, (_, k) => coefexps.reduce((product, a) => (product * a[k]!) % group.p, 1n));
  return commitmentAt(group, combined, BigInt(index + 1), crypto.modExp);
}

/**
 * For decryption, by the trustee: S_j from the `private_key` of its voutput (a `.dkey` file),
 * checking it was signed by its own key and meant for it.
 */
export async function recoverPrivateKey(
  group: FiniteFieldGroup,
  seed: string,
  encryptedPrivateKey: string,
  crypto: CheckCrypto & { readonly aesCcm: AesCcm },
): Promise<bigint> {
  const keys = await deriveKeys(group, seed, crypto);
  const what = 'decryption key';
  const message = await receiveFromChannel(group, keys, keys.verificationKey, encryptedPrivateKey.trim(), crypto, what);
  // belenios-tool 2.0 writes the sum of the secrets without reducing it modulo q.
  return bigNumber(object(parseText(message, what), what).decryption_key, `${what}.decryption_key`) % group.q;
}

/** The trustee's position and S_j, checking g^S_j against the published verification keys. */
export async function recoverThresholdKey(
  group: FiniteFieldGroup,
  seed: string,
  certificates: readonly Certificate[],
  verificationKeys: readonly TrusteePublicKey[],
  encryptedPrivateKey: string,
  crypto: CheckCrypto & { readonly aesCcm: AesCcm },
): Promise<{ index: number; privateKey: bigint }> {
  const { index } = await ownPosition(group, seed, certificates, crypto);
  const privateKey = await recoverPrivateKey(group, seed, encryptedPrivateKey, crypto);
  if (crypto.modExp(group.g, privateKey, group.p) !== verificationKeys[index]?.publicKey) {
    throw new DomainError('InvalidChannelMessage', 'decryption key: it does not match the published verification key of this trustee');
  }
  return { index, privateKey };
}
