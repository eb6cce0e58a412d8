/**
 * AES in CCM mode (RFC 3610, NIST SP 800-38C), without associated data. WebCrypto has no CCM,
 * so the mode is built here on two block-cipher modes it does have: CTR (for the encryption and
 * the tag's mask) and CBC with a zero IV (for the CBC-MAC). The modes are injected; the default
 * uses WebCrypto, so this runs in browsers as well as in Node.
 */

export interface AesBlockModes {
  /** data XOR the AES-CTR key stream starting at the 16-byte `counter`, whose last `counterBits` bits increment. */
  ctr(key: Uint8Array, counter: Uint8Array, counterBits: number, data: Uint8Array): Promise<Uint8Array>;
  /** The last block of the AES-CBC encryption of `data` (a multiple of 16 bytes) with a zero IV. */
  cbcMac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
}

export interface AesCcm {
  /** The ciphertext followed by the tag (`tagLength` bytes). Nonces have 7 to 13 bytes. */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, tagLength: number): Promise<Uint8Array>;
  /** The plaintext; throws `CcmAuthenticationError` when the tag does not match. */
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertextAndTag: Uint8Array, tagLength: number): Promise<Uint8Array>;
}

export class CcmAuthenticationError extends Error {
  constructor() {
    super('AES-CCM: the authentication tag does not match (wrong key, nonce or altered data)');
    this.name = 'CcmAuthenticationError';
  }
}

export function aesCcm(modes: AesBlockModes): AesCcm {
  return {
    async encrypt(key, nonce, plaintext, tagLength) {
      const { a0, lengthBytes } = parameters(key, nonce, plaintext.length, tagLength);
      const tag = await cbcMacTag(modes, key, nonce, plaintext, tagLength, lengthBytes);
      // One CTR pass from A_0: the first block masks the tag (S_0), the rest encrypt the payload.
      const out = await modes.ctr(key, a0, 8 * lengthBytes, concat(padTo16(tag), plaintext));
      return concat(out.subarray(16), out.subarray(0, tagLength));
    },
    async decrypt(key, nonce, ciphertextAndTag, tagLength) {
      if (ciphertextAndTag.length < tagLength) throw new CcmAuthenticationError();
      const ciphertextLength = ciphertextAndTag.length - tagLength;
      const { a0, lengthBytes } = parameters(key, nonce, ciphertextLength, tagLength);
      const maskedTag = ciphertextAndTag.subarray(ciphertextLength);
      const out = await modes.ctr(key, a0, 8 * lengthBytes, concat(padTo16(maskedTag), ciphertextAndTag.subarray(0, ciphertextLength)));
      const plaintext = out.slice(16);
      const expected = await cbcMacTag(modes, key, nonce, plaintext, tagLength, lengthBytes);
      let difference = 0;
      for (let i = 0; i < tagLength; i++) difference |= expected[i]! ^ out[i]!;
      if (difference !== 0) throw new CcmAuthenticationError();
      return plaintext;
    },
  };
}

function parameters(key: Uint8Array, nonce: Uint8Array, length: number, tagLength: number): { a0: Uint8Array; lengthBytes: number } {
  if (![16, 24, 32].includes(key.length)) throw new RangeError('AES-CCM: the key must have 16, 24 or 32 bytes');
  if (nonce.length < 7 || nonce.length > 13) throw new RangeError('AES-CCM: the nonce must have 7 to 13 bytes');
  if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw new RangeError('AES-CCM: the tag length must be 4, 6, …, 16 bytes');
  const lengthBytes = 15 - nonce.length;
  if (lengthBytes < 6 && length >= 2 ** (8 * lengthBytes)) throw new RangeError(`AES-CCM: a ${nonce.length}-byte nonce allows less than 2^${8 * lengthBytes} bytes`);
  const a0 = new Uint8Array(16);
  a0[0] = lengthBytes - 1;
  a0.set(nonce, 1);
  return { a0, lengthBytes };
}

async function cbcMacTag(modes: AesBlockModes, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, tagLength: number, lengthBytes: number): Promise<Uint8Array> {
  const b0 = new Uint8Array(16);
  b0[0] = (((tagLength - 2) / 2) << 3) | (lengthBytes - 1);
  b0.set(nonce, 1);
  let length = plaintext.length;
  for (let i = 15; i > nonce.length; i--) {
    b0[i] = length & 0xff;
    length = Math.floor(length / 256);
  }
  const mac = await modes.cbcMac(key, concat(b0, padTo16(plaintext)));
  return mac.slice(0, tagLength);
}

function padTo16(bytes: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(bytes.length / 16) * 16);
  padded.set(bytes);
  return padded;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** CTR and CBC from WebCrypto (`globalThis.crypto.subtle`: browsers, Node 20+). */
export const webCryptoAesBlockModes: AesBlockModes = {
  async ctr(key, counter, counterBits, data) {
    const subtle = globalThis.crypto.subtle;
    const cryptoKey = await subtle.importKey('raw', new Uint8Array(key), { name: 'AES-CTR' }, false, ['encrypt']);
    return new Uint8Array(await subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(counter), length: counterBits }, cryptoKey, new Uint8Array(data)));
  },
  async cbcMac(key, data) {
    const subtle = globalThis.crypto.subtle;
    const cryptoKey = await subtle.importKey('raw', new Uint8Array(key), { name: 'AES-CBC' }, false, ['encrypt']);
    // WebCrypto always adds a PKCS#7 padding block: the MAC is the block before it.
    const out = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, cryptoKey, new Uint8Array(data)));
    return out.slice(out.length - 32, out.length - 16);
  },
};

export const webCryptoAesCcm: AesCcm = aesCcm(webCryptoAesBlockModes);
