import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElection } from '../../src/domain/belenios/election.js';
import { encrypt, type Ciphertext } from '../../src/domain/belenios/elgamal.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { partialDecryptionFromJson, verifyPartialDecryption } from '../../src/domain/belenios/partial-decryption.js';
import { combineDecryptionFactors, decryptTally } from '../../src/domain/belenios/result.js';
import { serializeEncryptedTally } from '../../src/domain/belenios/tally.js';
import { checkCertificate, checkCertificates, type Certificate } from '../../src/domain/belenios/threshold/certificate.js';
import { checkPolynomial, polynomialFromJson, readCoefexps, type Polynomial } from '../../src/domain/belenios/threshold/polynomial.js';
import { signedMessageFromJson } from '../../src/domain/belenios/threshold/signed-message.js';
import { thresholdParameters, thresholdParametersToJson, thresholdPublicKey, type ThresholdParameters } from '../../src/domain/belenios/threshold/threshold-parameters.js';
import { computeVinputs, vinputToJson } from '../../src/domain/belenios/threshold/vinput.js';
import { checkVoutput, voutputFromJson, type Voutput } from '../../src/domain/belenios/threshold/voutput.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { ensureBuilt, runUrneAsync } from './trustee-support.js';

/**
 * The threshold ceremony as three trustees run it with `urne trustee`, against a tiny HTTP
 * server in this process that plays the administrator with the domain's own checks (section
 * 4.6): certificates, polynomials, vinputs, voutputs; then two of the three decrypt a tally and
 * their shares combine to the votes.
 */
const group = BELENIOS_2048;
const crypto = nodeBeleniosCrypto();
const TRUSTEES = ['t1', 't2', 't3'];
const E = 'lyon-2026';

interface Stub {
  certificates: Map<string, string>;
  polynomials: Map<string, string>;
  voutputs: Map<string, string>;
  stage: string;
  electionJson?: string;
  trusteesJson?: string;
  encryptedTallyJson?: string;
  decryptions: Map<number, string>;
}

const stub: Stub = { certificates: new Map(), polynomials: new Map(), voutputs: new Map(), stage: 'preparing', decryptions: new Map() };
let parameters: ThresholdParameters;
let server: Server;
let url: string;

