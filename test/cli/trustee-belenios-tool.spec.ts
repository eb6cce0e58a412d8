import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElection } from '../../src/domain/belenios/election.js';
import { partialDecryptionFromJson, verifyPartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { encryptedTallyFromJson } from '../../src/domain/belenios/tally.js';
import { trusteePublicKeyFromJson } from '../../src/domain/belenios/trustee-key.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { beleniosTool, beleniosToolAddEvent, beleniosToolAvailable, beleniosToolBallot, beleniosToolSkipReason } from '../support/belenios-tool.js';
import { ensureBuilt, runUrne } from './trustee-support.js';

const describeWithTool = beleniosToolAvailable ? describe : describe.skip;

/**
 * The key files `urne trustee generate-key` writes are belenios-tool's own: an election set up by
 * belenios-tool with our public key as its trustee is decrypted by `belenios-tool election
 * decrypt --privkey` reading our private key file.
 */
describeWithTool(`urne trustee key files work with belenios-tool 2.0${beleniosToolSkipReason}`, () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'urne-trustee-bt-'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('belenios-tool decrypts with the private key file, and the partial decryption verifies against the public key file', async () => {
    const keys = join(dir, 'trustee');
    const generated = runUrne(['trustee', 'generate-key', '--election', 'lyon-2026', '--no-submit', '--dir', keys]);
    expect(generated.code).toBe(0);
    const election = join(dir, 'election');
    const run = (args: string[]) => beleniosTool(args, { cwd: election });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(election);
    const uuid = run(['setup', 'generate-token']).trim();
    run(['setup', 'generate-credentials', '--uuid', uuid, '--group', 'BELENIOS-2048', '--count', '2']);
    for (const name of readdirSync(election)) {
      if (name.endsWith('.pubcreds')) renameSync(join(election, name), join(election, 'public_creds.json'));
      if (name.endsWith('.privcreds')) renameSync(join(election, name), join(election, 'private_creds.txt'));
    }
    copyFileSync(join(keys, 'lyon-2026.1.pubkey'), join(election, 'public_keys.jsons'));
    run(['setup', 'make-trustees']);
    writeFileSync(join(election, 'template.json'), JSON.stringify({ description: 'Trustee files', name: 'T', questions: [{ question: 'Q', answers: ['A', 'B'], min: 0, max: 1 }] }));
    run(['setup', 'make-election', '--uuid', uuid, '--group', 'BELENIOS-2048', '--template', 'template.json']);
    run(['archive', 'init']);
    const credentials = readFileSync(join(election, 'private_creds.txt'), 'utf8').trim().split('\n').map((line) => line.split(' ')[1]!);
    beleniosToolAddEvent(election, 'Ballot', beleniosToolBallot(election, credentials[0]!, [[0, 1]]));
    beleniosToolAddEvent(election, 'Ballot', beleniosToolBallot(election, credentials[1]!, [[0, 1]]));
    beleniosToolAddEvent(election, 'EndBallots');
    const [tallyText, sized] = run(['election', 'compute-encrypted-tally']).trim().split('\n');
    beleniosToolAddEvent(election, 'EncryptedTally', `${tallyText}\n${sized}\n`);

    const [decryptionText] = run(['election', 'decrypt', '--privkey', join(keys, 'lyon-2026.1.privkey'), '--trustee-id', '1']).trim().split('\n');
    const crypto = nodeBeleniosCrypto();
    const parsed = await parseElection(readFileSync(join(election, 'election.json'), 'utf8').trim(), crypto.sha256);
    const publicKey = trusteePublicKeyFromJson(JSON.parse(readFileSync(join(keys, 'lyon-2026.1.pubkey'), 'utf8'))).publicKey;
    expect(parsed.publicKey).toBe(publicKey);
    const tally = encryptedTallyFromJson(parsed, JSON.parse(tallyText!));
    expect(await verifyPartialDecryption(parsed, tally, publicKey, partialDecryptionFromJson(JSON.parse(decryptionText!)), crypto)).toBe(true);
  });
});
