import { randomBytes } from 'node:crypto';
import type { Election } from '../../domain/belenios/election.js';
import { BELENIOS_2048 } from '../../domain/belenios/groups.js';
import { computePartialDecryption, serializePartialDecryption } from '../../domain/belenios/partial-decryption.js';
import type { EncryptedTally } from '../../domain/belenios/tally.js';
import { webCryptoAesCcm } from '../../domain/belenios/threshold/aes-ccm.js';
import { generateCertificate, type Certificate } from '../../domain/belenios/threshold/certificate.js';
import { newSeed, type ThresholdCrypto } from '../../domain/belenios/threshold/pki.js';
import { generatePolynomial, polynomialToJson } from '../../domain/belenios/threshold/polynomial.js';
import { signedMessageFromJson, signedMessageToJson } from '../../domain/belenios/threshold/signed-message.js';
import { vinputFromJson } from '../../domain/belenios/threshold/vinput.js';
import { computeVoutput, recoverThresholdKey, voutputToJson, type Voutput } from '../../domain/belenios/threshold/voutput.js';
import { provePossession, trusteePublicKeyToJson } from '../../domain/belenios/trustee-key.js';
import { trusteesFromJson } from '../../domain/belenios/trustees.js';
import { nodeBeleniosCrypto } from '../crypto/node-belenios-crypto.js';
import type { DemoGraphqlClient } from './demo-graphql.js';

/**
 * The trustees of the demo, each on "their own machine" (their secrets stay in this object, as
 * `urne trustee` keeps them in files): either a threshold group (Belenios "Pedersen": k of n
 * members needed to decrypt; certificates, polynomials, voutputs through the threshold
 * mutations) or, on a build without those mutations, trustees whose every key is needed ("Single").
 */

export interface DemoTrustee {
  username: string;
  /** A fresh session (the clock moves). */
  client: () => Promise<DemoGraphqlClient>;
}

export interface TrusteePlan {
  singleTrustees: string[];
  thresholdGroup?: { trustees: string[]; threshold: number };
}

const group = BELENIOS_2048;
const M = (name: string, inputType: string) => `mutation ($input: ${inputType}!) { ${name}(input: $input) { stage thresholdStep } }`;

export abstract class DemoTrusteeSide {
  protected readonly crypto = nodeBeleniosCrypto();

  constructor(
    protected readonly electionId: string,
    readonly trustees: readonly DemoTrustee[],
  ) {}

  abstract readonly plan: TrusteePlan;
  /** One line for the summary: who holds the key, how many are needed. */
  abstract readonly description: string;
  /** The key ceremony, up to what publishElectionKey needs. */
  abstract ceremony(): Promise<void>;
  /** Partial decryptions of the tally by as many trustees as needed; returns their usernames. */
  abstract decrypt(election: Election, tally: EncryptedTally, trusteesJson: string): Promise<string[]>;

  protected async submitDecryption(trustee: DemoTrustee, election: Election, tally: EncryptedTally, privateKey: bigint): Promise<void> {
    const partialDecryption = serializePartialDecryption(await computePartialDecryption(election, tally, privateKey, this.crypto));
    await (await trustee.client()).request(M('submitPartialDecryption', 'SubmitPartialDecryptionInput'), {
      input: { electionId: this.electionId, partialDecryption, commandId: `demo-decrypt-${trustee.username}` },
    });
  }
}

/** Every trustee's key needed: a key with its proof of possession each; each decrypts. */
export class SingleTrustees extends DemoTrusteeSide {
  private readonly keys = new Map<string, bigint>();

  get plan(): TrusteePlan {
    return { singleTrustees: this.trustees.map((t) => t.username) };
  }

  get description(): string {
    return `the server and ${this.trustees.length} trustees (${this.trustees.map((t) => t.username).join(', ')}), every share needed`;
  }

  async ceremony(): Promise<void> {
    for (const trustee of this.trustees) {
      const key = this.crypto.randomExponent(group);
      this.keys.set(trustee.username, key);
      const text = JSON.stringify(trusteePublicKeyToJson(await provePossession(group, key, this.crypto)));
      await (await trustee.client()).request(M('submitTrusteeKey', 'SubmitTrusteeKeyInput'), { input: { electionId: this.electionId, key: text, commandId: `demo-trustee-key-${trustee.username}` } });
    }
  }

