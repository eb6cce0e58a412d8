import { isExponent, isGroupElement, type FiniteFieldGroup } from '../groups.js';
import type { KeyCrypto } from '../trustee-key.js';
import { bigNumber, bytesToBigInt, mod, object, string } from './json.js';
import type { CheckCrypto } from './pki.js';

/**
 * `signed_msg` (Belenios 2.0, section 4.6.1): a message and a Schnorr signature by a signing key
 * sk: A = g^w, challenge = SHA256("sigmsg|" + message + "|" + A) mod q (A in base 10, the hash
 * read as a big-endian number), response = w - sk * challenge mod q. The message is kept as the
 * exact string that was signed.
 */
export interface SignedMessage {
  readonly message: string;
  readonly signature: { readonly challenge: bigint; readonly response: bigint };
}

export async function signMessage(
  group: FiniteFieldGroup,
  signingKey: bigint,
  message: string,
  crypto: Pick<KeyCrypto, 'modExp' | 'sha256' | 'randomExponent'>,
): Promise<SignedMessage> {
  const w = crypto.randomExponent(group);
  const commitment = crypto.modExp(group.g, w, group.p);
  const challenge = await signatureChallenge(group, message, commitment, crypto);
  return { message, signature: { challenge, response: mod(w - signingKey * challenge, group.q) } };
}

/** Whether `signed` is signed by the key whose verification key is `verificationKey`. Never throws. */
export async function verifySignature(group: FiniteFieldGroup, verificationKey: bigint, signed: SignedMessage, crypto: CheckCrypto): Promise<boolean> {
  const { challenge, response } = signed.signature;
  if (!isGroupElement(group, verificationKey, crypto.modExp) || !isExponent(group, challenge) || !isExponent(group, response)) return false;
  const commitment = (crypto.modExp(group.g, response, group.p) * crypto.modExp(verificationKey, challenge, group.p)) % group.p;
  return (await signatureChallenge(group, signed.message, commitment, crypto)) === challenge;
}

export function signedMessageFromJson(json: unknown, what = 'signed message'): SignedMessage {
  const value = object(json, what);
  const message = string(value.message, `${what}.message`);
  const signature = object(value.signature, `${what}.signature`);
  return {
    message,
    signature: { challenge: bigNumber(signature.challenge, `${what}.signature.challenge`), response: bigNumber(signature.response, `${what}.signature.response`) },
  };
}

export function signedMessageToJson(signed: SignedMessage): { message: string; signature: { challenge: string; response: string } } {
  return { message: signed.message, signature: { challenge: signed.signature.challenge.toString(), response: signed.signature.response.toString() } };
}

async function signatureChallenge(group: FiniteFieldGroup, message: string, commitment: bigint, crypto: CheckCrypto): Promise<bigint> {
  return bytesToBigInt(await crypto.sha256(`sigmsg|${message}|${commitment}`)) % group.q;
}
