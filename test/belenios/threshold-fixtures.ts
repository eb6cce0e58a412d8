/** Shared by the threshold suites: crypto for tests, a ceremony run by our code, one run by belenios-tool. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigIntModExp, type FiniteFieldGroup } from '../../src/domain/belenios/groups.js';
import { webCryptoAesCcm } from '../../src/domain/belenios/threshold/aes-ccm.js';
import { generateCertificate, type Certificate } from '../../src/domain/belenios/threshold/certificate.js';
import { newSeed, type ThresholdCrypto } from '../../src/domain/belenios/threshold/pki.js';
import { generatePolynomial, type Polynomial } from '../../src/domain/belenios/threshold/polynomial.js';
import { signedMessageToJson } from '../../src/domain/belenios/threshold/signed-message.js';
import { thresholdParameters, type ThresholdParameters } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { computeVinputs, type Vinput } from '../../src/domain/belenios/threshold/vinput.js';
import { computeVoutput, type Voutput } from '../../src/domain/belenios/threshold/voutput.js';
import { webCryptoSha256 } from '../../src/domain/belenios/trustee-key.js';
import { opensslModExp } from '../../src/infrastructure/crypto/openssl-modexp.js';
import { beleniosTool } from '../support/belenios-tool.js';

export const randomExponent = (group: FiniteFieldGroup) => BigInt(`0x${randomBytes(40).toString('hex')}`) % group.q;
export const crypto: ThresholdCrypto = { modExp: opensslModExp(bigIntModExp), sha256: webCryptoSha256, randomExponent, aesCcm: webCryptoAesCcm };
export const randomSeed = () => newSeed((length) => new Uint8Array(randomBytes(length)));

export interface Ceremony {
  seeds: string[];
  certs: Certificate[];
  polynomials: Polynomial[];
  vinputs: Vinput[];
  voutputs: Voutput[];
  parameters: ThresholdParameters;
}

/** All six steps by our code: `trustees` trustees, `threshold` of them needed. */
export async function ourCeremony(group: FiniteFieldGroup, trustees: number, threshold: number): Promise<Ceremony> {
  const seeds = Array.from({ length: trustees }, randomSeed);
  const certs: Certificate[] = [];
  for (const seed of seeds) certs.push(await generateCertificate(group, seed, crypto));
  const polynomials: Polynomial[] = [];
  for (const seed of seeds) polynomials.push(await generatePolynomial(group, seed, certs, threshold, crypto));
  const vinputs = await computeVinputs(group, certs, polynomials, crypto);
  const voutputs: Voutput[] = [];
  for (const [j, seed] of seeds.entries()) voutputs.push(await computeVoutput(group, seed, certs, vinputs[j]!, crypto));
  const parameters = await thresholdParameters(group, certs, polynomials, voutputs, crypto);
  return { seeds, certs, polynomials, vinputs, voutputs, parameters };
}

export const certText = (cert: Certificate) => JSON.stringify(signedMessageToJson(cert));
export const jsonLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** `belenios-tool setup generate-trustee-key-threshold` with `args`. */
export function thresholdStep(dir: string, group: FiniteFieldGroup, args: readonly string[], input?: string): string {
  return beleniosTool(['setup', 'generate-trustee-key-threshold', '--group', group.name, ...args], input === undefined ? { cwd: dir } : { cwd: dir, input });
}

/** Step 1 by belenios-tool in `dir`: the new trustee's id (its files' name), seed and certificate text. */
export function beleniosToolCertificate(dir: string, group: FiniteFieldGroup): { id: string; seed: string; cert: string } {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  thresholdStep(dir, group, ['--step', '1']);
  const id = readdirSync(dir).find((name) => name.endsWith('.cert') && !before.has(name))!.slice(0, -'.cert'.length);
  return { id, seed: readFileSync(join(dir, `${id}.key`), 'utf8').trim(), cert: readFileSync(join(dir, `${id}.cert`), 'utf8').trim() };
}

export interface BeleniosToolCeremony {
  ids: string[];
  seeds: string[];
  certLines: string[];
  polynomialLines: string[];
  vinputTexts: string[];
  voutputTexts: string[];
  dkeyTexts: string[];
  thresholdJson: string;
}

/** The ceremony of belenios-tool's demo-threshold.sh, in `dir`, trustees in the order of their ids. */
export function beleniosToolCeremony(dir: string, group: FiniteFieldGroup, trustees: number, threshold: number): BeleniosToolCeremony {
  for (let i = 0; i < trustees; i++) beleniosToolCertificate(dir, group);
  const ids = readdirSync(dir).filter((n) => n.endsWith('.cert')).map((n) => n.slice(0, -5)).sort();
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  writeFileSync(join(dir, 'certs.jsons'), ids.map((id) => read(`${id}.cert`)).join(''));
  thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '2']);
  const polynomials = ids.map((id) => thresholdStep(dir, group, ['--certs', 'certs.jsons', '--key', `${id}.key`, '--step', '3', '--threshold', String(threshold)]));
  writeFileSync(join(dir, 'polynomials.jsons'), polynomials.join(''));
  thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '4', '--polynomials', 'polynomials.jsons']);
  const voutputs = ids.map((id) => thresholdStep(dir, group, ['--certs', 'certs.jsons', '--key', `${id}.key`, '--step', '5'], read(`${id}.vinput`)));
  const thresholdJson = thresholdStep(dir, group, ['--certs', 'certs.jsons', '--step', '6', '--polynomials', 'polynomials.jsons'], voutputs.join(''));
  writeFileSync(join(dir, 'threshold.json'), thresholdJson);
  return {
    ids,
    seeds: ids.map((id) => read(`${id}.key`).trim()),
    certLines: jsonLines(read('certs.jsons')),
    polynomialLines: jsonLines(polynomials.join('')),
    vinputTexts: ids.map((id) => read(`${id}.vinput`).trim()),
    voutputTexts: voutputs.map((v) => v.trim()),
    dkeyTexts: ids.map((id) => read(`${id}.dkey`).trim()),
    thresholdJson: thresholdJson.trim(),
  };
}
