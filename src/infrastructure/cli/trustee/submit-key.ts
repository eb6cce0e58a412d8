import { BELENIOS_2048 } from '../../../domain/belenios/groups.js';
import { trusteePublicKeyFromJson, trusteePublicKeyToJson, verifyPossession } from '../../../domain/belenios/trustee-key.js';
import { CliError } from '../cli-error.js';
import { describeRound, fingerprint, parseRound, say, signedInClient, trusteeCrypto, type RoundOptions } from './common.js';
import type { GraphqlClient } from './graphql-client.js';
import type { RoundRef, TrusteeFolder } from './key-files.js';
import { submit } from './trustee-api.js';

/** `urne trustee submit-key --election E [--round 1]`: sends the .pubkey made by generate-key. */
export async function submitKeyCommand(options: RoundOptions): Promise<void> {
  const { ref, folder } = parseRound(options);
  await submitKeyFile(signedInClient(options, folder), folder, ref);
}

/** The public key text of this round, checked against the private key before it leaves. */
export async function readOwnPublicKey(folder: TrusteeFolder, ref: RoundRef): Promise<{ text: string; publicKey: bigint }> {
  const file = folder.fileName(ref, 'pubkey');
  const raw = folder.read(ref, 'pubkey', `generate it with "urne trustee generate-key --election ${ref.electionId} --round ${ref.round}"`);
  let key;
  try {
    key = trusteePublicKeyFromJson(JSON.parse(raw));
  } catch (error) {
    throw new CliError(`${file} does not hold a trustee public key: ${error instanceof Error ? error.message : String(error)}`);
  }
  const crypto = trusteeCrypto();
  const x = folder.readPrivateKey(ref);
  if (crypto.modExp(BELENIOS_2048.g, x, BELENIOS_2048.p) !== key.publicKey) {
    throw new CliError(`${file} does not match ${folder.fileName(ref, 'privkey')}: they are not one key pair`);
  }
  if (!(await verifyPossession(BELENIOS_2048, key, crypto))) throw new CliError(`${file}: its proof of knowledge of the private key is wrong`);
  return { text: JSON.stringify(trusteePublicKeyToJson(key)), publicKey: key.publicKey };
}

export async function submitKeyFile(client: GraphqlClient, folder: TrusteeFolder, ref: RoundRef): Promise<void> {
  const { text } = await readOwnPublicKey(folder, ref);
  const round = await submit(client, 'submitTrusteeKey', ref, text);
  say(`public key ${fingerprint(text)} submitted for round ${ref.round} of ${ref.electionId}: ${describeRound(round)}`);
}
