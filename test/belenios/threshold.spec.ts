import { beforeAll, describe, expect, it } from '@jest/globals';
import { BELENIOS_2048, RFC_3526_2048 } from '../../src/domain/belenios/groups.js';
import { checkCertificates } from '../../src/domain/belenios/threshold/certificate.js';
import { receiveFromChannel, sendOnChannel } from '../../src/domain/belenios/threshold/channel.js';
import { combineShares, lagrangeCoefficient, modInverse } from '../../src/domain/belenios/threshold/lagrange.js';
import { decryptMessage, deriveKeys, encryptMessage, isSeed, newSeed } from '../../src/domain/belenios/threshold/pki.js';
import { checkPolynomial, evaluatePolynomial, generatePolynomial, readCoefexps, type Polynomial } from '../../src/domain/belenios/threshold/polynomial.js';
import { signMessage } from '../../src/domain/belenios/threshold/signed-message.js';
import { checkThresholdParameters, thresholdParameters, thresholdPublicKey } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { checkVinput, computeVinputs } from '../../src/domain/belenios/threshold/vinput.js';
import { checkVoutput, computeVoutput, recoverPrivateKey, recoverThresholdKey } from '../../src/domain/belenios/threshold/voutput.js';
import { crypto, ourCeremony, randomExponent, type Ceremony } from './threshold-fixtures.js';

const group = BELENIOS_2048;

