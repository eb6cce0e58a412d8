import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { checkCertificates, certificateId, generateCertificate } from '../../src/domain/belenios/threshold/certificate.js';
import { receiveFromChannel, sendOnChannel } from '../../src/domain/belenios/threshold/channel.js';
import { combineShares } from '../../src/domain/belenios/threshold/lagrange.js';
import { parseText } from '../../src/domain/belenios/threshold/json.js';
import { decryptMessage, deriveKeys, encryptMessage } from '../../src/domain/belenios/threshold/pki.js';
import { checkPolynomial, generatePolynomial, polynomialFromJson, polynomialToJson, readCoefexps, type Polynomial } from '../../src/domain/belenios/threshold/polynomial.js';
import { signedMessageFromJson, signMessage, verifySignature } from '../../src/domain/belenios/threshold/signed-message.js';
import { thresholdParameters, thresholdParametersFromJson, thresholdParametersToJson } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { checkVinput, computeVinputs, vinputFromJson, vinputToJson } from '../../src/domain/belenios/threshold/vinput.js';
import { checkVoutput, computeVoutput, recoverThresholdKey, voutputFromJson, voutputToJson, type Voutput } from '../../src/domain/belenios/threshold/voutput.js';
import { electionPublicKey, trusteesFromJson, trusteesToText, validateTrustees } from '../../src/domain/belenios/trustees.js';
import { beleniosTool, beleniosToolSkipReason, beleniosToolVerifies } from '../support/belenios-tool.js';
import {
  beleniosToolCeremony,
  beleniosToolCertificate,
  certText,
  crypto,
  jsonLines,
  randomSeed,
  thresholdStep,
  type BeleniosToolCeremony,
} from './threshold-fixtures.js';

const group = BELENIOS_2048;
const describeWithTool = beleniosToolSkipReason ? describe.skip : describe;
const parse = (text: string) => parseText(text, 'test input');

/**
 * With threshold.json in `dir`: credentials, one Single key (the server's), make-trustees,
 * make-election, archive init, as demo-threshold.sh does.
 */
function setUpElection(dir: string): { trusteesJson: string; election: { public_key: string }; privateCredentials: string[] } {
  const uuid = beleniosTool(['setup', 'generate-token'], { cwd: dir }).trim();
  beleniosTool(['setup', 'generate-credentials', '--uuid', uuid, '--group', group.name, '--count', '3'], { cwd: dir });
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.pubcreds')) renameSync(join(dir, name), join(dir, 'public_creds.json'));
    if (name.endsWith('.privcreds')) renameSync(join(dir, name), join(dir, 'private_creds.txt'));
  }
  beleniosTool(['setup', 'generate-trustee-key', '--group', group.name], { cwd: dir });
  const pubkey = readdirSync(dir).find((name) => name.endsWith('.pubkey'))!;
  writeFileSync(join(dir, 'public_keys.jsons'), readFileSync(join(dir, pubkey), 'utf8'));
  beleniosTool(['setup', 'make-trustees'], { cwd: dir });
  writeFileSync(join(dir, 'template.json'), JSON.stringify({ description: 'Threshold', name: 'Threshold', questions: [{ question: 'Q', answers: ['A', 'B'], min: 0, max: 1 }] }));
  beleniosTool(['setup', 'make-election', '--uuid', uuid, '--group', group.name, '--template', 'template.json'], { cwd: dir });
  beleniosTool(['archive', 'init'], { cwd: dir });
  const privateCredentials = readFileSync(join(dir, 'private_creds.txt'), 'utf8').trim().split('\n').map((line) => line.split(' ')[1]!);
  return {
    trusteesJson: readFileSync(join(dir, 'trustees.json'), 'utf8').trim(),
    election: JSON.parse(readFileSync(join(dir, 'election.json'), 'utf8')) as { public_key: string },
    privateCredentials,
  };
}

