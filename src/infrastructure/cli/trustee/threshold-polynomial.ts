import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { generatePolynomial, polynomialFromJson, polynomialToJson, readCoefexps } from '../../../domain/belenios/threshold/polynomial.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { describeRound, fetchRoundAsTrustee, fingerprint, parseRound, requireStage, say, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import { submit } from './trustee-api.js';
import { fetchCertificates, requireThresholdRound } from './threshold-certificate.js';

export interface ThresholdPolynomialOptions extends RoundOptions {
  /** Defaults to the round's plan, as the server publishes it; when given, it must match. */
  threshold?: string;
}

/**
 * `urne trustee threshold-polynomial --election E [--round 1] --threshold N`: step 3 (Belenios
 * 2.0, 4.6.4), once every certificate is in: a random polynomial of degree N - 1, its value for
 * each trustee encrypted to that trustee, and its signed coefficient commitments. Saved in
 * <E>.<round>.polynomial and submitted; run again, it re-sends the same file.
 */
export async function thresholdPolynomialCommand(options: ThresholdPolynomialOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  const asked = options.threshold === undefined ? undefined : Number(options.threshold);
  if (asked !== undefined && (!Number.isSafeInteger(asked) || asked < 1)) throw new CliError(`--threshold must be a positive integer (how many trustees of the group are needed to decrypt), got ${JSON.stringify(options.threshold)}`, EXIT_USAGE);
  const client = signedInClient(options, folder);
  const { round } = await fetchRoundAsTrustee(client, ref);
  requireThresholdRound(round, ref);
  const planned = round.thresholdGroup?.threshold;
  const threshold = asked ?? planned;
  if (threshold === undefined) throw new CliError('the server does not say the group\'s threshold: pass --threshold N (as the council set it)', EXIT_USAGE);
  requireStage(round, ['preparing'], 'take part in the threshold ceremony');
  let text: string | undefined;
  if (folder.has(ref, 'polynomial')) {
    text = folder.read(ref, 'polynomial').trim();
    const coefficients = readCoefexps(BELENIOS_2048, polynomialFromJson(JSON.parse(text)).coefexps, trusteeCrypto(), 'polynomial').length;
    if (coefficients !== threshold) {
      // The server refuses a polynomial whose degree is not the plan's: this one was never accepted.
      const kept = folder.setAside(ref, 'polynomial');
      say(`the saved polynomial has ${coefficients} coefficients, not ${threshold}: set aside as ${kept}, making a new one`);
      text = undefined;
    }
  }
  if (text === undefined) {
    if (round.thresholdStep === 'certificates') throw new CliError(`the threshold ceremony still waits for certificates (${round.missing.join(', ') || 'from other trustees'}): try again later`);
    const seed = folder.readSeed(ref);
    const certificates = await fetchCertificates(client, ref);
    const polynomial = await generatePolynomial(BELENIOS_2048, seed, certificates, threshold, trusteeCrypto());
    text = JSON.stringify(polynomialToJson(polynomial));
    folder.create(ref, 'polynomial', `${text}\n`);
  }
  const after = await submit(client, 'submitThresholdPolynomial', ref, text);
  say(`polynomial (fingerprint ${fingerprint(text)}) submitted: ${describeRound(after)}`);
  if (after.thresholdStep === 'voutputs') say(`next: "urne trustee threshold-voutput --election ${ref.electionId} --round ${ref.round}"`);
}