describe('threshold key establishment by our code alone (section 4.6), 3-of-5', () => {
  let ceremony: Ceremony;
  beforeAll(async () => {
    ceremony = await ourCeremony(group, 5, 3);
  });

  it('every step checks, and each trustee recovers S_j from its voutput with g^S_j its published key', async () => {
    await checkThresholdParameters(group, ceremony.parameters, crypto);
    expect(ceremony.parameters.threshold).toBe(3);
    for (const [j, seed] of ceremony.seeds.entries()) {
      const { index, privateKey } = await recoverThresholdKey(group, seed, ceremony.certs, ceremony.parameters.verificationKeys, ceremony.voutputs[j]!.privateKey, crypto);
      expect(index).toBe(j);
      expect(crypto.modExp(group.g, privateKey, group.p)).toBe(ceremony.voutputs[j]!.publicKey.publicKey);
    }
  });

  it('any 3 of the 5 decryption keys interpolate to the private key of the sub-key prod A_i0; 2 do not', async () => {
    const keys: bigint[] = [];
    for (const [j, seed] of ceremony.seeds.entries()) keys.push(await recoverPrivateKey(group, seed, ceremony.voutputs[j]!.privateKey, crypto));
    const y = thresholdPublicKey(group, ceremony.parameters, crypto.modExp);
    for (const subset of [[1, 2, 3], [1, 3, 5], [2, 4, 5], [3, 4, 5]]) {
      const x = subset.reduce((sum, j) => (sum + lagrangeCoefficient(subset, j, group.q) * keys[j - 1]!) % group.q, 0n);
      expect(crypto.modExp(group.g, x, group.p)).toBe(y);
      // The same on decryption factors: alpha^S_j combined gives alpha^x.
      const alpha = crypto.modExp(group.g, randomExponent(group), group.p);
      const shares = subset.map((j) => ({ index: j, factor: crypto.modExp(alpha, keys[j - 1]!, group.p) }));
      expect(combineShares(group, shares, crypto.modExp)).toBe(crypto.modExp(alpha, x, group.p));
    }
    const two = [1, 2];
    const x2 = two.reduce((sum, j) => (sum + lagrangeCoefficient(two, j, group.q) * keys[j - 1]!) % group.q, 0n);
    expect(crypto.modExp(group.g, x2, group.p)).not.toBe(y);
  });

  it('refuses a validly signed coefexps that does not match the secrets: the trustee at step 5, the administrator at step 6', async () => {
    const { seeds, certs, polynomials } = ceremony;
    const keys = await deriveKeys(group, seeds[1]!, crypto);
    const coefexps = readCoefexps(group, polynomials[1]!.coefexps, crypto, 'coefexps');
    coefexps[1] = (coefexps[1]! * group.g) % group.p;
    const forged = await signMessage(group, keys.signingKey, JSON.stringify({ coefexps: coefexps.map(String) }), crypto);
    const tampered: Polynomial[] = polynomials.map((p, i) => (i === 1 ? { ...p, coefexps: forged } : p));
    const vinputs = await computeVinputs(group, certs, tampered, crypto);
    await expect(checkVinput(group, seeds[0]!, certs, vinputs[0]!, crypto)).rejects.toThrow('secret from trustee 2: g^secret does not match the coefexps of its polynomial');
    await expect(computeVoutput(group, seeds[1]!, certs, vinputs[1]!, crypto)).rejects.toMatchObject({ code: 'InvalidVinput' });
    await expect(thresholdParameters(group, certs, tampered, ceremony.voutputs, crypto)).rejects.toThrow('voutput 1: its public key is not the one the coefexps give for this trustee');
  });

  it('refuses a coefexps of the wrong degree, a polynomial without a secret per trustee, and a threshold out of range', async () => {
    const { seeds, certs, polynomials } = ceremony;
    const other = await generatePolynomial(group, seeds[2]!, certs, 2, crypto);
    await expect(computeVinputs(group, certs, polynomials.map((p, i) => (i === 2 ? other : p)), crypto)).rejects.toThrow('polynomial 3: it has 2 coefficients, polynomial 1 has 3');
    await expect(checkPolynomial(group, certs, 0, { ...polynomials[0]!, secrets: polynomials[0]!.secrets.slice(1) }, crypto)).rejects.toThrow('polynomial 1: it has 4 secrets for 5 trustees');
    await expect(checkPolynomial(group, certs, 1, polynomials[0]!, crypto)).rejects.toThrow("polynomial 2: coefexps: the signature is not the trustee’s");
    await expect(generatePolynomial(group, seeds[0]!, certs, 6, crypto)).rejects.toThrow('the threshold must be between 1 and the number of trustees (5)');
    await expect(generatePolynomial(group, newSeed(() => new Uint8Array(22)), certs, 2, crypto)).rejects.toThrow('the certificate of this seed is not among the certificates');
  });

  it('refuses a voutput whose proof is wrong or whose private key is not an encrypted message, and bad threshold parameters', async () => {
    const { polynomials, voutputs, parameters } = ceremony;
    const coefexps = polynomials.map((p) => readCoefexps(group, p.coefexps, crypto, 'coefexps'));
    const v = voutputs[2]!;
    await checkVoutput(group, coefexps, 2, v, crypto);
    const badPok = { ...v, publicKey: { ...v.publicKey, pok: { ...v.publicKey.pok, response: (v.publicKey.pok.response + 1n) % group.q } } };
    await expect(checkVoutput(group, coefexps, 2, badPok, crypto)).rejects.toThrow('voutput 3: its proof of knowledge of the private key is wrong');
    await expect(checkVoutput(group, coefexps, 2, { ...v, privateKey: '{"alpha":"1"}' }, crypto)).rejects.toThrow('voutput 3: voutput 3.private_key.beta: must be a base-10 number in a string');
    await expect(checkThresholdParameters(group, { ...parameters, threshold: 2 }, crypto)).rejects.toThrow('coefexps 1: it has 3 coefficients for a threshold of 2');
    await expect(checkThresholdParameters(group, { ...parameters, verificationKeys: [...parameters.verificationKeys].reverse() }, crypto)).rejects.toThrow(
      'verification key 1: it is not the one the coefexps give for this trustee',
    );
    await expect(checkThresholdParameters(group, { ...parameters, certs: [parameters.certs[0]!, parameters.certs[0]!, ...parameters.certs.slice(2)] }, crypto)).rejects.toThrow(
      'certificate 2: its keys already appear in another certificate',
    );
  });

  it('a channel message is refused when sent to someone else, signed by someone else, or when the recipient field names another key', async () => {
    const [a, b, c] = await Promise.all(ceremony.seeds.slice(0, 3).map((seed) => deriveKeys(group, seed, crypto)));
    const sent = await sendOnChannel(group, a!.signingKey, b!.encryptionKey, 'hello', crypto);
    expect(await receiveFromChannel(group, b!, a!.verificationKey, sent, crypto)).toBe('hello');
    await expect(receiveFromChannel(group, c!, a!.verificationKey, sent, crypto)).rejects.toMatchObject({ code: 'InvalidChannelMessage' });
    await expect(receiveFromChannel(group, b!, c!.verificationKey, sent, crypto)).rejects.toThrow('the signature is not the sender’s');
    // Encrypted for b, but the signed channel_msg names c: b refuses it (no forwarding of a message meant for c).
    const forwarded = await sendOnChannel(group, a!.signingKey, c!.encryptionKey, 'for c', crypto);
    const opened = await decryptMessage(group, c!.decryptionKey, forwarded, crypto);
    const reencrypted = await encryptMessage(group, b!.encryptionKey, opened, crypto);
    await expect(receiveFromChannel(group, b!, a!.verificationKey, reencrypted, crypto)).rejects.toThrow('it was sent to another recipient');
  });
});

