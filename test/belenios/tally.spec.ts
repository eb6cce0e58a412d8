import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBallot } from '../../src/domain/belenios/ballot-verification.js';
import type { Ballot } from '../../src/domain/belenios/ballot.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import {
  computePartialDecryption,
  partialDecryptionFromJson,
  serializeOwnedPartialDecryption,
  serializePartialDecryption,
  verifyPartialDecryption,
} from '../../src/domain/belenios/partial-decryption.js';
import {
  combineDecryptionFactors,
  decryptTally,
  lagrangeCoefficient,
  resultFromJson,
  serializeResult,
  verifyResult,
} from '../../src/domain/belenios/result.js';
import {
  computeEncryptedTally,
  credentialWeights,
  encryptedTallyFromJson,
  serializeEncryptedTally,
  serializeSizedEncryptedTally,
} from '../../src/domain/belenios/tally.js';
import { trusteePublicKeyFromJson, webCryptoSha256 } from '../../src/domain/belenios/trustee-key.js';
import {
  beleniosTool,
  beleniosToolAddEvent,
  beleniosToolAvailable,
  beleniosToolBallot,
  beleniosToolSkipReason,
  beleniosToolVerifies,
  createBeleniosToolElection,
  type BeleniosToolElection,
} from '../support/belenios-tool.js';
import { QUESTIONS, crypto, randomExponent } from './support/test-crypto.js';

const describeWithTool = beleniosToolAvailable ? describe : describe.skip;
const group = BELENIOS_2048;

describe('tally, decryption and result (pure)', () => {
  it('computes Lagrange coefficients that interpolate a polynomial at 0', () => {
    const q = group.q;
    const f = (x: bigint) => (123456789n + 987654321n * x + 55555n * x * x) % q; // degree 2: any 3 shares
    for (const indexes of [[1, 2, 3], [2, 4, 5], [1, 3, 5]]) {
      const at0 = indexes.reduce((sum, k) => (sum + lagrangeCoefficient(indexes, k, q) * f(BigInt(k))) % q, 0n);
      expect(at0).toBe(123456789n);
    }
  });

  it('reads weights as belenios-tool 2.0 writes public credentials', () => {
    expect(credentialWeights(['12,,alice', '34,3,bob', '56', '78,5000000000'])).toEqual(new Map([[12n, 1n], [34n, 3n], [56n, 1n], [78n, 5000000000n]]));
    expect(() => credentialWeights(['12,x,alice'])).toThrow('public_credentials[0]');
  });

  it('tallies weighted ballots, keeps the last ballot of each voter, and decrypts a threshold key', async () => {
    // a 2-out-of-3 Pedersen-style key: shares s_k = f(k) with f(0) = x, one Single trustee z
    const q = group.q;
    const [x, a1, z] = [randomExponent(group), randomExponent(group), randomExponent(group)];
    const share = (k: number) => (x + a1 * BigInt(k)) % q;
    const y = crypto.modExp(group.g, (x + z) % q, group.p);
    const text = JSON.stringify({ version: 1, description: 'd', name: 'n', group: group.name, public_key: y.toString(), questions: QUESTIONS, uuid: 'sxSxEBirnRuWr1' });
    const election = await parseElection(text, webCryptoSha256);
    const voters = [0, 1, 2].map(() => credentialFromDigits(Array.from(randomBytes(14), (b) => b % 58)));
    const cast = async (voter: number, choices: number[][]) => (await createBallot(election, voters[voter]!, choices, crypto)).ballot;
    const ballots: Ballot[] = [
      await cast(0, [[0, 1, 0, 0, 0, 0], [1, 0, 0]]),
      await cast(1, [[0, 0, 1, 0, 0, 0], [1, 1, 0]]),
      await cast(2, [[1, 0, 0, 0, 0, 0], [0, 0, 0]]),
      await cast(0, [[0, 0, 0, 0, 1, 0], [0, 0, 1]]), // revote replaces the first ballot
    ];
    const weights = new Map([[ballots[0]!.credential, 3n], [ballots[1]!.credential, 5000000000n], [ballots[2]!.credential, 1n]]);
    const { tally, numTallied, totalWeight } = computeEncryptedTally(election, ballots, (c) => weights.get(c)!, crypto.modExp);
    expect([numTallied, totalWeight]).toEqual([3, 5000000004n]);
    const pd = async (key: bigint) => (await computePartialDecryption(election, tally, key, crypto)).decryptionFactors;
    const combined = combineDecryptionFactors(group, tally, [
      { kind: 'Single', factors: await pd(z) },
      { kind: 'Pedersen', shares: [{ index: 3, factors: await pd(share(3)) }, { index: 1, factors: await pd(share(1)) }] },
    ], crypto.modExp);
    const result = decryptTally(group, tally, combined, totalWeight, crypto.modExp);
    const expected = [[1n, 0n, 5000000000n, 0n, 3n, 0n], [5000000000n, 5000000000n, 3n]];
    expect(result).toEqual(expected);
    expect(verifyResult(group, tally, combined, expected, totalWeight, crypto.modExp)).toBe(true);
    expect(verifyResult(group, tally, combined, [expected[0]!, [5000000000n, 5000000000n, 2n]], totalWeight, crypto.modExp)).toBe(false);
    expect(serializeResult(result)).toBe('{"result":[[1,0,"5000000000",0,3,0],["5000000000","5000000000",3]]}');
  });
});

