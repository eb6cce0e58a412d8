import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCredential, credentialFromDigits, publicCredential, webCryptoPbkdf2 } from '../../src/domain/belenios/credentials.js';
import { BELENIOS_2048, bigIntModExp } from '../../src/domain/belenios/groups.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';

const fast = opensslModExp(bigIntModExp);

/** Made by `belenios-tool setup generate-credentials --count 3 --group BELENIOS-2048 --uuid ABCDEFGHJKLMNP23` (2.0). */
const FROM_BELENIOS_TOOL = {
  uuid: 'ABCDEFGHJKLMNP23',
  private: ['1a2-JHx-KWh-xtg-uTA', 'UyA-oA4-xbr-ad7-24G', 'qw1-bGe-A5n-vwt-PQ3'],
};
const beleniosTool = spawnSync('belenios-tool', ['--version'], { encoding: 'utf8' }).status === 0;

describe('credentials (Belenios 2.0, section 4.8)', () => {
  it('accepts the credentials belenios-tool generates, dashed or not', () => {
    for (const credential of FROM_BELENIOS_TOOL.private) {
      expect(checkCredential(credential)).toEqual({ valid: true });
      expect(checkCredential(credential.replace(/-/g, ''))).toEqual({ valid: true });
    }
  });

  it('catches a typing error with the checksum, and refuses other shapes and characters', () => {
    expect(checkCredential('1a2-JHx-KWh-xtg-uTB')).toEqual({ valid: false, reason: 'checksum' });
    expect(checkCredential('1a2-JHx-KWh-xtH-uTA')).toEqual({ valid: false, reason: 'checksum' });
    for (const bad of ['', '1a2-JHx-KWh-xtg', '0a2-JHx-KWh-xtg-uTA', 'Ia2-JHx-KWh-xtg-uTA', '1a2JHx-KWh-xtg-uTA', ' 1a2-JHx-KWh-xtg-uTA']) {
      expect(checkCredential(bad)).toEqual({ valid: false, reason: 'format' });
    }
  });

  it('builds credentials whose checksum verifies', () => {
    for (let i = 0; i < 200; i++) {
      const credential = credentialFromDigits(Array.from({ length: 14 }, () => Math.floor(Math.random() * 58)));
      expect(credential).toMatch(/^[^-]{3}(-[^-]{3}){4}$/);
      expect(checkCredential(credential)).toEqual({ valid: true });
    }
    expect(() => credentialFromDigits([1, 2, 3])).toThrow(RangeError);
  });

  it('derives the same public credentials as belenios-tool', async () => {
    const ours = await Promise.all(FROM_BELENIOS_TOOL.private.map((c) => publicCredential(BELENIOS_2048, c, FROM_BELENIOS_TOOL.uuid, webCryptoPbkdf2, fast)));
    // The first one, as printed by `belenios-tool setup generate-credentials --derive 1a2-JHx-KWh-xtg-uTA`.
    expect(ours[0]!.toString().startsWith('10300846133007434071928889915849906169372498991264681199413956559020699247695065179683174985981945662600348705780169302408238301690165728884124104279271392832176616780562692873')).toBe(true);
    for (const value of ours) expect(fast(value, BELENIOS_2048.q, BELENIOS_2048.p)).toBe(1n);
  });

  (beleniosTool ? it : it.skip)(
    beleniosTool ? 'agrees with a fresh run of belenios-tool' : 'agrees with a fresh run of belenios-tool (skipped: belenios-tool is not installed)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'urne-creds-'));
      try {
        const uuid = 'Urne2E13Paris5xY';
        execFileSync('belenios-tool', ['setup', 'generate-credentials', '--count', '4', '--group', 'BELENIOS-2048', '--uuid', uuid, '--dir', dir], { stdio: 'ignore' });
        const privateFile = readdirSync(dir).find((f) => f.endsWith('.privcreds'))!;
        const publicFile = readdirSync(dir).find((f) => f.endsWith('.pubcreds'))!;
        const privates = readFileSync(join(dir, privateFile), 'utf8').trim().split('\n').map((line) => line.split(' ')[1]!);
        const publics = (JSON.parse(readFileSync(join(dir, publicFile), 'utf8')) as string[]).map((entry) => entry.split(',')[0]!).sort();
        const ours = (await Promise.all(privates.map((c) => publicCredential(BELENIOS_2048, c, uuid, webCryptoPbkdf2, fast)))).map(String).sort();
        expect(ours).toEqual(publics);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