const step = () => (TRUSTEES.some((t) => !stub.certificates.has(t)) ? 'certificates' : TRUSTEES.some((t) => !stub.polynomials.has(t)) ? 'polynomials' : TRUSTEES.some((t) => !stub.voutputs.has(t)) ? 'voutputs' : 'done');
const certs = (): Certificate[] => TRUSTEES.map((t) => signedMessageFromJson(JSON.parse(stub.certificates.get(t)!)));
const polys = (): Polynomial[] => TRUSTEES.map((t) => polynomialFromJson(JSON.parse(stub.polynomials.get(t)!)));
const round = () => ({
  electionId: E,
  round: 1,
  stage: stub.stage,
  beleniosUuid: null,
  missing: [],
  thresholdStep: step(),
  electionJson: stub.electionJson ?? null,
  trusteesJson: stub.trusteesJson ?? null,
  encryptedTallyJson: stub.encryptedTallyJson ?? null,
  decryptedBy: [...stub.decryptions.keys()].map(String),
  result: null,
});

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The administrator's side of each operation, with the domain's checks. */
async function answer(trustee: string | undefined, query: string, variables: Record<string, unknown>): Promise<unknown> {
  if (query.includes('TrusteeVoteRound')) {
    const me = trustee ? { kind: 'staff', staffId: `staff-${trustee}`, username: trustee, role: 'trustee' } : { kind: 'anonymous', staffId: null, username: null, role: null };
    return { me, voteRound: round() };
  }
  if (!trustee) throw new Refused('UNAUTHENTICATED', 'Sign in first');
  const index = TRUSTEES.indexOf(trustee);
  if (query.includes('TrusteeCertificates')) return { thresholdCertificates: TRUSTEES.filter((t) => stub.certificates.has(t)).map((t) => stub.certificates.get(t)!) };
  if (query.includes('TrusteeVinput')) {
    if (step() === 'certificates' || step() === 'polynomials') return { thresholdVinput: null };
    return { thresholdVinput: JSON.stringify(vinputToJson((await computeVinputs(group, certs(), polys(), crypto))[index]!)) };
  }
  const text = variables.text as string;
  const record = (map: Map<string, string>, wanted: string) => {
    if (map.get(trustee) === text) return;
    if (map.has(trustee)) throw new Refused('AlreadySubmitted', 'already recorded');
    if (step() !== wanted) throw new Refused('WrongCeremonyStep', `The threshold ceremony is at the ${step()} step`);
    map.set(trustee, text);
  };
  if (query.includes('submitThresholdCertificate(')) {
    await checkCertificate(group, signedMessageFromJson(JSON.parse(text)), crypto);
    record(stub.certificates, 'certificates');
    if (step() !== 'certificates') await checkCertificates(group, certs(), crypto);
    return { submitThresholdCertificate: round() };
  }
  if (query.includes('submitThresholdPolynomial(')) {
    await checkPolynomial(group, certs(), index, polynomialFromJson(JSON.parse(text)), crypto);
    record(stub.polynomials, 'polynomials');
    return { submitThresholdPolynomial: round() };
  }
  if (query.includes('submitThresholdVoutput(')) {
    const coefexps = polys().map((p, i) => readCoefexps(group, p.coefexps, crypto, `coefexps ${i + 1}`));
    await checkVoutput(group, coefexps, index, voutputFromJson(JSON.parse(text)), crypto);
    record(stub.voutputs, 'voutputs');
    return { submitThresholdVoutput: round() };
  }
  if (query.includes('submitPartialDecryption(')) {
    if (stub.stage !== 'tallying') throw new Refused('WrongVoteStage', 'not tallying');
    const election = await parseElection(stub.electionJson!, crypto.sha256);
    const tally = JSON.parse(stub.encryptedTallyJson!) as { alpha: string; beta: string }[][];
    const ciphertexts = tally.map((row) => row.map((c) => ({ alpha: BigInt(c.alpha), beta: BigInt(c.beta) })));
    const ok = await verifyPartialDecryption(election, ciphertexts, parameters.verificationKeys[index]!.publicKey, partialDecryptionFromJson(JSON.parse(text)), crypto);
    if (!ok) throw new Refused('InvalidPartialDecryption', 'The partial decryption does not match your published key and this tally');
    stub.decryptions.set(index + 1, text);
    return { submitPartialDecryption: round() };
  }
  throw new Refused('GRAPHQL_VALIDATION_FAILED', `unknown operation ${query}`);
}

