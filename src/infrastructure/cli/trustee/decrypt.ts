import { computePartialDecryption, serializePartialDecryption, verifyPartialDecryption } from '../../../domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson } from '../../../domain/belenios/tally.js';
import { CliError } from '../cli-error.js';
import { describeResult, describeRound, fetchRoundAsTrustee, parseRound, requireStage, say, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import { findOwnKey, readPublished } from './check.js';
import { submit } from './trustee-api.js';

/**
 * `urne trustee decrypt --election E [--round 1]`: once the encrypted tally is computed (stage
 * tallying), computes this trustee's partial decryption (Belenios 2.0, 4.18) with its Single
 * private key or its threshold key share, checks its own proofs, and submits it.
 */
export async function decryptCommand(options: RoundOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  const client = signedInClient(options, folder);
  const { me, round } = await fetchRoundAsTrustee(client, ref);
  if (me.staffId && round.decryptedBy.includes(me.staffId)) {
    say(`your partial decryption of round ${ref.round} of ${ref.electionId} is already recorded: ${describeRound(round)}`);
    for (const line of describeResult(round)) say(line);
    return;
  }
  if (round.stage === 'tallied' || round.stage === 'certified') {
    throw new CliError(`round ${ref.round} of ${ref.electionId} is already decrypted (stage "${round.stage}"): nothing to do`);
  }
  requireStage(round, ['tallying'], 'decrypt');
  if (!round.electionJson || !round.trusteesJson || !round.encryptedTallyJson) throw new CliError('the server did not give the election, the trustees and the encrypted tally of this round');
  const crypto = trusteeCrypto();
  const { election, trustees } = await readPublished(round.electionJson, round.trusteesJson);
  const own = await findOwnKey(folder, ref, trustees);
  if (own.privateKey === undefined) throw new CliError(`${folder.fileName(ref, 'dkey')} is missing: your threshold key share (saved by threshold-voutput) is needed to decrypt`);
  let tallyJson: unknown;
  try {
    tallyJson = JSON.parse(round.encryptedTallyJson);
  } catch {
    throw new CliError('the encrypted tally from the server is not JSON');
  }
  const tally = encryptedTallyFromJson(election, tallyJson);
  const count = tally.reduce((sum, row) => sum + row.length, 0);
  say(`decrypting ${count} tally ciphertexts of round ${ref.round} of ${ref.electionId} with your ${own.kind === 'Single' ? 'private key' : 'threshold key share'}…`);
  const decryption = await computePartialDecryption(election, tally, own.privateKey, crypto);
  if (!(await verifyPartialDecryption(election, tally, own.publicKey, decryption, crypto))) {
    throw new CliError('the partial decryption does not verify against your published key: not submitted');
  }
  const after = await submit(client, 'submitPartialDecryption', ref, serializePartialDecryption(decryption));
  say(`partial decryption submitted: ${describeRound(after)}`);
  for (const line of describeResult(after)) say(line);
}
