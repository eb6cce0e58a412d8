import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyBallot } from '../../src/domain/belenios/ballot-verification.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { credentialFromDigits } from '../../src/domain/belenios/credentials.js';
import { parseElection, type Election } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048, bigIntModExp } from '../../src/domain/belenios/groups.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import {
  BallotVerifierPool,
  BallotVerifierPoolClosedError,
  BallotVerifierPoolFullError,
  BallotVerifierWorkerError,
} from '../../src/infrastructure/crypto/ballot-verifier-pool.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';

/** The pool runs the compiled worker (npm test builds first). */
const root = fileURLToPath(new URL('../../', import.meta.url));
const builtWorker = join(root, 'dist/src/infrastructure/crypto/ballot-verifier-worker.js');

const crypto = nodeBeleniosCrypto();
const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString('hex')}`);
const newCredential = () => credentialFromDigits(Array.from(randomBytes(14), (b) => b % 58));

function electionText(): string {
  const { p, q, g } = BELENIOS_2048;
  return JSON.stringify({
    version: 1,
    description: 'Pool',
    name: 'Pool',
    group: 'BELENIOS-2048',
    public_key: bigIntModExp(g, random(40) % q, p).toString(),
    questions: [{ answers: ['A', 'B', 'C', 'D', 'E'], blank: true, min: 1, max: 1, question: 'Who?' }],
    uuid: 'sxSxEBirnRuWr1',
  });
}

describe('BallotVerifierPool (worker threads)', () => {
  let text: string;
  let election: Election;
  let valid: string[];
  let cases: Record<string, string>;
  let scratch: string;

  beforeAll(async () => {
    if (!existsSync(builtWorker)) throw new Error(`${builtWorker} is missing: run npm run build first (npm test does)`);
    scratch = mkdtempSync(join(tmpdir(), 'urne-verifier-pool-'));
    text = electionText();
    election = await parseElection(text, crypto.sha256);
    valid = [];
    for (const choices of [[1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]]) valid.push((await createBallot(election, newCredential(), [choices], crypto)).text);
    const ballot = JSON.parse(valid[0]!) as { answers: { overall_proof: { response: string }[] }[] };
    const { credential } = JSON.parse(valid[2]!) as { credential: string };
    const response = ballot.answers[0]!.overall_proof[0]!.response;
    cases = {
      tamperedProof: valid[0]!.replace(`"response":"${response}"`, `"response":"${(BigInt(response) + 1n) % BELENIOS_2048.q}"`),
      tamperedCiphertext: valid[1]!.replace(/"alpha":"(\d)/, (_, d: string) => `"alpha":"${(Number(d) % 9) + 1}`),
      notAMember: valid[2]!.replace(`"credential":"${credential}"`, '"credential":"2"'),
      nonCanonical: valid[0]!.replace('{"election_uuid"', '{ "election_uuid"'),
      trailingNewline: `${valid[1]!}\n`,
      notJson: '{"election_uuid":',
      otherElection: valid[0]!.replace('"election_hash":"', '"election_hash":"x'),
    };
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('gives the same verdicts as verifyBallot: valid, tampered and non-canonical ballots', async () => {
    const pool = new BallotVerifierPool({ threads: 2 });
    try {
      const texts = [...valid, ...Object.values(cases)];
      const pooled = await Promise.all(texts.map((ballot) => pool.verify(text, ballot)));
      const direct = await Promise.all(texts.map((ballot) => verifyBallot(election, ballot, crypto)));
      expect(pooled).toEqual(direct);
      expect(pooled.slice(0, valid.length).every((v) => v.ok)).toBe(true);
      const byCase = Object.fromEntries(Object.keys(cases).map((name, i) => [name, pooled[valid.length + i]]));
      expect(byCase.tamperedProof).toMatchObject({ ok: false, reason: 'InvalidBallot' });
      expect(byCase.tamperedCiphertext).toMatchObject({ ok: false, reason: 'InvalidBallot' });
      expect(byCase.notAMember).toMatchObject({ ok: false, reason: 'InvalidBallot', detail: 'credential is not a group element' });
      expect(byCase.nonCanonical).toMatchObject({ ok: false, reason: 'NonCanonical' });
      expect(byCase.trailingNewline).toMatchObject({ ok: false, reason: 'NonCanonical' });
      expect(byCase.notJson).toMatchObject({ ok: false, reason: 'InvalidBallot', detail: 'ballot is not JSON' });
      expect(byCase.otherElection).toMatchObject({ ok: false, reason: 'InvalidBallot' });
      // the parsed ballot crosses the thread boundary with its bigints
      const first = pooled[0]!;
      expect(first.ok && typeof first.ballot.credential).toBe('bigint');
    } finally {
      await pool.close();
    }
  });

  it('serves several elections, and rejects with the domain error when the election does not parse', async () => {
    const pool = new BallotVerifierPool({ threads: 1 });
    try {
      const other = electionText();
      const otherElection = await parseElection(other, crypto.sha256);
      const ballot = (await createBallot(otherElection, newCredential(), [[0, 1, 0, 0, 0, 0]], crypto)).text;
      expect((await pool.verify(other, ballot)).ok).toBe(true);
      expect((await pool.verify(text, ballot)).ok).toBe(false);
      expect((await pool.verify(text, valid[0]!)).ok).toBe(true);
      const refused = pool.verify('{"group":"BELENIOS-2048"', valid[0]!);
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ code: 'BeleniosFormat', message: 'election is not JSON' });
      // and it carries on
      expect((await pool.verify(text, valid[1]!)).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('bounds its queue: beyond maxQueue waiting ballots, verify rejects at once', async () => {
    const pool = new BallotVerifierPool({ threads: 1, inFlightPerWorker: 1, maxQueue: 2 });
    try {
      const accepted = [pool.verify(text, valid[0]!), pool.verify(text, valid[1]!), pool.verify(text, valid[2]!)];
      await expect(pool.verify(text, valid[0]!)).rejects.toBeInstanceOf(BallotVerifierPoolFullError);
      expect(pool.pending).toBe(3);
      expect((await Promise.all(accepted)).every((v) => v.ok)).toBe(true);
      expect(pool.pending).toBe(0);
      expect((await pool.verify(text, valid[0]!)).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('shuts down cleanly: close() finishes what it accepted, then refuses; destroy() rejects what is pending', async () => {
    const pool = new BallotVerifierPool({ threads: 2 });
    const accepted = valid.map((ballot) => pool.verify(text, ballot));
    const closed = pool.close();
    await expect(pool.verify(text, valid[0]!)).rejects.toBeInstanceOf(BallotVerifierPoolClosedError);
    expect((await Promise.all(accepted)).every((v) => v.ok)).toBe(true);
    await closed;
    expect(pool.pending).toBe(0);
    await pool.close(); // twice is fine

    const other = new BallotVerifierPool({ threads: 1, inFlightPerWorker: 1 });
    const pending = Promise.allSettled(valid.map((ballot) => other.verify(text, ballot)));
    await other.destroy();
    const outcomes = await pending;
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof BallotVerifierPoolClosedError)).toBe(true);
  });

  it('survives a worker that crashes: the tasks it held are rejected with a clear error, the others go on', async () => {
    // The real worker, plus a listener that throws (an uncaught exception) or exits on cue.
    const crashing = join(scratch, 'crashing-worker.mjs');
    writeFileSync(
      crashing,
      [
        "import { parentPort } from 'node:worker_threads';",
        // after the real worker's listener: messages that come before a listener reach only the first one
        `await import(${JSON.stringify(pathToFileURL(builtWorker).href)});`,
        "parentPort.on('message', (m) => { if (m.ballotText === 'crash') throw new Error('boom'); if (m.ballotText === 'exit') process.exit(7); });",
      ].join('\n'),
    );
    const pool = new BallotVerifierPool({ threads: 2, workerUrl: pathToFileURL(crashing) });
    try {
      const before = await Promise.all(valid.map((ballot) => pool.verify(text, ballot)));
      expect(before.every((v) => v.ok)).toBe(true);
      await expect(pool.verify(text, 'crash')).rejects.toMatchObject({ name: 'BallotVerifierWorkerError', message: 'a ballot verifier worker crashed: boom' });
      await expect(pool.verify(text, 'exit')).rejects.toMatchObject({ name: 'BallotVerifierWorkerError', message: 'a ballot verifier worker exited (code 7)' });
      // replaced: two threads again, and the same verdicts
      expect(await Promise.all(valid.map((ballot) => pool.verify(text, ballot)))).toEqual(before);
      const mixed = await Promise.allSettled([pool.verify(text, valid[0]!), pool.verify(text, 'crash'), pool.verify(text, valid[1]!), pool.verify(text, valid[2]!)]);
      expect(mixed[1]).toMatchObject({ status: 'rejected', reason: expect.any(BallotVerifierWorkerError) });
      // the others either verified or, sent to the worker that crashed, were rejected with the same error: none hangs
      for (const outcome of [mixed[0]!, mixed[2]!, mixed[3]!]) {
        if (outcome.status === 'fulfilled') expect(outcome.value.ok).toBe(true);
        else expect(outcome.reason).toBeInstanceOf(BallotVerifierWorkerError);
      }
      expect((await pool.verify(text, valid[0]!)).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('gives up with an error, not a hang, when its workers cannot start', async () => {
    const broken = join(scratch, 'broken-worker.mjs');
    writeFileSync(broken, "throw new Error('cannot start');\n");
    const pool = new BallotVerifierPool({ threads: 1, workerUrl: pathToFileURL(broken) });
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => pool.verify(text, valid[0]!)));
      expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof BallotVerifierWorkerError)).toBe(true);
      // the next workers die too, with no task: the pool gives up for good
      let last: unknown;
      for (let attempt = 0; attempt < 50 && !/keep dying/.test(String(last)); attempt++) {
        last = await pool.verify(text, valid[0]!).then(
          () => 'verified',
          (error: unknown) => error,
        );
        expect(last).toBeInstanceOf(BallotVerifierWorkerError);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(String(last)).toMatch(/keep dying/);
    } finally {
      await pool.destroy();
    }
  });
});