beforeAll(async () => {
  ensureBuilt();
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const body = JSON.parse(raw) as { query: string; variables: Record<string, unknown> };
      const trustee = /^Bearer tok-(t\d)$/.exec(request.headers.authorization ?? '')?.[1];
      answer(trustee, body.query, body.variables).then(
        (data) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data })),
        (error: unknown) => {
          const code = error instanceof Refused ? error.code : ((error as { code?: string }).code ?? 'INTERNAL_SERVER_ERROR');
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: null, errors: [{ message: (error as Error).message, extensions: { code } }] }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('urne trustee: a 2-of-3 threshold ceremony and decryption', () => {
  let root: string;
  const dirOf = (t: string) => join(root, t);
  const trustee = (t: string, args: string[]) => runUrneAsync(['trustee', ...args, '--election', E, '--dir', dirOf(t)]);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'urne-trustee-threshold-'));
    for (const t of TRUSTEES) {
      mkdirSync(dirOf(t), { mode: 0o700 });
      writeFileSync(join(dirOf(t), 'session.json'), JSON.stringify({ server: url, username: t, role: 'trustee', token: `tok-${t}`, expiresAt: '2999-01-01T00:00:00.000Z' }), { mode: 0o600 });
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('step 1: each trustee makes a seed (0600) and submits a certificate; running it again re-sends the same one', async () => {
    for (const t of TRUSTEES) {
      const result = await trustee(t, ['threshold-certificate']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/certificate [0-9A-F]{8} \(fingerprint [A-Za-z0-9+/]{43}\) submitted/);
      expect(statSync(join(dirOf(t), `${E}.1.seed`)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dirOf(t), `${E}.1.seed`), 'utf8')).toMatch(/^[1-9A-HJ-NP-Za-km-z]{22}\n$/);
    }
    const seed = readFileSync(join(dirOf('t1'), `${E}.1.seed`), 'utf8');
    const again = await trustee('t1', ['threshold-certificate']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dirOf('t1'), `${E}.1.seed`), 'utf8')).toBe(seed);
    expect(step()).toBe('polynomials');
  });

  it('step 2: polynomials (a voutput too early is refused in one line)', async () => {
    const early = await trustee('t1', ['threshold-voutput']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^urne: the threshold ceremony still waits for polynomials/);
    for (const t of TRUSTEES) {
      const result = await trustee(t, ['threshold-polynomial', '--threshold', '2']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(step()).toBe('voutputs');
  });

  it('step 3: voutputs; the key shares stay encrypted in .dkey; the parameters check', async () => {
    for (const t of TRUSTEES) {
      const result = await trustee(t, ['threshold-voutput']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/key share [0-9A-F]{8} \(verification key fingerprint/);
      expect(statSync(join(dirOf(t), `${E}.1.dkey`)).mode & 0o777).toBe(0o600);
    }
    const voutputs: Voutput[] = TRUSTEES.map((t) => voutputFromJson(JSON.parse(stub.voutputs.get(t)!)));
    parameters = await thresholdParameters(group, certs(), polys(), voutputs, crypto);
    expect(parameters.threshold).toBe(2);
  });

  it('check: OK for each trustee once the trustees and election are published', async () => {
    const y = thresholdPublicKey(group, parameters, crypto.modExp);
    stub.trusteesJson = JSON.stringify([['Pedersen', thresholdParametersToJson(parameters)]]);
    stub.electionJson = JSON.stringify({
      version: 1,
      description: 'Threshold',
      name: 'Lyon 2026',
      group: 'BELENIOS-2048',
      public_key: y.toString(),
      questions: [{ answers: ['Alice', 'Bob'], min: 0, max: 1, question: 'Maire' }],
      uuid: 'TKzXW3tB5n7U3q',
    });
    stub.stage = 'key-published';
    for (const [i, t] of TRUSTEES.entries()) {
      const result = await trustee(t, ['check']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`OK: your certificate is number ${i + 1} of 3 in the threshold group (trustee 1, 2 of 3 needed), and your key share matches its published verification key`);
    }
  });

  it('decrypt: two of three trustees suffice, and their shares combine to the votes', async () => {
    const y = thresholdPublicKey(group, parameters, crypto.modExp);
    const tally: Ciphertext[][] = [[encrypt(group, y, 3n, crypto.randomExponent(group), crypto.modExp), encrypt(group, y, 2n, crypto.randomExponent(group), crypto.modExp)]];
    stub.encryptedTallyJson = serializeEncryptedTally(tally);
    const before = await trustee('t1', ['decrypt']);
    expect(before.code).toBe(1);
    expect(before.stderr).toBe(`urne: cannot decrypt now: round 1 of ${E} is at stage "key-published", this needs "tallying" (WrongVoteStage)\n`);
    stub.stage = 'tallying';
    for (const t of ['t1', 't3']) {
      const result = await trustee(t, ['decrypt']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/decrypting 2 tally ciphertexts of round 1 of lyon-2026 with your threshold key share/);
      expect(result.stdout).toMatch(/partial decryption submitted: stage tallying/);
    }
    const shares = [...stub.decryptions.entries()].map(([index, text]) => ({ index, factors: partialDecryptionFromJson(JSON.parse(text)).decryptionFactors }));
    expect(shares.map((s) => s.index)).toEqual([1, 3]);
    const combined = combineDecryptionFactors(group, tally, [{ kind: 'Pedersen', shares }], crypto.modExp);
    expect(decryptTally(group, tally, combined, 5n, crypto.modExp)).toEqual([[3n, 2n]]);
  });
});

