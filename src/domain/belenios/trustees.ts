import { DomainError } from '../shared/decider.js';
import type { FiniteFieldGroup } from './groups.js';
import { malformed } from './threshold/json.js';
import type { CheckCrypto } from './threshold/pki.js';
import {
  checkThresholdParameters,
  thresholdParametersFromJson,
  thresholdParametersToJson,
  thresholdPublicKey,
  type ThresholdParameters,
} from './threshold/threshold-parameters.js';
import { trusteePublicKeyFromJson, trusteePublicKeyToJson, verifyPossession, type TrusteePublicKey } from './trustee-key.js';

/**
 * The trustees of an election (Belenios 2.0, section 4.7): a list of ["Single", trustee_public_key]
 * and ["Pedersen", threshold_parameters]. The election public key is the product of their
 * sub-keys: a Single key's public key, a Pedersen group's prod_i A_i0.
 */
export type TrusteeKind =
  | { readonly kind: 'Single'; readonly key: TrusteePublicKey }
  | { readonly kind: 'Pedersen'; readonly parameters: ThresholdParameters };

export type Trustees = readonly TrusteeKind[];

export function trusteesFromJson(json: unknown): Trustees {
  if (!Array.isArray(json) || json.length === 0) throw malformed('trustees', 'must be a non-empty JSON array');
  return json.map((entry: unknown, i): TrusteeKind => {
    const what = `trustees[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2) throw malformed(what, 'must be ["Single", key] or ["Pedersen", parameters]');
    const [kind, value] = entry as [unknown, unknown];
    if (kind === 'Single') {
      try {
        return { kind, key: trusteePublicKeyFromJson(value ?? {}) };
      } catch (error) {
        throw malformed(what, error instanceof Error ? error.message : String(error));
      }
    }
    if (kind === 'Pedersen') return { kind, parameters: thresholdParametersFromJson(value, `${what} (Pedersen)`) };
    throw malformed(what, `unknown kind ${JSON.stringify(kind)}`);
  });
}

export function trusteesToJson(trustees: Trustees): unknown[] {
  return trustees.map((t) => (t.kind === 'Single' ? ['Single', trusteePublicKeyToJson(t.key)] : ['Pedersen', thresholdParametersToJson(t.parameters)]));
}

/** As belenios-tool writes trustees.json (without its final newline). */
export function trusteesToText(trustees: Trustees): string {
  return JSON.stringify(trusteesToJson(trustees));
}

/** The product of the sub-keys. Does not check the trustees (see `validateTrustees`). */
export function electionPublicKey(group: FiniteFieldGroup, trustees: Trustees, crypto: Pick<CheckCrypto, 'modExp'>): bigint {
  return trustees.reduce(
    (product, t) => (product * (t.kind === 'Single' ? t.key.publicKey : thresholdPublicKey(group, t.parameters, crypto.modExp))) % group.p,
    1n,
  );
}

/**
 * Every check a verifier can make: each Single key's proof; for each Pedersen group, the
 * certificates' signatures, the coefexps' signatures and degree, and each verification key
 * against the coefexps (section 4.6.6) with its proof. Refuses with `InvalidTrustees`, naming the entry.
 */
export async function validateTrustees(group: FiniteFieldGroup, trustees: Trustees, crypto: CheckCrypto): Promise<void> {
  if (trustees.length === 0) throw new DomainError('InvalidTrustees', 'there must be at least one trustee');
  for (const [i, t] of trustees.entries()) {
    if (t.kind === 'Single') {
      if (!(await verifyPossession(group, t.key, crypto))) {
        throw new DomainError('InvalidTrustees', `trustee ${i + 1} (Single): the proof of knowledge of its private key is wrong`, { entry: i });
      }
      continue;
    }
    try {
      await checkThresholdParameters(group, t.parameters, crypto);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new DomainError('InvalidTrustees', `trustee ${i + 1} (Pedersen): ${error.message}`, { entry: i, cause: error.code });
    }
  }
}
