import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { trusteePublicKeyFromJson, verifyPossession } from '../../src/domain/belenios/trustee-key.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { CliError } from '../../src/infrastructure/cli/cli-error.js';
import { parsePrivateKey, privateKeyText, roundRef, TrusteeFolder } from '../../src/infrastructure/cli/trustee/key-files.js';
import { runUrne, ensureBuilt } from './trustee-support.js';

const mode = (path: string) => statSync(path).mode & 0o777;

beforeAll(ensureBuilt, 180_000);

describe('urne trustee: the local key files', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'urne-trustee-files-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the folder 0700 and files 0600, whatever the umask, and tightens an existing open folder', () => {
    const previous = process.umask(0o000);
    try {
      const folder = new TrusteeFolder(join(root, 'a', 'trustee'));
      const ref = roundRef('paris-2013', '1');
      const file = folder.create(ref, 'seed', 'abc\n');
      expect(file).toBe(join(root, 'a', 'trustee', 'paris-2013.1.seed'));
      expect(mode(folder.path)).toBe(0o700);
      expect(mode(file)).toBe(0o600);
      const open = join(root, 'open');
      mkdirSync(open, { mode: 0o755 });
      new TrusteeFolder(open).ensure();
      expect(mode(open)).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('refuses to overwrite a file and leaves it as it was', () => {
    const folder = new TrusteeFolder(join(root, 'b'));
    const ref = roundRef('paris-2013', 2);
    folder.create(ref, 'privkey', privateKeyText(42n));
    expect(() => folder.create(ref, 'privkey', privateKeyText(7n))).toThrow(/paris-2013\.2\.privkey already exists: refusing to overwrite it/);
    expect(folder.readPrivateKey(ref)).toBe(42n);
  });

  it('writes the private key as belenios-tool does (a JSON string of the decimal number and a line break) and reads it back', () => {
    const x = 51996311321386430563559701112333735749744991041810212855489485936949460082473n;
    expect(privateKeyText(x)).toBe(`"${x}"\n`);
    expect(parsePrivateKey(privateKeyText(x), 'f')).toBe(x);
    expect(() => parsePrivateKey('51996311', 'k.privkey')).toThrow('k.privkey does not hold a private key');
    expect(() => parsePrivateKey('"12a"', 'k.privkey')).toThrow(CliError);
  });

  it('refuses to read a secret file that others may read, naming the fix', () => {
    const folder = new TrusteeFolder(join(root, 'c'));
    const ref = roundRef('lyon-2026', 1);
    const file = folder.create(ref, 'privkey', privateKeyText(5n));
    chmodSync(file, 0o644);
    expect(() => folder.readPrivateKey(ref)).toThrow(`${file} is readable by others (mode 0644): run "chmod 600 ${file}"`);
    chmodSync(file, 0o400);
    expect(folder.readPrivateKey(ref)).toBe(5n);
  });

  it('refuses election ids and rounds that are not valid (they become file names)', () => {
    expect(() => roundRef('../etc', 1)).toThrow(/--election must be an election id/);
    expect(() => roundRef('Paris', 1)).toThrow(/--election must be an election id/);
    expect(() => roundRef('paris-2013', '3')).toThrow('--round must be 1 or 2, got "3"');
    expect(roundRef('paris-2013', undefined)).toEqual({ electionId: 'paris-2013', round: 1 });
  });

  it('generate-key --no-submit writes a key pair whose proof holds, prints its fingerprint, and refuses a second key', async () => {
    const dir = join(root, 'cli');
    const first = runUrne(['trustee', 'generate-key', '--election', 'paris-2013', '--round', '2', '--no-submit', '--dir', dir]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const privateText = readFileSync(join(dir, 'paris-2013.2.privkey'), 'utf8');
    const publicText = readFileSync(join(dir, 'paris-2013.2.pubkey'), 'utf8');
    expect(privateText).toMatch(/^"\d+"\n$/);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'paris-2013.2.privkey'))).toBe(0o600);
    const crypto = nodeBeleniosCrypto();
    const key = trusteePublicKeyFromJson(JSON.parse(publicText));
    expect(await verifyPossession(BELENIOS_2048, key, crypto)).toBe(true);
    expect(crypto.modExp(BELENIOS_2048.g, BigInt(JSON.parse(privateText) as string), BELENIOS_2048.p)).toBe(key.publicKey);
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(publicText.trimEnd()).digest('base64').replace(/=+$/, '');
    expect(first.stdout).toContain(`fingerprint: ${expected}`);
    expect(first.stdout).toContain('not submitted (--no-submit)');

    const second = runUrne(['trustee', 'generate-key', '--election', 'paris-2013', '--round', '2', '--no-submit', '--dir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^urne: .*paris-2013\.2\.privkey already exists: refusing to make a second key for this round/);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(dir, 'paris-2013.2.privkey'), 'utf8')).toBe(privateText);
  });

  it('a key pair that does not match is refused before anything is sent', () => {
    const dir = join(root, 'mismatch');
    expect(runUrne(['trustee', 'generate-key', '--election', 'paris-2013', '--no-submit', '--dir', dir]).code).toBe(0);
    chmodSync(join(dir, 'paris-2013.1.privkey'), 0o600);
    writeFileSync(join(dir, 'paris-2013.1.privkey'), privateKeyText(12345n));
    writeFileSync(join(dir, 'session.json'), JSON.stringify({ server: 'http://127.0.0.1:9/graphql', username: 't', role: 'trustee', token: 'x', expiresAt: '2999-01-01T00:00:00Z' }), { mode: 0o600 });
    const result = runUrne(['trustee', 'submit-key', '--election', 'paris-2013', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/paris-2013\.1\.pubkey does not match .*paris-2013\.1\.privkey: they are not one key pair/);
  });
});
