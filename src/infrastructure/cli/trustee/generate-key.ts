import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { provePossession, trusteePublicKeyToJson } from '../../../domain/belenios/trustee-key.js';
import { CliError } from '../cli-error.js';
import { fetchRoundAsTrustee, fingerprint, parseRound, requireStage, say, shortKeyId, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import { privateKeyText } from './key-files.js';
import { submitKeyFile } from './submit-key.js';

export interface GenerateKeyOptions extends RoundOptions {
  submit: boolean;
}

/**
 * `urne trustee generate-key --election E [--round 1] [--no-submit]`: a "Single" trustee's key
 * pair (Belenios 2.0, 4.5): x uniformly random in Z_q from the CSPRNG, and trustee_public_key
 * {pok, public_key} with its proof of knowledge of x. Writes <E>.<round>.privkey (as
 * belenios-tool does: the JSON string of x) and .pubkey, prints the fingerprint, and submits the
 * public key unless --no-submit. Never overwrites a private key.
 */
export async function generateKeyCommand(options: GenerateKeyOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  if (folder.has(ref, 'privkey')) {
    throw new CliError(`${folder.fileName(ref, 'privkey')} already exists: refusing to make a second key for this round (submit it with "urne trustee submit-key --election ${ref.electionId} --round ${ref.round}")`);
  }
  // Before making a key that could not be used: are we signed in, and is the round waiting for keys?
  const client = options.submit ? signedInClient(options, folder) : undefined;
  if (client) requireStage((await fetchRoundAsTrustee(client, ref)).round, ['preparing'], 'submit a trustee key');

  const crypto = trusteeCrypto();
  const group = BELENIOS_2048;
  let x = 0n;
  while (x === 0n) x = crypto.randomExponent(group);
  const key = await provePossession(group, x, crypto);
  const publicText = JSON.stringify(trusteePublicKeyToJson(key));
  const privateFile = folder.create(ref, 'privkey', privateKeyText(x));
  const publicFile = folder.create(ref, 'pubkey', `${publicText}\n`);
  say(`key ${shortKeyId(key.publicKey)} generated for round ${ref.round} of ${ref.electionId}`);
  say(`  private key: ${privateFile} (keep it secret and backed up offline: it is needed to decrypt the result)`);
  say(`  public key:  ${publicFile}`);
  say(`  fingerprint: ${fingerprint(publicText)}`);
  if (!client) {
    say(`not submitted (--no-submit): send it with "urne trustee submit-key --election ${ref.electionId} --round ${ref.round}"`);
    return;
  }
  await submitKeyFile(client, folder, ref);
}
