import { parseElection } from '../../../domain/belenios/election.js';
import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { ownPosition } from '../../../domain/belenios/threshold/certificate.js';
import { recoverThresholdKey } from '../../../domain/belenios/threshold/voutput.js';
import { trusteePublicKeyToJson } from '../../../domain/belenios/trustee-key.js';
import { electionPublicKey, trusteesFromJson, validateTrustees, type Trustees } from '../../../domain/belenios/trustees.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { CliError } from '../cli-error.js';
import { fetchRound, fingerprint, parseRound, publicClient, say, shortKeyId, trusteeCrypto, type RoundOptions } from './common.js';
import type { RoundRef, TrusteeFolder } from './key-files.js';
import { readOwnPublicKey } from './submit-key.js';

/**
 * `urne trustee check --election E [--round 1]`: after the election key is published, checks
 * that this trustee's key is in the published trustees (a "Single" entry, or its verification key
 * in a "Pedersen" group), that every trustee's proof holds, and that the election public key is
 * the product of the trustees' keys. Prints OK with the fingerprints, or the mismatch (exit 1).
 */
export async function checkCommand(options: RoundOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  const round = await fetchRound(publicClient(options, folder), ref);
  if (!round.trusteesJson || !round.electionJson) {
    const waiting = round.missing.length > 0 ? `; still missing: ${round.missing.join(', ')}` : '';
    throw new CliError(`the election key of round ${ref.round} of ${ref.electionId} is not published yet (stage "${round.stage}"${waiting}): nothing to check against`);
  }
  const crypto = trusteeCrypto();
  const published = await readPublished(round.electionJson, round.trusteesJson);
  await validateTrustees(published.election.group, published.trustees, crypto);
  const product = electionPublicKey(published.election.group, published.trustees, crypto);
  if (product !== published.election.publicKey) {
    throw new CliError('MISMATCH: the election public key is not the product of the published trustees’ keys: do not let the vote open, and tell the election council');
  }
  const own = await findOwnKey(folder, ref, published.trustees);
  say(`OK: ${own.description}`);
  say(`  your key ${shortKeyId(own.publicKey)}, fingerprint ${own.fingerprint}`);
  say(`  trustees fingerprint ${fingerprint(round.trusteesJson)}; every trustee's proof holds`);
  say(`  election fingerprint ${published.election.fingerprint}; its public key is the product of the trustees' keys`);
}

export async function readPublished(electionJson: string, trusteesJson: string) {
  const crypto = trusteeCrypto();
  let trustees: Trustees;
  try {
    trustees = trusteesFromJson(JSON.parse(trusteesJson));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new CliError(`the published trustees are not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const election = await parseElection(electionJson, crypto.sha256);
  if (election.group.name !== BELENIOS_2048.name) throw new CliError(`the election uses the group ${election.group.name}; trustee keys here are in ${BELENIOS_2048.name}`);
  return { election, trustees };
}

export interface OwnKey {
  readonly kind: 'Single' | 'Pedersen';
  /** The private key (x, or the threshold share S_j); absent when only checking a certificate. */
  readonly privateKey?: bigint;
  readonly publicKey: bigint;
  readonly fingerprint: string;
  readonly description: string;
}

/**
 * This trustee's key among the published trustees: its Single key (from .privkey/.pubkey), or its
 * threshold share (from .seed and .dkey, checked against its published verification key).
 */
export async function findOwnKey(folder: TrusteeFolder, ref: RoundRef, trustees: Trustees): Promise<OwnKey> {
  const crypto = trusteeCrypto();
  const group = BELENIOS_2048;
  if (folder.has(ref, 'privkey')) {
    const { text, publicKey } = await readOwnPublicKey(folder, ref);
    const singles = trustees.flatMap((t, i) => (t.kind === 'Single' ? [{ i, key: t.key }] : []));
    const found = singles.find((s) => s.key.publicKey === publicKey);
    if (!found) {
      const listed = singles.map((s) => `${shortKeyId(s.key.publicKey)} ${fingerprint(JSON.stringify(trusteePublicKeyToJson(s.key)))}`).join(', ') || 'none';
      throw new CliError(`MISMATCH: your key ${shortKeyId(publicKey)} (fingerprint ${fingerprint(text)}) is not among the published Single trustees (${listed}): do not let the vote open, and tell the election council`);
    }
    return {
      kind: 'Single',
      privateKey: folder.readPrivateKey(ref),
      publicKey,
      fingerprint: fingerprint(text),
      description: `your key is trustee ${found.i + 1} of ${trustees.length} (Single) in the published trustees of round ${ref.round} of ${ref.electionId}`,
    };
  }
  if (folder.has(ref, 'seed')) {
    const seed = folder.readSeed(ref);
    const groups = trustees.flatMap((t, i) => (t.kind === 'Pedersen' ? [{ i, parameters: t.parameters }] : []));
    if (groups.length === 0) throw new CliError('MISMATCH: the published trustees have no threshold group, but you hold a threshold seed for this round');
    for (const { i, parameters } of groups) {
      let index: number;
      try {
        index = (await ownPosition(group, seed, parameters.certs, crypto)).index;
      } catch (error) {
        if (error instanceof DomainError && error.code === 'CertificateNotFound') continue;
        throw error;
      }
      const verificationKey = parameters.verificationKeys[index]!;
      const keyText = JSON.stringify(trusteePublicKeyToJson(verificationKey));
      const where = `your certificate is number ${index + 1} of ${parameters.certs.length} in the threshold group (trustee ${i + 1}, ${parameters.threshold} of ${parameters.certs.length} needed)`;
      if (!folder.has(ref, 'dkey')) {
        return { kind: 'Pedersen', publicKey: verificationKey.publicKey, fingerprint: fingerprint(keyText), description: `${where}; ${folder.fileName(ref, 'dkey')} is missing, so your key share could not be checked` };
      }
      const { privateKey } = await recoverThresholdKey(group, seed, parameters.certs, parameters.verificationKeys, folder.read(ref, 'dkey'), crypto);
      return { kind: 'Pedersen', privateKey, publicKey: verificationKey.publicKey, fingerprint: fingerprint(keyText), description: `${where}, and your key share matches its published verification key` };
    }
    throw new CliError('MISMATCH: the certificate of your seed is not in the published threshold group: do not let the vote open, and tell the election council');
  }
  throw new CliError(`no key for round ${ref.round} of ${ref.electionId} in ${folder.path} (neither ${ref.electionId}.${ref.round}.privkey nor .seed): use the --dir where your key was generated`);
}
