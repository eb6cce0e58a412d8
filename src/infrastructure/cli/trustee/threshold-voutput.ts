import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { vinputFromJson } from '../../../domain/belenios/threshold/vinput.js';
import { computeVoutput, voutputFromJson, voutputToJson } from '../../../domain/belenios/threshold/voutput.js';
import { trusteePublicKeyToJson } from '../../../domain/belenios/trustee-key.js';
import { CliError } from '../cli-error.js';
import { describeRound, fetchRoundAsTrustee, fingerprint, parseRound, requireStage, say, shortKeyId, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import { submit, thresholdVinput } from './trustee-api.js';
import { fetchCertificates, requireThresholdRound } from './threshold-certificate.js';

/**
 * `urne trustee threshold-voutput --election E [--round 1]`: step 5 (Belenios 2.0, 4.6.6), once
 * every polynomial is in: checks the secrets the other trustees sent (the vinput), computes this
 * trustee's key share S_j, keeps it encrypted to itself in <E>.<round>.dkey (what belenios-tool
 * saves as .dkey; with the seed it decrypts), and submits the voutput (its verification key g^S_j
 * with a proof). Run again, it re-sends the same voutput.
 */
export async function thresholdVoutputCommand(options: RoundOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  const client = signedInClient(options, folder);
  const { round } = await fetchRoundAsTrustee(client, ref);
  requireThresholdRound(round, ref);
  requireStage(round, ['preparing'], 'take part in the threshold ceremony');
  let text: string;
  if (folder.has(ref, 'voutput')) {
    text = folder.read(ref, 'voutput').trim();
  } else {
    if (round.thresholdStep === 'certificates' || round.thresholdStep === 'polynomials') {
      throw new CliError(`the threshold ceremony still waits for ${round.thresholdStep} (${round.missing.join(', ') || 'from other trustees'}): try again later`);
    }
    const seed = folder.readSeed(ref);
    const certificates = await fetchCertificates(client, ref);
    const vinputText = await thresholdVinput(client, ref);
    if (!vinputText) throw new CliError('the server has no vinput for you yet: the polynomials of the other trustees are still missing');
    let vinputJson: unknown;
    try {
      vinputJson = JSON.parse(vinputText);
    } catch {
      throw new CliError('the vinput from the server is not JSON');
    }
    const voutput = await computeVoutput(BELENIOS_2048, seed, certificates, vinputFromJson(vinputJson), trusteeCrypto());
    text = JSON.stringify(voutputToJson(voutput));
    folder.create(ref, 'dkey', `${voutput.privateKey}\n`);
    folder.create(ref, 'voutput', `${text}\n`);
  }
  const key = voutputFromJson(JSON.parse(text)).publicKey;
  const after = await submit(client, 'submitThresholdVoutput', ref, text);
  say(`key share ${shortKeyId(key.publicKey)} (verification key fingerprint ${fingerprint(JSON.stringify(trusteePublicKeyToJson(key)))}) submitted: ${describeRound(after)}`);
  say(`keep ${folder.fileName(ref, 'seed')} and ${folder.fileName(ref, 'dkey')} safe: both are needed to decrypt`);
}