  async decrypt(election: Election, tally: EncryptedTally): Promise<string[]> {
    for (const trustee of this.trustees) await this.submitDecryption(trustee, election, tally, this.keys.get(trustee.username)!);
    return this.trustees.map((t) => t.username);
  }
}

interface Member {
  trustee: DemoTrustee;
  seed: string;
  voutput?: Voutput;
}

/** A threshold group: `threshold` of the members decrypt; the others stay offline. */
export class ThresholdGroup extends DemoTrusteeSide {
  private readonly members: Member[];
  private readonly trusteeCrypto: ThresholdCrypto;

  constructor(
    electionId: string,
    trustees: readonly DemoTrustee[],
    readonly threshold: number,
  ) {
    super(electionId, trustees);
    this.members = trustees.map((trustee) => ({ trustee, seed: newSeed((n) => new Uint8Array(randomBytes(n))) }));
    this.trusteeCrypto = { modExp: this.crypto.modExp, sha256: this.crypto.sha256, randomExponent: this.crypto.randomExponent, aesCcm: webCryptoAesCcm };
  }

  get plan(): TrusteePlan {
    return { singleTrustees: [], thresholdGroup: { trustees: this.trustees.map((t) => t.username), threshold: this.threshold } };
  }

  get description(): string {
    return `the server and a threshold group of ${this.trustees.length} trustees (${this.trustees.map((t) => t.username).join(', ')}), ${this.threshold} of whom are needed`;
  }

  private async certificates(): Promise<Certificate[]> {
    const texts = (await (await this.members[0]!.trustee.client()).request<{ thresholdCertificates: string[] }>(`query ($e: String!) { thresholdCertificates(electionId: $e) }`, { e: this.electionId })).thresholdCertificates;
    return texts.map((text) => signedMessageFromJson(JSON.parse(text)));
  }

  async ceremony(): Promise<void> {
    const input = (member: Member, field: string, text: string, step: string) => ({ input: { electionId: this.electionId, [field]: text, commandId: `demo-threshold-${step}-${member.trustee.username}` } });
    // 1. Certificates (each member's signing and encryption keys, from its seed).
    for (const member of this.members) {
      const certificate = JSON.stringify(signedMessageToJson(await generateCertificate(group, member.seed, this.trusteeCrypto)));
      await (await member.trustee.client()).request(M('submitThresholdCertificate', 'SubmitThresholdCertificateInput'), input(member, 'certificate', certificate, 'certificate'));
    }
    // 2. Polynomials, against the certificates in group order.
    const certificates = await this.certificates();
    for (const member of this.members) {
      const polynomial = JSON.stringify(polynomialToJson(await generatePolynomial(group, member.seed, certificates, this.threshold, this.trusteeCrypto)));
      await (await member.trustee.client()).request(M('submitThresholdPolynomial', 'SubmitThresholdPolynomialInput'), input(member, 'polynomial', polynomial, 'polynomial'));
    }
    // 3. Voutputs: each member's vinput from the server, checked, its share of the key.
    for (const member of this.members) {
      const client = await member.trustee.client();
      const vinput = (await client.request<{ thresholdVinput: string | null }>(`query ($e: String!) { thresholdVinput(electionId: $e) }`, { e: this.electionId })).thresholdVinput;
      if (vinput === null) throw new Error(`no vinput for trustee ${member.trustee.username}`);
      member.voutput = await computeVoutput(group, member.seed, certificates, vinputFromJson(JSON.parse(vinput)), this.trusteeCrypto);
      await client.request(M('submitThresholdVoutput', 'SubmitThresholdVoutputInput'), input(member, 'voutput', JSON.stringify(voutputToJson(member.voutput)), 'voutput'));
    }
  }

  async decrypt(election: Election, tally: EncryptedTally, trusteesJson: string): Promise<string[]> {
    const pedersen = trusteesFromJson(JSON.parse(trusteesJson)).find((t) => t.kind === 'Pedersen');
    if (!pedersen || pedersen.kind !== 'Pedersen') throw new Error('the published trustees have no threshold group');
    // The first `threshold` members decrypt (each recovers its share from its seed and kept voutput).
    const decrypting = this.members.slice(0, this.threshold);
    for (const member of decrypting) {
      const { privateKey } = await recoverThresholdKey(group, member.seed, pedersen.parameters.certs, pedersen.parameters.verificationKeys, member.voutput!.privateKey, this.trusteeCrypto);
      await this.submitDecryption(member.trustee, election, tally, privateKey);
    }
    return decrypting.map((m) => m.trustee.username);
  }
}