describeWithTool(`tally, partial decryptions and result interoperate with belenios-tool 2.0${beleniosToolSkipReason}`, () => {
  let dir: string;
  let tool: BeleniosToolElection;
  let election: Election;
  const accepted: Ballot[] = [];
  const run = (args: string[], input?: string) => beleniosTool(args, { cwd: dir, ...(input === undefined ? {} : { input }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-tally-'));
    tool = createBeleniosToolElection(dir, { questions: QUESTIONS, voters: 5, trustees: 2 });
    election = await parseElection(tool.electionJson, webCryptoSha256);
    const cred = tool.privateCredentials;
    const texts = [
      beleniosToolBallot(dir, cred[0]!, [[0, 1, 0, 0, 0, 0], [1, 0, 1]]),
      beleniosToolBallot(dir, cred[1]!, [[1, 0, 0, 0, 0, 0], [0, 0, 0]]),
      (await createBallot(election, cred[2]!, [[0, 0, 0, 1, 0, 0], [0, 1, 1]], crypto)).text,
      (await createBallot(election, cred[3]!, [[1, 0, 0, 0, 0, 0], [0, 0, 0]], crypto)).text,
      (await createBallot(election, cred[0]!, [[0, 0, 1, 0, 0, 0], [0, 0, 1]], crypto)).text, // revote
      beleniosToolBallot(dir, cred[4]!, [[0, 0, 1, 0, 0, 0], [1, 1, 0]]),
    ];
    for (const text of texts) {
      const verified = await verifyBallot(election, text, crypto);
      if (!verified.ok) throw new Error(`ballot refused: ${verified.detail}`);
      accepted.push(verified.ballot);
      beleniosToolAddEvent(dir, 'Ballot', text);
    }
    beleniosToolAddEvent(dir, 'EndBallots');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('computes the encrypted tally belenios-tool computes, and it accepts ours', async () => {
    const [theirTally, theirSized] = run(['election', 'compute-encrypted-tally']).trim().split('\n');
    const weights = credentialWeights(JSON.parse(tool.publicCredentialsJson));
    const ours = computeEncryptedTally(election, accepted, (c) => weights.get(c)!, crypto.modExp);
    const tallyText = serializeEncryptedTally(ours.tally);
    expect(JSON.parse(tallyText)).toEqual(JSON.parse(theirTally!));
    expect(tallyText).toBe(theirTally);
    const sized = await serializeSizedEncryptedTally(tallyText, ours.numTallied, ours.totalWeight, webCryptoSha256);
    expect(sized).toBe(theirSized);
    beleniosToolAddEvent(dir, 'EncryptedTally', `${tallyText}\n${sized}\n`);
    expect(beleniosToolVerifies(dir).ok).toBe(true);
  });

  it("exchanges partial decryptions both ways, and computes belenios-tool's result", async () => {
    const tally = encryptedTallyFromJson(election, JSON.parse(run(['election', 'compute-encrypted-tally']).split('\n')[0]!));
    const keys = (JSON.parse(tool.trusteesJson) as [string, unknown][]).map(([, key]) => trusteePublicKeyFromJson(key).publicKey);
    // trustee 1: ours, from belenios-tool's private key file (a JSON string)
    const privateKey = BigInt(JSON.parse(readFileSync(tool.privateKeyFiles[0]!, 'utf8')) as string);
    const mine = await computePartialDecryption(election, tally, privateKey, crypto);
    expect(await verifyPartialDecryption(election, tally, keys[0]!, mine, crypto)).toBe(true);
    expect(await verifyPartialDecryption(election, tally, keys[1]!, mine, crypto)).toBe(false);
    const mineText = serializePartialDecryption(mine);
    beleniosToolAddEvent(dir, 'PartialDecryption', `${mineText}\n${await serializeOwnedPartialDecryption(1, mineText, webCryptoSha256)}\n`);
    // trustee 2: belenios-tool's, checked by us
    const [theirsText, theirOwned] = run(['election', 'decrypt', '--privkey', tool.privateKeyFiles[1]!, '--trustee-id', '2']).trim().split('\n');
    const theirs = partialDecryptionFromJson(JSON.parse(theirsText!));
    expect(serializePartialDecryption(theirs)).toBe(theirsText);
    expect(await serializeOwnedPartialDecryption(2, theirsText!, webCryptoSha256)).toBe(theirOwned);
    expect(await verifyPartialDecryption(election, tally, keys[1]!, theirs, crypto)).toBe(true);
    const forged = { ...theirs, decryptionFactors: [theirs.decryptionFactors[0]!.map((f, j) => (j === 0 ? (f * group.g) % group.p : f)), theirs.decryptionFactors[1]!] };
    expect(await verifyPartialDecryption(election, tally, keys[1]!, forged, crypto)).toBe(false);
    beleniosToolAddEvent(dir, 'PartialDecryption', `${theirsText}\n${theirOwned}\n`);
    expect(beleniosToolVerifies(dir).ok).toBe(true);

    const combined = combineDecryptionFactors(group, tally, [{ kind: 'Single', factors: mine.decryptionFactors }, { kind: 'Single', factors: theirs.decryptionFactors }], crypto.modExp);
    const result = decryptTally(group, tally, combined, 5n, crypto.modExp);
    expect(result).toEqual([[2n, 0n, 2n, 1n, 0n, 0n], [1n, 2n, 2n]]);
    const theirResult = run(['election', 'compute-result']).trim();
    expect(serializeResult(result)).toBe(theirResult);
    expect(verifyResult(group, tally, combined, resultFromJson(JSON.parse(theirResult)), 5n, crypto.modExp)).toBe(true);
    beleniosToolAddEvent(dir, 'Result', serializeResult(result));
    const verification = beleniosToolVerifies(dir);
    expect(verification.output).toContain('all checks passed');
    expect(verification.ok).toBe(true);
  });
});

describeWithTool(`weighted tally and result interoperate with belenios-tool 2.0${beleniosToolSkipReason}`, () => {
  let dir: string;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** As createBeleniosToolElection, with weighted voters ("address,login,weight"; no weight is 1). */
  function weightedElection(voters: readonly string[]): { uuid: string; credentials: Map<string, string> } {
    const run = (args: string[]) => beleniosTool(args, { cwd: dir });
    const uuid = run(['setup', 'generate-token']).trim();
    writeFileSync(join(dir, 'voters.txt'), voters.join('\n') + '\n');
    run(['setup', 'generate-credentials', '--uuid', uuid, '--group', group.name, '--file', 'voters.txt']);
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.pubcreds')) renameSync(join(dir, name), join(dir, 'public_creds.json'));
      if (name.endsWith('.privcreds')) renameSync(join(dir, name), join(dir, 'private_creds.txt'));
    }
    run(['setup', 'generate-trustee-key', '--group', group.name]);
    writeFileSync(join(dir, 'public_keys.jsons'), readdirSync(dir).filter((n) => n.endsWith('.pubkey')).map((n) => readFileSync(join(dir, n), 'utf8').trim()).join('\n') + '\n');
    run(['setup', 'make-trustees']);
    writeFileSync(join(dir, 'template.json'), JSON.stringify({ description: 'Weighted', name: 'W', questions: QUESTIONS }));
    run(['setup', 'make-election', '--uuid', uuid, '--group', group.name, '--template', 'template.json']);
    run(['archive', 'init']);
    const credentials = new Map(readFileSync(join(dir, 'private_creds.txt'), 'utf8').trim().split('\n').map((line) => {
      const [voter, credential] = line.split(' ');
      return [voter!.split(',')[1]!, credential!] as [string, string];
    }));
    return { uuid, credentials };
  }

  it('writes weights from 2^30 on as strings, in total_weight and in the result', async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-weighted-'));
    const { credentials } = weightedElection(['a@x,a,1073741824', 'b@x,b,3', 'c@x,c']);
    const election = await parseElection(readFileSync(join(dir, 'election.json'), 'utf8').trim(), webCryptoSha256);
    const texts = [
      (await createBallot(election, credentials.get('a')!, [[0, 1, 0, 0, 0, 0], [1, 0, 1]], crypto)).text,
      beleniosToolBallot(dir, credentials.get('b')!, [[0, 1, 0, 0, 0, 0], [0, 0, 1]]),
      (await createBallot(election, credentials.get('c')!, [[1, 0, 0, 0, 0, 0], [0, 0, 0]], crypto)).text,
    ];
    const accepted: Ballot[] = [];
    for (const text of texts) {
      const verified = await verifyBallot(election, text, crypto);
      if (!verified.ok) throw new Error(verified.detail);
      accepted.push(verified.ballot);
      beleniosToolAddEvent(dir, 'Ballot', text);
    }
    beleniosToolAddEvent(dir, 'EndBallots');
    const weights = credentialWeights(JSON.parse(readFileSync(join(dir, 'public_creds.json'), 'utf8')));
    const ours = computeEncryptedTally(election, accepted, (c) => weights.get(c)!, crypto.modExp);
    const tallyText = serializeEncryptedTally(ours.tally);
    const sized = await serializeSizedEncryptedTally(tallyText, ours.numTallied, ours.totalWeight, webCryptoSha256);
    expect(`${tallyText}\n${sized}`).toBe(beleniosTool(['election', 'compute-encrypted-tally'], { cwd: dir }).trim());
    expect(JSON.parse(sized)).toMatchObject({ num_tallied: 3, total_weight: '1073741828' });
    beleniosToolAddEvent(dir, 'EncryptedTally', `${tallyText}\n${sized}\n`);
    const privateKeyFile = readdirSync(dir).find((n) => n.endsWith('.privkey'))!;
    const [decryptionText, owned] = beleniosTool(['election', 'decrypt', '--privkey', privateKeyFile, '--trustee-id', '1'], { cwd: dir }).trim().split('\n');
    beleniosToolAddEvent(dir, 'PartialDecryption', `${decryptionText}\n${owned}\n`);
    const decryption = partialDecryptionFromJson(JSON.parse(decryptionText!));
    const combined = combineDecryptionFactors(group, ours.tally, [{ kind: 'Single', factors: decryption.decryptionFactors }], crypto.modExp);
    const result = serializeResult(decryptTally(group, ours.tally, combined, ours.totalWeight, crypto.modExp));
    expect(result).toBe('{"result":[[1,"1073741827",0,0,0,0],["1073741824",0,"1073741827"]]}');
    expect(result).toBe(beleniosTool(['election', 'compute-result'], { cwd: dir }).trim());
    beleniosToolAddEvent(dir, 'Result', result);
    expect(beleniosToolVerifies(dir).ok).toBe(true);
  });
});
