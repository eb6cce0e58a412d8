import { describe, expect, it } from '@jest/globals';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { aesCcm, CcmAuthenticationError, webCryptoAesBlockModes, webCryptoAesCcm } from '../../src/domain/belenios/threshold/aes-ccm.js';

function nodeEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-ccm` as 'aes-256-ccm', key, nonce, { authTagLength: tagLength });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([ciphertext, cipher.getAuthTag()]));
}

function nodeDecrypt(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, tagLength: number): Uint8Array {
  const decipher = createDecipheriv(`aes-${key.length * 8}-ccm` as 'aes-256-ccm', key, nonce, { authTagLength: tagLength });
  decipher.setAuthTag(data.subarray(data.length - tagLength));
  return new Uint8Array(Buffer.concat([decipher.update(data.subarray(0, data.length - tagLength)), decipher.final()]));
}

const cases: { keyLength: number; nonceLength: number; tagLength: number; length: number }[] = [];
for (const length of [0, 1, 15, 16, 17, 100, 1000, 65_535]) cases.push({ keyLength: 32, nonceLength: 13, tagLength: 8, length });
for (const nonceLength of [7, 8, 11, 12]) cases.push({ keyLength: 32, nonceLength, tagLength: 8, length: 333 });
cases.push({ keyLength: 32, nonceLength: 12, tagLength: 8, length: 70_000 });
for (const tagLength of [4, 6, 10, 12, 14, 16]) cases.push({ keyLength: 32, nonceLength: 13, tagLength, length: 50 });
cases.push({ keyLength: 16, nonceLength: 13, tagLength: 16, length: 64 }, { keyLength: 24, nonceLength: 10, tagLength: 12, length: 65 });

describe('AES-CCM on WebCrypto CTR and CBC (RFC 3610), against node:crypto', () => {
  it.each(cases)('$keyLength-byte key, $nonceLength-byte nonce, $tagLength-byte tag, $length bytes: same bytes both ways', async ({ keyLength, nonceLength, tagLength, length }) => {
    const key = new Uint8Array(randomBytes(keyLength));
    const nonce = new Uint8Array(randomBytes(nonceLength));
    const plaintext = new Uint8Array(randomBytes(length));
    const ours = await webCryptoAesCcm.encrypt(key, nonce, plaintext, tagLength);
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(nodeEncrypt(key, nonce, plaintext, tagLength)).toString('hex'));
    expect(Buffer.from(nodeDecrypt(key, nonce, ours, tagLength)).equals(Buffer.from(plaintext))).toBe(true);
    expect(Buffer.from(await webCryptoAesCcm.decrypt(key, nonce, nodeEncrypt(key, nonce, plaintext, tagLength), tagLength)).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('refuses an altered ciphertext, an altered tag, a wrong key and a wrong nonce', async () => {
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(13));
    const data = await webCryptoAesCcm.encrypt(key, nonce, new TextEncoder().encode('{"secret":"42"}'), 8);
    for (const position of [0, data.length - 1]) {
      const altered = data.slice();
      altered[position]! ^= 1;
      await expect(webCryptoAesCcm.decrypt(key, nonce, altered, 8)).rejects.toThrow(CcmAuthenticationError);
    }
    const otherKey = key.slice();
    otherKey[0]! ^= 1;
    await expect(webCryptoAesCcm.decrypt(otherKey, nonce, data, 8)).rejects.toThrow('authentication tag does not match');
    const otherNonce = nonce.slice();
    otherNonce[12]! ^= 1;
    await expect(webCryptoAesCcm.decrypt(key, otherNonce, data, 8)).rejects.toThrow(CcmAuthenticationError);
    await expect(webCryptoAesCcm.decrypt(key, nonce, data.subarray(0, 4), 8)).rejects.toThrow(CcmAuthenticationError);
  });

  it('refuses parameters CCM does not define', async () => {
    const ccm = aesCcm(webCryptoAesBlockModes);
    await expect(ccm.encrypt(new Uint8Array(32), new Uint8Array(14), new Uint8Array(1), 8)).rejects.toThrow('nonce must have 7 to 13 bytes');
    await expect(ccm.encrypt(new Uint8Array(32), new Uint8Array(13), new Uint8Array(1), 5)).rejects.toThrow('tag length');
    await expect(ccm.encrypt(new Uint8Array(20), new Uint8Array(13), new Uint8Array(1), 8)).rejects.toThrow('key must have');
    await expect(ccm.encrypt(new Uint8Array(32), new Uint8Array(13), new Uint8Array(65_536), 8)).rejects.toThrow('13-byte nonce allows less than 2^16 bytes');
  });
});