describeWithTool(`a 2-of-3 ceremony run by belenios-tool 2.0 (demo-threshold.sh), checked by our code${beleniosToolSkipReason}`, () => {
  let dir: string;
  let bt: BeleniosToolCeremony;
  const certs = () => bt.certLines.map((line) => signedMessageFromJson(parse(line)));
  const polynomials = () => bt.polynomialLines.map((line) => polynomialFromJson(parse(line)));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-pedersen-tool-'));
    bt = beleniosToolCeremony(dir, group, 3, 2);
  });

  it('step 1-2: our checks accept its certificates; the seed derives the same keys; its file names are SHA256(message) in lowercase hex', async () => {
    const keys = await checkCertificates(group, certs(), crypto);
    for (const [j, seed] of bt.seeds.entries()) {
      const derived = await deriveKeys(group, seed, crypto);
      expect([derived.verificationKey, derived.encryptionKey]).toEqual([keys[j]!.verification, keys[j]!.encryption]);
      // Our certificate for its seed has the very same message (serialization, field order).
      expect((await generateCertificate(group, seed, crypto)).message).toBe(certs()[j]!.message);
      expect(await certificateId(certs()[j]!, crypto.sha256)).toBe(bt.ids[j]);
    }
  });

  it('step 3-4: each polynomial passes checkPolynomial, and computeVinputs gives its vinputs byte for byte', async () => {
    for (const [i, polynomial] of polynomials().entries()) {
      expect(JSON.stringify(polynomialToJson(polynomial))).toBe(bt.polynomialLines[i]);
      expect(await checkPolynomial(group, certs(), i, polynomial, crypto)).toHaveLength(2);
    }
    const vinputs = await computeVinputs(group, certs(), polynomials(), crypto);
    expect(vinputs.map((v) => JSON.stringify(vinputToJson(v)))).toEqual(bt.vinputTexts);
  });

  it('step 5: our trustee code opens its vinputs (its channels, signatures, AES-CCM) and its voutputs pass checkVoutput', async () => {
    const coefexps = polynomials().map((p, i) => readCoefexps(group, p.coefexps, crypto, `coefexps ${i + 1}`));
    for (const [j, seed] of bt.seeds.entries()) {
      const checked = await checkVinput(group, seed, certs(), vinputFromJson(parse(bt.vinputTexts[j]!)), crypto);
      expect([checked.index, checked.threshold, checked.secrets.length]).toEqual([j, 2, 3]);
      const voutput = voutputFromJson(parse(bt.voutputTexts[j]!));
      expect(JSON.stringify(voutputToJson(voutput))).toBe(bt.voutputTexts[j]);
      await checkVoutput(group, coefexps, j, voutput, crypto);
    }
  });

  it('step 6: thresholdParameters gives its threshold.json byte for byte', async () => {
    const voutputs = bt.voutputTexts.map((text) => voutputFromJson(parse(text)));
    const parameters = await thresholdParameters(group, certs(), polynomials(), voutputs, crypto);
    expect(JSON.stringify(thresholdParametersToJson(parameters))).toBe(bt.thresholdJson);
    expect(thresholdParametersFromJson(parse(bt.thresholdJson))).toEqual(parameters);
  });

  it('its decryption keys (.dkey) open with recoverThresholdKey and match the published verification keys', async () => {
    const parameters = thresholdParametersFromJson(parse(bt.thresholdJson));
    for (const [j, seed] of bt.seeds.entries()) {
      const { index, privateKey } = await recoverThresholdKey(group, seed, parameters.certs, parameters.verificationKeys, bt.dkeyTexts[j]!, crypto);
      expect(index).toBe(j);
      expect(crypto.modExp(group.g, privateKey, group.p)).toBe(parameters.verificationKeys[j]!.publicKey);
    }
  });

  it('belenios-tool accepts voutputs our trustee code computes from its vinputs (step 6)', async () => {
    const voutputs: Voutput[] = [];
    for (const [j, seed] of bt.seeds.entries()) voutputs.push(await computeVoutput(group, seed, certs(), vinputFromJson(parse(bt.vinputTexts[j]!)), crypto));
    const out = thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '6', '--polynomials', 'polynomials.jsons'], voutputs.map((v) => `${JSON.stringify(voutputToJson(v))}\n`).join(''));
    expect(thresholdParametersFromJson(parse(out)).verificationKeys).toEqual(voutputs.map((v) => v.publicKey));
  });

  it('trustees.json from make-trustees: we serialize it byte for byte, validate it, and get the public key of election.json', async () => {
    const election = setUpElection(dir);
    const trustees = trusteesFromJson(parse(election.trusteesJson));
    expect(trustees.map((t) => t.kind)).toEqual(['Single', 'Pedersen']);
    expect(trusteesToText(trustees)).toBe(election.trusteesJson);
    await validateTrustees(group, trustees, crypto);
    expect(electionPublicKey(group, trustees, crypto).toString()).toBe(election.election.public_key);
  });

  it('refuses tampered data with a clear reason, where belenios-tool refuses it too', async () => {
    const badCert = { ...certs()[1]!, signature: { ...certs()[1]!.signature, response: (certs()[1]!.signature.response + 1n) % group.q } };
    const badCerts = [certs()[0]!, badCert, certs()[2]!];
    await expect(checkCertificates(group, badCerts, crypto)).rejects.toThrow('certificate 2: the signature does not match its verification key');
    writeFileSync(join(dir, 'bad-certs.jsons'), badCerts.map((c) => `${certText(c)}\n`).join(''));
    expect(() => thresholdStep(dir, group, ['--certs', 'bad-certs.jsons', '--step', '2'])).toThrow();

    const p = polynomials();
    const coefexps = JSON.parse(p[0]!.coefexps.message) as { coefexps: string[] };
    coefexps.coefexps[1] = ((BigInt(coefexps.coefexps[1]!) * group.g) % group.p).toString();
    const wrongCoefexp: Polynomial = { ...p[0]!, coefexps: { ...p[0]!.coefexps, message: JSON.stringify(coefexps) } };
    await expect(checkPolynomial(group, certs(), 0, wrongCoefexp, crypto)).rejects.toThrow("polynomial 1: coefexps: the signature is not the trustee’s");
    writeFileSync(join(dir, 'bad-polynomials.jsons'), [wrongCoefexp, p[1]!, p[2]!].map((x) => `${JSON.stringify(polynomialToJson(x))}\n`).join(''));
    expect(() => thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '4', '--polynomials', 'bad-polynomials.jsons'])).toThrow('coefexps 1 does not validate');

    const voutputs = bt.voutputTexts.map((text) => voutputFromJson(parse(text)));
    const swapped = [voutputs[1]!, voutputs[0]!, voutputs[2]!];
    await expect(thresholdParameters(group, certs(), p, swapped, crypto)).rejects.toThrow('voutput 1: its public key is not the one the coefexps give for this trustee');
    expect(() =>
      thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '6', '--polynomials', 'polynomials.jsons'], swapped.map((v) => `${JSON.stringify(voutputToJson(v))}\n`).join('')),
    ).toThrow('verification key 1 is incorrect');
  });
});

