import { DomainError } from '../../shared/decider.js';
import { isGroupElement, type FiniteFieldGroup } from '../groups.js';
import { toHex, bigNumber, object, parseText } from './json.js';
import { deriveKeys, type CheckCrypto, type PkiKeys, type ThresholdCrypto } from './pki.js';
import { signMessage, verifySignature, type SignedMessage } from './signed-message.js';

/**
 * Certificates (Belenios 2.0, section 4.6.2): a signed_msg whose message is the serialized
 * cert_keys {"verification": g^sk, "encryption": g^dk}, signed with sk.
 */
export type Certificate = SignedMessage;

export interface CertificateKeys {
  readonly verification: bigint;
  readonly encryption: bigint;
}

/** Step 1, by a trustee: the certificate of the keys derived from its seed. */
export async function generateCertificate(group: FiniteFieldGroup, seed: string, crypto: ThresholdCrypto): Promise<Certificate> {
  const keys = await deriveKeys(group, seed, crypto);
  const message = JSON.stringify({ verification: keys.verificationKey.toString(), encryption: keys.encryptionKey.toString() });
  return signMessage(group, keys.signingKey, message, crypto);
}

/** The keys of a certificate after checking them (group elements) and its self-signature. */
export async function checkCertificate(group: FiniteFieldGroup, certificate: Certificate, crypto: CheckCrypto, what = 'certificate'): Promise<CertificateKeys> {
  const refuse = (reason: string) => new DomainError('InvalidCertificate', `${what}: ${reason}`, { what });
  const value = object(parseText(certificate.message, what), what);
  const keys = { verification: bigNumber(value.verification, `${what}.verification`), encryption: bigNumber(value.encryption, `${what}.encryption`) };
  if (!isGroupElement(group, keys.verification, crypto.modExp)) throw refuse('the verification key is not a group element');
  if (!isGroupElement(group, keys.encryption, crypto.modExp)) throw refuse('the encryption key is not a group element');
  if (!(await verifySignature(group, keys.verification, certificate, crypto))) throw refuse('the signature does not match its verification key');
  return keys;
}

/** Step 2, by the administrator (and again by every trustee): all certificates, distinct. */
export async function checkCertificates(group: FiniteFieldGroup, certificates: readonly Certificate[], crypto: CheckCrypto): Promise<CertificateKeys[]> {
  if (certificates.length === 0) throw new DomainError('InvalidCertificate', 'there must be at least one certificate');
  const keys: CertificateKeys[] = [];
  for (const [i, certificate] of certificates.entries()) {
    const checked = await checkCertificate(group, certificate, crypto, `certificate ${i + 1}`);
    if (keys.some((k) => k.verification === checked.verification || k.encryption === checked.encryption)) {
      throw new DomainError('InvalidCertificate', `certificate ${i + 1}: its keys already appear in another certificate`, { what: `certificate ${i + 1}` });
    }
    keys.push(checked);
  }
  return keys;
}

/** The name belenios-tool gives a certificate's files: SHA256 of its message, lowercase hexadecimal. */
export async function certificateId(certificate: Certificate, sha256: CheckCrypto['sha256']): Promise<string> {
  return toHex(await sha256(certificate.message));
}

/** A trustee's keys and its position (0-based) among the certificates; refuses when its certificate is absent. */
export async function ownPosition(
  group: FiniteFieldGroup,
  seed: string,
  certificates: readonly Certificate[],
  crypto: CheckCrypto,
): Promise<{ index: number; keys: PkiKeys; certificates: CertificateKeys[] }> {
  const checked = await checkCertificates(group, certificates, crypto);
  const keys = await deriveKeys(group, seed, crypto);
  const index = checked.findIndex((k) => k.verification === keys.verificationKey && k.encryption === keys.encryptionKey);
  if (index < 0) throw new DomainError('CertificateNotFound', 'the certificate of this seed is not among the certificates');
  return { index, keys, certificates: checked };
}