describe('threshold key establishment in the RFC-3526-2048 group, 1-of-2 and 2-of-2', () => {
  it.each([1, 2])('threshold %i: the parameters check and give the right sub-key', async (threshold) => {
    const ceremony = await ourCeremony(RFC_3526_2048, 2, threshold);
    await checkThresholdParameters(RFC_3526_2048, ceremony.parameters, crypto);
    await checkCertificates(RFC_3526_2048, ceremony.certs, crypto);
    const indexes = Array.from({ length: threshold }, (_, k) => k + 1);
    let x = 0n;
    for (const j of indexes) {
      const key = await recoverPrivateKey(RFC_3526_2048, ceremony.seeds[j - 1]!, ceremony.voutputs[j - 1]!.privateKey, crypto);
      x = (x + lagrangeCoefficient(indexes, j, RFC_3526_2048.q) * key) % RFC_3526_2048.q;
    }
    expect(crypto.modExp(RFC_3526_2048.g, x, RFC_3526_2048.p)).toBe(thresholdPublicKey(RFC_3526_2048, ceremony.parameters, crypto.modExp));
  });
});

describe('seeds, polynomials and Lagrange coefficients', () => {
  it('seeds are 22 base-58 characters, unbiased by rejection', () => {
    const seed = newSeed((n) => new Uint8Array(n).map((_, i) => (i * 37) % 256));
    expect(isSeed(seed)).toBe(true);
    expect(isSeed('0OIl' + seed.slice(4))).toBe(false);
    // Bytes >= 232 are skipped: a source that gives only 255 then 0 yields "1"s.
    let calls = 0;
    expect(newSeed((n) => new Uint8Array(n).fill(calls++ === 0 ? 255 : 0))).toBe('1'.repeat(22));
  });

  it('evaluates polynomials mod q and computes Lagrange coefficients at 0', () => {
    const q = 101n;
    expect(evaluatePolynomial([3n, 2n, 1n], 10n, q)).toBe((3n + 20n + 100n) % q);
    // f(x) = 7 + 5x + 2x^2 over Z_101; f(0) from f(2), f(4), f(5).
    const f = (x: bigint) => evaluatePolynomial([7n, 5n, 2n], x, q);
    const indexes = [2, 4, 5];
    expect(indexes.reduce((sum, j) => (sum + lagrangeCoefficient(indexes, j, q) * f(BigInt(j))) % q, 0n)).toBe(7n);
    expect(lagrangeCoefficient([1, 2], 1, q)).toBe(2n); // 2/(2-1)
    expect(lagrangeCoefficient([1, 2], 2, q)).toBe(100n); // 1/(1-2) = -1
    expect(modInverse(3n, q) * 3n % q).toBe(1n);
    expect(() => lagrangeCoefficient([1, 2], 3, q)).toThrow('3 is not among the indexes');
    expect(() => lagrangeCoefficient([1, 1], 1, q)).toThrow('distinct');
  });
});