describeWithTool(`a mixed ceremony: two trustees by our code, one by belenios-tool, the administrator by our code${beleniosToolSkipReason}`, () => {
  let dir: string;
  const seeds: string[] = [];
  let btId: string;
  let certs: ReturnType<typeof signedMessageFromJson>[];
  let polynomials: Polynomial[];
  let voutputs: Voutput[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-pedersen-mixed-'));
    seeds.push(randomSeed(), randomSeed());
    const bt = beleniosToolCertificate(dir, group);
    btId = bt.id;
    certs = [await generateCertificate(group, seeds[0]!, crypto), await generateCertificate(group, seeds[1]!, crypto), signedMessageFromJson(parse(bt.cert))];
    writeFileSync(join(dir, 'certs.jsons'), certs.map((c) => `${certText(c)}\n`).join(''));
  });

  it('step 2: belenios-tool accepts our certificates', () => {
    expect(() => thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '2'])).not.toThrow();
  });

  it('step 3-4: belenios-tool accepts our polynomials (its step 4 routes them as ours does)', async () => {
    polynomials = [await generatePolynomial(group, seeds[0]!, certs, 2, crypto), await generatePolynomial(group, seeds[1]!, certs, 2, crypto)];
    const btPolynomial = thresholdStep(dir, group, ['--certs', 'certs.jsons', '--key', `${btId}.key`, '--step', '3', '--threshold', '2']);
    polynomials.push(polynomialFromJson(parse(btPolynomial)));
    writeFileSync(join(dir, 'polynomials.jsons'), polynomials.map((p) => `${JSON.stringify(polynomialToJson(p))}\n`).join(''));
    const vinputs = await computeVinputs(group, certs, polynomials, crypto);
    thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '4', '--polynomials', 'polynomials.jsons']);
    for (const [j, cert] of certs.entries()) {
      expect(readFileSync(join(dir, `${await certificateId(cert, crypto.sha256)}.vinput`), 'utf8').trim()).toBe(JSON.stringify(vinputToJson(vinputs[j]!)));
    }
  });

  it('step 5: belenios-tool opens the secrets our trustees sent it; our trustees open its secret', async () => {
    const vinputs = await computeVinputs(group, certs, polynomials, crypto);
    voutputs = [await computeVoutput(group, seeds[0]!, certs, vinputs[0]!, crypto), await computeVoutput(group, seeds[1]!, certs, vinputs[1]!, crypto)];
    const btVoutput = thresholdStep(dir, group, ['--certs', 'certs.jsons', '--key', `${btId}.key`, '--step', '5'], JSON.stringify(vinputToJson(vinputs[2]!)));
    voutputs.push(voutputFromJson(parse(btVoutput)));
  });

  it('step 6: our threshold parameters are byte for byte those belenios-tool computes from the same voutputs', async () => {
    const parameters = await thresholdParameters(group, certs, polynomials, voutputs, crypto);
    const ours = JSON.stringify(thresholdParametersToJson(parameters));
    const theirs = thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '6', '--polynomials', 'polynomials.jsons'], voutputs.map((v) => `${JSON.stringify(voutputToJson(v))}\n`).join(''));
    expect(ours).toBe(theirs.trim());
    writeFileSync(join(dir, 'threshold.json'), `${ours}\n`);
  });

  it('belenios-tool makes the election from our threshold.json, archive init and election verify pass; a tally decrypted by 2 of 3 (ours and its) verifies', async () => {
    const election = setUpElection(dir);
    const trustees = trusteesFromJson(parse(election.trusteesJson));
    expect(electionPublicKey(group, trustees, crypto).toString()).toBe(election.election.public_key);
    expect(beleniosToolVerifies(dir).ok).toBe(true);

    // decrypt-threshold and decrypt print the partial_decryption, then the owned_partial_decryption.
    // Two ballots for answer A, one for B; then our trustee 1 and its trustee 3 decrypt (belenios-tool opens our .dkey).
    for (const [v, choice] of [[1, 0], [1, 0], [0, 1]].entries()) {
      writeFileSync(join(dir, 'cred.tmp'), `${election.privateCredentials[v]}\n`);
      writeFileSync(join(dir, 'ballot.tmp'), JSON.stringify([choice]));
      const ballot = beleniosTool(['election', 'generate-ballot', '--privcred', 'cred.tmp', '--ballot', 'ballot.tmp'], { cwd: dir });
      beleniosTool(['archive', 'add-event', '--type=Ballot'], { cwd: dir, input: ballot });
    }
    beleniosTool(['archive', 'add-event', '--type=EndBallots'], { cwd: dir });
    const tally = beleniosTool(['election', 'compute-encrypted-tally'], { cwd: dir });
    beleniosTool(['archive', 'add-event', '--type=EncryptedTally'], { cwd: dir, input: tally });
    writeFileSync(join(dir, 'ours1.key'), `${seeds[0]}\n`);
    writeFileSync(join(dir, 'ours1.dkey'), `${voutputs[0]!.privateKey}\n`);
    const factors: { index: number; factor: bigint }[][] = [];
    for (const [index, key, dkey] of [[1, 'ours1.key', 'ours1.dkey'], [3, `${btId}.key`, `${btId}.dkey`]] as const) {
      const partial = beleniosTool(['election', 'decrypt-threshold', '--key', key, '--decryption-key', dkey, '--trustee-id', String(index + 1)], { cwd: dir });
      beleniosTool(['archive', 'add-event', '--type=PartialDecryption'], { cwd: dir, input: partial });
      factors.push((JSON.parse(jsonLines(partial)[0]!) as { decryption_factors: string[][] }).decryption_factors[0]!.map((f) => ({ index, factor: BigInt(f) })));
    }
    const privkey = readdirSync(dir).find((name) => name.endsWith('.privkey'))!;
    const single = beleniosTool(['election', 'decrypt', '--privkey', privkey, '--trustee-id', '1'], { cwd: dir });
    beleniosTool(['archive', 'add-event', '--type=PartialDecryption'], { cwd: dir, input: single });
    beleniosTool(['archive', 'add-event', '--type=Result'], { cwd: dir, input: beleniosTool(['election', 'compute-result'], { cwd: dir }) });
    const verified = beleniosToolVerifies(dir);
    expect(verified.output).toContain('all checks passed');
    expect(verified.ok).toBe(true);

    // The Lagrange combination of the two threshold factors, times the Single one, opens the tally: g^count.
    const singleFactors = (JSON.parse(jsonLines(single)[0]!) as { decryption_factors: string[][] }).decryption_factors[0]!.map(BigInt);
    const encrypted = (JSON.parse(jsonLines(tally)[0]!) as { alpha: string; beta: string }[][])[0]!;
    const counts = encrypted.map(({ beta }, answer) => {
      const factor = (combineShares(group, [factors[0]![answer]!, factors[1]![answer]!], crypto.modExp) * singleFactors[answer]!) % group.p;
      const gm = (BigInt(beta) * crypto.modExp(factor, group.q - 1n, group.p)) % group.p;
      for (let count = 0; count <= 3; count++) if (crypto.modExp(group.g, BigInt(count), group.p) === gm) return count;
      return -1;
    });
    expect(counts).toEqual([2, 1]);
  });
});

