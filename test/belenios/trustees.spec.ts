import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { provePossession } from '../../src/domain/belenios/trustee-key.js';
import { thresholdPublicKey } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { electionPublicKey, trusteesFromJson, trusteesToJson, trusteesToText, validateTrustees, type Trustees } from '../../src/domain/belenios/trustees.js';
import { beleniosToolSkipReason, createBeleniosToolElection } from '../support/belenios-tool.js';
import { crypto, ourCeremony, randomExponent, type Ceremony } from './threshold-fixtures.js';

const group = BELENIOS_2048;
const describeWithTool = beleniosToolSkipReason ? describe.skip : describe;

describe('trustees (section 4.7): Single keys and a Pedersen group', () => {
  let ceremony: Ceremony;
  let trustees: Trustees;
  let singleKey: bigint;
  beforeAll(async () => {
    ceremony = await ourCeremony(group, 3, 2);
    singleKey = randomExponent(group);
    trustees = [
      { kind: 'Single', key: await provePossession(group, singleKey, crypto) },
      { kind: 'Pedersen', parameters: ceremony.parameters },
    ];
  });

  it('round-trips through JSON as ["Single", key] / ["Pedersen", parameters], fields in belenios-tool order', () => {
    const json = trusteesToJson(trustees) as [string, Record<string, unknown>][];
    expect(json.map(([kind]) => kind)).toEqual(['Single', 'Pedersen']);
    expect(Object.keys(json[0]![1])).toEqual(['pok', 'public_key']);
    expect(Object.keys(json[1]![1])).toEqual(['threshold', 'certs', 'coefexps', 'verification_keys']);
    expect(trusteesFromJson(JSON.parse(trusteesToText(trustees)))).toEqual(trustees);
  });

  it('the election public key is the product of the sub-keys, and validates', async () => {
    await validateTrustees(group, trustees, crypto);
    const single = crypto.modExp(group.g, singleKey, group.p);
    expect(electionPublicKey(group, trustees, crypto)).toBe((single * thresholdPublicKey(group, ceremony.parameters, crypto.modExp)) % group.p);
    expect(electionPublicKey(group, [trustees[0]!], crypto)).toBe(single);
  });

  it('refuses, naming the entry: a wrong Single proof, a tampered certificate, a coefexps not signed by its trustee, a wrong verification key', async () => {
    const single = trustees[0]!;
    if (single.kind !== 'Single') throw new Error('unreachable');
    const badSingle = { kind: 'Single' as const, key: { ...single.key, pok: { ...single.key.pok, challenge: (single.key.pok.challenge + 1n) % group.q } } };
    await expect(validateTrustees(group, [badSingle, trustees[1]!], crypto)).rejects.toThrow('trustee 1 (Single): the proof of knowledge of its private key is wrong');
    const p = ceremony.parameters;
    const cert = p.certs[1]!;
    const keys = JSON.parse(cert.message) as { verification: string; encryption: string };
    const badCert = { ...cert, message: JSON.stringify({ ...keys, encryption: ((BigInt(keys.encryption) * group.g) % group.p).toString() }) };
    await expect(validateTrustees(group, [single, { kind: 'Pedersen', parameters: { ...p, certs: [p.certs[0]!, badCert, p.certs[2]!] } }], crypto)).rejects.toThrow(
      'trustee 2 (Pedersen): certificate 2: the signature does not match its verification key',
    );
    const swapped = { ...p, coefexps: [p.coefexps[1]!, p.coefexps[0]!, p.coefexps[2]!] };
    await expect(validateTrustees(group, [single, { kind: 'Pedersen', parameters: swapped }], crypto)).rejects.toThrow("trustee 2 (Pedersen): coefexps 1: the signature is not the trustee’s");
    const otherKey = await provePossession(group, randomExponent(group), crypto);
    const wrongKey = { ...p, verificationKeys: [p.verificationKeys[0]!, otherKey, p.verificationKeys[2]!] };
    await expect(validateTrustees(group, [single, { kind: 'Pedersen', parameters: wrongKey }], crypto)).rejects.toMatchObject({
      code: 'InvalidTrustees',
      message: 'trustee 2 (Pedersen): verification key 2: it is not the one the coefexps give for this trustee',
      details: { entry: 1, cause: 'InvalidThresholdParameters' },
    });
  });

  it('rejects malformed JSON with a clear error', () => {
    expect(() => trusteesFromJson([])).toThrow('trustees: must be a non-empty JSON array');
    expect(() => trusteesFromJson([['Multiple', {}]])).toThrow('trustees[0]: unknown kind "Multiple"');
    expect(() => trusteesFromJson([['Single', { pok: { challenge: '1', response: 'x' }, public_key: '2' }]])).toThrow('trustees[0]: pok.response must be a base-10 number in a string');
    expect(() => trusteesFromJson([['Pedersen', { threshold: '2', certs: [], coefexps: [], verification_keys: [] }]])).toThrow('trustees[0] (Pedersen).threshold: must be an integer');
    expect(() => trusteesFromJson([['Pedersen', { threshold: 2, certs: [{ message: 1 }], coefexps: [], verification_keys: [] }]])).toThrow(
      'trustees[0] (Pedersen).certs[0].message: must be a string',
    );
  });
});

describeWithTool(`trustees.json of belenios-tool with Single keys only${beleniosToolSkipReason}`, () => {
  it("gives election.json's public key, validates and serializes byte for byte", async () => {
    const election = createBeleniosToolElection(mkdtempSync(join(tmpdir(), 'urne-trustees-')), {
      questions: [{ question: 'Q', answers: ['A', 'B'], min: 0, max: 1 }],
      voters: 1,
      trustees: 2,
    });
    const trustees = trusteesFromJson(JSON.parse(election.trusteesJson));
    expect(trustees.map((t) => t.kind)).toEqual(['Single', 'Single']);
    expect(trusteesToText(trustees)).toBe(election.trusteesJson);
    await validateTrustees(group, trustees, crypto);
    const publicKey = (JSON.parse(readFileSync(join(election.dir, 'election.json'), 'utf8')) as { public_key: string }).public_key;
    expect(electionPublicKey(group, trustees, crypto).toString()).toBe(publicKey);
  });
});
