import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { certificateId, checkCertificate, generateCertificate } from '../../../domain/belenios/threshold/certificate.js';
import { newSeed } from '../../../domain/belenios/threshold/pki.js';
import { signedMessageFromJson, signedMessageToJson } from '../../../domain/belenios/threshold/signed-message.js';
import { CliError } from '../cli-error.js';
import { describeRound, fetchRoundAsTrustee, fingerprint, parseRound, requireStage, say, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import type { GraphqlClient } from './graphql-client.js';
import type { RoundRef } from './key-files.js';
import { submit, thresholdCertificates, type VoteRoundView } from './trustee-api.js';

/**
 * `urne trustee threshold-certificate --election E [--round 1]`: threshold ceremony step 1
 * (Belenios 2.0, 4.6.2). Makes the trustee's secret seed (22 base-58 characters from the CSPRNG,
 * kept in <E>.<round>.seed, 0600: every later step and the decryption need it), the certificate
 * of its signing and encryption keys (<E>.<round>.cert), and submits it. Run again, it re-sends
 * the same certificate; the seed is never replaced.
 */
export async function thresholdCertificateCommand(options: RoundOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  const client = signedInClient(options, folder);
  const { round } = await fetchRoundAsTrustee(client, ref);
  requireThresholdRound(round, ref);
  requireStage(round, ['preparing'], 'take part in the threshold ceremony');
  const crypto = trusteeCrypto();
  const group = BELENIOS_2048;
  if (!folder.has(ref, 'seed')) {
    const file = folder.create(ref, 'seed', `${newSeed(crypto.randomBytes)}\n`);
    say(`seed made: ${file} (keep it secret and backed up offline: it is needed for every step and to decrypt)`);
  }
  const seed = folder.readSeed(ref);
  let text: string;
  if (folder.has(ref, 'cert')) {
    text = folder.read(ref, 'cert').trim();
    await checkCertificate(group, signedMessageFromJson(JSON.parse(text)), crypto);
  } else {
    const certificate = await generateCertificate(group, seed, crypto);
    text = JSON.stringify(signedMessageToJson(certificate));
    folder.create(ref, 'cert', `${text}\n`);
  }
  const id = await certificateId(signedMessageFromJson(JSON.parse(text)), crypto.sha256);
  const after = await submit(client, 'submitThresholdCertificate', ref, text);
  say(`certificate ${id.slice(0, 8).toUpperCase()} (fingerprint ${fingerprint(text)}) submitted: ${describeRound(after)}`);
  if (after.thresholdStep === 'polynomials') say(`next: "urne trustee threshold-polynomial --election ${ref.electionId} --round ${ref.round} --threshold <n>"`);
}

export function requireThresholdRound(round: VoteRoundView, ref: RoundRef): void {
  if (round.thresholdStep === 'none') throw new CliError(`round ${ref.round} of ${ref.electionId} has no threshold group: Single trustees use "urne trustee generate-key"`);
}

/** The certificates of the group, in its order, as the server gives them. */
export async function fetchCertificates(client: GraphqlClient, ref: RoundRef) {
  const texts = await thresholdCertificates(client, ref);
  return texts.map((text, i) => {
    try {
      return signedMessageFromJson(JSON.parse(text), `certificate ${i + 1}`);
    } catch (error) {
      if (error instanceof SyntaxError) throw new CliError(`certificate ${i + 1} from the server is not JSON`);
      throw error;
    }
  });
}