describeWithTool(`signed messages, channels and AES-CCM against belenios-tool's${beleniosToolSkipReason}`, () => {
  let dir: string;
  let trustee: { id: string; seed: string; cert: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-pedersen-channel-'));
    trustee = beleniosToolCertificate(dir, group);
  });

  it("verifies belenios-tool's certificate signature, and refuses it under another key or message", async () => {
    const cert = signedMessageFromJson(parse(trustee.cert));
    const keys = await deriveKeys(group, trustee.seed, crypto);
    expect(await verifySignature(group, keys.verificationKey, cert, crypto)).toBe(true);
    expect(await verifySignature(group, keys.encryptionKey, cert, crypto)).toBe(false);
    expect(await verifySignature(group, keys.verificationKey, { ...cert, message: `${cert.message} ` }, crypto)).toBe(false);
    expect(await verifySignature(group, keys.verificationKey, await signMessage(group, keys.signingKey, 'hello', crypto), crypto)).toBe(true);
  });

  it("opens belenios-tool's channel messages (its polynomial sent to itself) and refuses them for another recipient or sender", async () => {
    thresholdStep(dir, group, ['--step', '1']);
    thresholdStep(dir, group, ['--step', '1']);
    const lines = readdirSync(dir).filter((n) => n.endsWith('.cert')).sort().map((n) => readFileSync(join(dir, n), 'utf8'));
    writeFileSync(join(dir, 'certs.jsons'), lines.join(''));
    const certs = jsonLines(lines.join('')).map((line) => signedMessageFromJson(parse(line)));
    const polynomial = polynomialFromJson(parse(thresholdStep(dir, group, ['--certs', 'certs.jsons', '--key', `${trustee.id}.key`, '--step', '3', '--threshold', '2'])));
    const keys = await deriveKeys(group, trustee.seed, crypto);
    const raw = JSON.parse(await receiveFromChannel(group, keys, keys.verificationKey, polynomial.polynomial, crypto)) as { polynomial: string[] };
    expect(raw.polynomial).toHaveLength(2);
    // Plain decryption: a signed_msg around a channel_msg {"recipient", "message"}, strings nested as JSON strings.
    const signed = JSON.parse(await decryptMessage(group, keys.decryptionKey, polynomial.polynomial, crypto)) as { message: string };
    expect(Object.keys(JSON.parse(signed.message) as object)).toEqual(['recipient', 'message']);
    const other = await deriveKeys(group, randomSeed(), crypto);
    await expect(receiveFromChannel(group, other, keys.verificationKey, polynomial.polynomial, crypto)).rejects.toThrow('does not decrypt with this key (AES-CCM tag mismatch)');
    await expect(receiveFromChannel(group, keys, other.verificationKey, polynomial.polynomial, crypto)).rejects.toThrow('the signature is not the sender’s');
    const index = certs.findIndex((c) => JSON.parse(c.message).verification === keys.verificationKey.toString());
    const otherIndex = (index + 1) % 3;
    await expect(receiveFromChannel(group, keys, keys.verificationKey, polynomial.secrets[otherIndex]!, crypto)).rejects.toThrow('channel message: encrypted message: does not decrypt with this key');
  });

  it('a channel message over 64 KiB (AES-CCM length field of 3 bytes, so a 12-byte nonce): belenios-tool opens ours', async () => {
    const sub = mkdtempSync(join(dir, 'large-'));
    const seed = randomSeed();
    const bt = beleniosToolCertificate(sub, group);
    const certs = [await generateCertificate(group, seed, crypto), signedMessageFromJson(parse(bt.cert))];
    writeFileSync(join(sub, 'certs.jsons'), certs.map((c) => `${certText(c)}\n`).join(''));
    const mine = await generatePolynomial(group, seed, certs, 1, crypto);
    const theirs = polynomialFromJson(parse(thresholdStep(sub, group, ['--certs', 'certs.jsons', '--key', `${bt.id}.key`, '--step', '3', '--threshold', '1'])));
    const keys = await deriveKeys(group, seed, crypto);
    const coefficient = (JSON.parse(await receiveFromChannel(group, keys, keys.verificationKey, mine.polynomial, crypto)) as { polynomial: string[] }).polynomial[0]!;
    // The same secret (degree 0: f(2) = a_0), padded with JSON white space past 65,535 bytes.
    const padded = `{"secret":"${coefficient}"${' '.repeat(70_000)}}`;
    const btEncryption = BigInt((JSON.parse(certs[1]!.message) as { encryption: string }).encryption);
    const large = { ...mine, secrets: [mine.secrets[0]!, await sendOnChannel(group, keys.signingKey, btEncryption, padded, crypto)] };
    const vinputs = await computeVinputs(group, certs, [large, theirs], crypto);
    const voutput = voutputFromJson(parse(thresholdStep(sub, group, ['--certs', 'certs.jsons', '--key', `${bt.id}.key`, '--step', '5'], JSON.stringify(vinputToJson(vinputs[1]!)))));
    const coefexps = [mine, theirs].map((p, i) => readCoefexps(group, p.coefexps, crypto, `coefexps ${i + 1}`));
    await checkVoutput(group, coefexps, 1, voutput, crypto);
  });

  it('our channel and encryption round-trip with the keys of a belenios-tool seed (belenios-tool opening ours: see the mixed ceremony)', async () => {
    const keys = await deriveKeys(group, trustee.seed, crypto);
    const sent = await sendOnChannel(group, keys.signingKey, keys.encryptionKey, JSON.stringify({ decryption_key: '12345' }), crypto);
    expect(await receiveFromChannel(group, keys, keys.verificationKey, sent, crypto)).toBe('{"decryption_key":"12345"}');
    const encrypted = await encryptMessage(group, keys.encryptionKey, 'é ünïcode ✓', crypto);
    expect(await decryptMessage(group, keys.decryptionKey, encrypted, crypto)).toBe('é ünïcode ✓');
    expect(JSON.parse(encrypted).data).toMatch(/^[0-9a-f]+$/);
  });
});
