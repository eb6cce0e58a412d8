import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BELENIOS_2048, bigIntModExp, type FiniteFieldGroup } from '../../src/domain/belenios/groups.js';
import {
  provePossession,
  trusteePublicKeyFromJson,
  trusteePublicKeyToJson,
  verifyPossession,
  webCryptoSha256,
  type KeyCrypto,
} from '../../src/domain/belenios/trustee-key.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';

const randomExponent = (group: FiniteFieldGroup) => BigInt(`0x${randomBytes(40).toString('hex')}`) % group.q;
const crypto: KeyCrypto = { modExp: opensslModExp(bigIntModExp), sha256: webCryptoSha256, randomExponent };
/** Made by `belenios-tool setup generate-trustee-key --group BELENIOS-2048` (2.0). */
const fromBeleniosTool = JSON.parse(readFileSync(new URL('./belenios-tool-trustee.pubkey.json', import.meta.url), 'utf8')) as unknown;

describe('trustee verification keys and their proof of knowledge (section 4.5)', () => {
  it("accepts belenios-tool's key, and refuses it with any number changed", async () => {
    const key = trusteePublicKeyFromJson(fromBeleniosTool);
    expect(await verifyPossession(BELENIOS_2048, key, crypto)).toBe(true);
    expect(await verifyPossession(BELENIOS_2048, { ...key, pok: { ...key.pok, response: key.pok.response + 1n } }, crypto)).toBe(false);
    expect(await verifyPossession(BELENIOS_2048, { ...key, pok: { ...key.pok, challenge: key.pok.challenge + 1n } }, crypto)).toBe(false);
    expect(await verifyPossession(BELENIOS_2048, { ...key, publicKey: (key.publicKey * BELENIOS_2048.g) % BELENIOS_2048.p }, crypto)).toBe(false);
  });

  it('refuses a public key outside the group, whatever the proof', async () => {
    const key = trusteePublicKeyFromJson(fromBeleniosTool);
    expect(await verifyPossession(BELENIOS_2048, { ...key, publicKey: BELENIOS_2048.p - 1n }, crypto)).toBe(false);
    expect(await verifyPossession(BELENIOS_2048, { ...key, publicKey: 0n }, crypto)).toBe(false);
  });

  it('proves possession of a fresh key in the same format, and the proof verifies', async () => {
    const key = await provePossession(BELENIOS_2048, randomExponent(BELENIOS_2048), crypto);
    const json = trusteePublicKeyToJson(key);
    expect(Object.keys(json).sort()).toEqual(Object.keys(fromBeleniosTool as object).sort());
    expect(await verifyPossession(BELENIOS_2048, trusteePublicKeyFromJson(json), crypto)).toBe(true);
    expect(await verifyPossession(BELENIOS_2048, trusteePublicKeyFromJson(json), { modExp: bigIntModExp, sha256: webCryptoSha256 })).toBe(true);
  });

  it('rejects malformed JSON with a clear error', () => {
    expect(() => trusteePublicKeyFromJson({ pok: { challenge: '1', response: 'x' }, public_key: '2' })).toThrow('pok.response must be a base-10 number in a string');
  });
});
