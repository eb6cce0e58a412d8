import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArchive } from '../../src/domain/belenios/archive/archive.js';
import { webCryptoSha256 } from '../../src/domain/belenios/trustee-key.js';
import { ballotBoxStream } from '../../src/domain/vote/vote.events.js';
import { credentialsStream, voteStream } from '../../src/domain/vote/vote-setup.events.js';
import {
  BeleniosExportError,
  exportBeleniosArchive,
  exportBeleniosArchiveToFile,
  type BeleniosExportErrorCode,
  type BeleniosExportSummary,
} from '../../src/infrastructure/belenios-export/belenios-archive-export.js';
import type { JsonObject } from '../../src/infrastructure/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { startServer } from '../../src/main.js';
import {
  beleniosTool,
  beleniosToolAddEvent,
  beleniosToolBallot,
  beleniosToolSkipReason,
  beleniosToolVerifies,
  createBeleniosToolElection,
  type BeleniosToolElection,
} from '../support/belenios-tool.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const describeOrSkip = beleniosToolSkipReason ? describe.skip : describe;
const ELECTION = 'paris-2013';

/** Belenios' hash of a ballot (its tracking number): SHA-256, base 64 without padding. */
const trackingNumber = (ballot: string) => createHash('sha256').update(ballot).digest('base64').replace(/=+$/, '');

/** The same archive in memory (the function, not the file). */
async function exportBytes(store: SqliteEventStore, round = 1): Promise<{ bytes: Uint8Array; summary: BeleniosExportSummary }> {
  const chunks: Uint8Array[] = [];
  const summary = await exportBeleniosArchive(store, { electionId: ELECTION, round }, (chunk) => {
    chunks.push(chunk.slice());
  });
  return { bytes: new Uint8Array(Buffer.concat(chunks)), summary };
}

async function exportErrorCode(promise: Promise<unknown>): Promise<BeleniosExportErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof BeleniosExportError) return error.code;
    throw error;
  }
}

describe(`urne export belenios: a round's record as a Belenios 2.0 archive, checked by belenios-tool${beleniosToolSkipReason}`, () => {
  describeOrSkip('with an election made by belenios-tool, recorded as our events', () => {
    let tmp: string;
    let dataDir: string;
    let store: SqliteEventStore;
    let tool: BeleniosToolElection;
    /** belenios-tool's own archive of the same election, run to the result on a copy of its directory. */
    let reference: Uint8Array;
    let ballots: string[];
    let tallyLines: string[];
    let partialDecryptionLines: string[][];
    let resultLine: string;
    let keyPublishedAt: string;
    let verifyCount = 0;
    const snapshots: Record<'setup' | 'twoBallots' | 'fourBallots' | 'result', Uint8Array> = {} as never;

    const envelope = (type: string, data: JsonObject) => ({
      id: randomUUID(),
      type,
      data,
      metadata: { correlationId: randomUUID(), actor: 'system:test', schemaVersion: 1, occurredAt: new Date().toISOString() },
    });
    const append = (stream: string, ...events: ReturnType<typeof envelope>[]) => store.appendToStream(stream, events);
    const base = { electionId: ELECTION, round: 1 } as const;

    function verify(bytes: Uint8Array): { ok: boolean; output: string } {
      const dir = join(tmp, `verify-${verifyCount++}`);
      mkdirSync(dir);
      writeFileSync(join(dir, `${tool.uuid}.bel`), bytes);
      return beleniosToolVerifies(dir);
    }

    async function acceptBallots(from: number, to: number) {
      for (const ballot of ballots.slice(from, to)) {
        const credential = (JSON.parse(ballot) as { credential: string }).credential;
        await append(ballotBoxStream(ELECTION, 1), envelope('BallotAccepted', { ...base, ballot, trackingNumber: trackingNumber(ballot), credential, replaces: null, at: new Date().toISOString() }));
      }
    }

    const votePrepared = (electionId: string, uuid: string) =>
      envelope('VotePrepared', {
        electionId,
        round: 1,
        beleniosUuid: uuid,
        group: 'BELENIOS-2048',
        title: 'Test',
        candidates: [
          { candidateId: 'a', name: 'A' },
          { candidateId: 'b', name: 'B' },
          { candidateId: 'c', name: 'C' },
        ],
        blankAllowed: true,
        revotePolicy: 'last',
        credentialRecovery: 'keep',
        trustees: { singles: ['t1', 't2'], thresholdGroup: null },
        serverKey: '{}',
        at: keyPublishedAt,
      });

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'urne-export-'));
      dataDir = join(tmp, 'data');
      tool = createBeleniosToolElection(join(tmp, 'tool'), {
        questions: [{ question: 'Maire ?', answers: ['A', 'B', 'C'], min: 1, max: 1, blank: true }],
        voters: 5,
        trustees: 2,
      });
      ballots = [[[0, 1, 0, 0]], [[0, 0, 1, 0]], [[0, 1, 0, 0]], [[1, 0, 0, 0]]].map((choices, i) => beleniosToolBallot(tool.dir, tool.privateCredentials[i]!, choices));

      // belenios-tool runs the whole election on a copy of its directory: its tally, partial decryptions and result become our events.
      const ref = join(tmp, 'ref');
      cpSync(tool.dir, ref, { recursive: true });
      for (const ballot of ballots) beleniosToolAddEvent(ref, 'Ballot', ballot);
      beleniosToolAddEvent(ref, 'EndBallots');
      const tally = beleniosTool(['election', 'compute-encrypted-tally'], { cwd: ref });
      tallyLines = tally.trim().split('\n');
      beleniosToolAddEvent(ref, 'EncryptedTally', tally);
      partialDecryptionLines = [];
      for (const [index, key] of tool.privateKeyFiles.entries()) {
        const partial = beleniosTool(['election', 'decrypt', '--privkey', key, '--trustee-id', String(index + 1)], { cwd: ref });
        partialDecryptionLines.push(partial.trim().split('\n'));
        beleniosToolAddEvent(ref, 'PartialDecryption', partial);
      }
      const result = beleniosTool(['election', 'compute-result'], { cwd: ref });
      resultLine = result.trim();
      beleniosToolAddEvent(ref, 'Result', result);
      reference = new Uint8Array(readFileSync(join(ref, `${tool.uuid}.bel`)));
      // Our key is published at belenios-tool's archive timestamp, so the two archives can be compared byte for byte.
      const { timestamp } = (await readArchive(reference, webCryptoSha256)).header;
      keyPublishedAt = new Date(Number(timestamp) * 1000 + 420).toISOString();

      store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
      await append(voteStream(ELECTION, 1), votePrepared(ELECTION, tool.uuid));
      const credentials = (JSON.parse(tool.publicCredentialsJson) as string[]).map((line) => line.split(',')[0]!);
      await append(credentialsStream(ELECTION, 1), envelope('PublicCredentialsPublished', { ...base, batch: 0, credentials: credentials.slice(0, 2) }), envelope('PublicCredentialsPublished', { ...base, batch: 1, credentials: credentials.slice(2) }));
      await append(voteStream(ELECTION, 1), envelope('PublicCredentialsHandedOver', { ...base, count: credentials.length, fingerprint: 'x', stream: credentialsStream(ELECTION, 1), at: keyPublishedAt }));
    }, 180_000);

    afterAll(async () => {
      await store?.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('refuses a round whose election key is not published yet (NotKeyed), an unknown round (UnknownRound) and an unknown election (UnknownElection)', async () => {
      await expect(exportBytes(store)).rejects.toThrow(/no election key yet/);
      expect(await exportErrorCode(exportBytes(store))).toBe('NotKeyed');
      expect(await exportErrorCode(exportBytes(store, 2))).toBe('UnknownRound');
      expect(await exportErrorCode(exportBeleniosArchive(store, { electionId: 'lyon-2014', round: 1 }, () => undefined))).toBe('UnknownElection');
      expect(await exportErrorCode(exportBeleniosArchive(store, { electionId: 'no such id', round: 1 }, () => undefined))).toBe('UnknownElection');
    });

    it('after set-up: header at the key publication, election, trustees, credentials (batches joined), Setup; belenios-tool verifies it', async () => {
      await append(voteStream(ELECTION, 1), envelope('ElectionKeyPublished', { ...base, election: tool.electionJson, trustees: tool.trusteesJson, publicKey: '1', at: keyPublishedAt }));
      await append(voteStream(ELECTION, 1), envelope('VoteSealed', { ...base, fingerprints: { election: 'e', candidates: 'c', publicCredentials: 'p', trustees: 't', code: 'x' }, seal: 's', at: keyPublishedAt }));
      const { bytes, summary } = await exportBytes(store);
      snapshots.setup = bytes;
      expect(summary).toMatchObject({ uuid: tool.uuid, stage: 'setup', ballots: 0, events: 1, timestamp: String(Math.floor(Date.parse(keyPublishedAt) / 1000)) });
      // belenios-tool's own archive after `archive init` is the same bytes
      expect(bytes).toEqual(reference.subarray(0, bytes.length));
      const read = await readArchive(bytes, webCryptoSha256);
      expect(read.members.slice(0, 3).map((m) => m.text)).toEqual([tool.electionJson, tool.trusteesJson, JSON.stringify((JSON.parse(tool.publicCredentialsJson) as string[]).map((l) => l.split(',')[0]))]);
      const verdict = verify(bytes);
      expect(verdict.output).toContain('all checks passed');
      expect(verdict.ok).toBe(true);
    });

    it('during the vote: up to the last accepted ballot; a later export extends the earlier one byte for byte; both verify', async () => {
      await append(ballotBoxStream(ELECTION, 1), envelope('BallotBoxOpened', { ...base, beleniosUuid: tool.uuid, sealFingerprint: 's', at: keyPublishedAt }));
      await acceptBallots(0, 2);
      const first = await exportBytes(store);
      expect(first.summary).toMatchObject({ stage: 'voting', ballots: 2, events: 3 });
      expect((await exportBytes(store)).bytes).toEqual(first.bytes); // deterministic
      await acceptBallots(2, 4);
      const second = await exportBytes(store);
      expect(second.summary).toMatchObject({ stage: 'voting', ballots: 4, events: 5 });
      expect(second.bytes.length).toBeGreaterThan(first.bytes.length);
      expect(second.bytes.subarray(0, first.bytes.length)).toEqual(first.bytes);
      expect(first.bytes.subarray(0, snapshots.setup.length)).toEqual(snapshots.setup);
      // the ballots, in acceptance order, are what belenios-tool archived
      expect(second.bytes).toEqual(reference.subarray(0, second.bytes.length));
      snapshots.twoBallots = first.bytes;
      snapshots.fourBallots = second.bytes;
      for (const bytes of [first.bytes, second.bytes]) {
        const verdict = verify(bytes);
        expect(verdict.output).toContain('all checks passed');
        expect(verdict.ok).toBe(true);
      }
    });

    it('after the result: EndBallots, EncryptedTally, one PartialDecryption per trustee, Result; byte for byte belenios-tool’s own archive; verified, with our result', async () => {
      await append(ballotBoxStream(ELECTION, 1), envelope('BallotBoxClosed', { ...base, by: 'schedule', acceptedBallots: 4, countedBallots: 4, at: new Date().toISOString() }));
      const closed = await exportBytes(store);
      expect(closed.summary).toMatchObject({ stage: 'closed', events: 6 });
      const sized = JSON.parse(tallyLines[1]!) as { num_tallied: number; total_weight: number | string };
      await append(
        voteStream(ELECTION, 1),
        envelope('EncryptedTallyComputed', { ...base, encryptedTally: tallyLines[0]!, numTallied: sized.num_tallied, totalWeight: String(sized.total_weight), seal: 's', at: new Date().toISOString() }),
      );
      expect((await exportBytes(store)).summary).toMatchObject({ stage: 'tallied', events: 7 });
      for (const [index, lines] of partialDecryptionLines.entries()) {
        await append(voteStream(ELECTION, 1), envelope('PartialDecryptionAccepted', { ...base, trusteeId: `t${index + 1}`, owner: index + 1, partialDecryption: lines[0]!, at: new Date().toISOString() }));
      }
      await append(voteStream(ELECTION, 1), envelope('ResultComputed', { ...base, result: resultLine, counts: [], blank: 0, countedBallots: 4, at: new Date().toISOString() }));
      await append(voteStream(ELECTION, 1), envelope('ResultCertified', { ...base, winner: 'b', secondRoundNeeded: false, at: new Date().toISOString() }));

      const { bytes, summary } = await exportBytes(store);
      snapshots.result = bytes;
      expect(summary).toMatchObject({ stage: 'result', ballots: 4, partialDecryptions: 2, events: 10, bytes: bytes.length });
      expect(bytes).toEqual(reference);
      expect(bytes.subarray(0, snapshots.fourBallots.length)).toEqual(snapshots.fourBallots);
      const read = await readArchive(bytes, webCryptoSha256);
      expect(read.events.map((e) => e.event.type)).toEqual(['Setup', 'Ballot', 'Ballot', 'Ballot', 'Ballot', 'EndBallots', 'EncryptedTally', 'PartialDecryption', 'PartialDecryption', 'Result']);
      expect(read.events.at(-1)!.payloadText).toBe(resultLine);
      expect(summary.lastEventHash).toBe(read.events.at(-1)!.hash);
      const verdict = verify(bytes);
      expect(verdict.output).toContain('all checks passed');
      expect(verdict.output).not.toContain('no result to check');
      expect(verdict.ok).toBe(true);
      // belenios-tool's own reading of the archive's tally gives the result in our events
      const dir = join(tmp, 'recompute');
      mkdirSync(dir);
      writeFileSync(join(dir, `${tool.uuid}.bel`), bytes);
      expect(beleniosTool(['election', 'compute-result'], { cwd: dir }).trim()).toBe(resultLine);
    });

    it('writes the same bytes to a file (through a .partial file, renamed at the end)', async () => {
      const out = join(tmp, 'export.bel');
      const summary = await exportBeleniosArchiveToFile(store, { electionId: ELECTION, round: 1 }, out);
      expect(new Uint8Array(readFileSync(out))).toEqual(snapshots.result);
      expect(summary.bytes).toBe(statSync(out).size);
      expect(existsSync(`${out}.partial`)).toBe(false);
      const refused = join(tmp, 'refused.bel');
      expect(await exportErrorCode(exportBeleniosArchiveToFile(store, { electionId: ELECTION, round: 2 }, refused))).toBe('UnknownRound');
      expect(existsSync(refused) || existsSync(`${refused}.partial`)).toBe(false);
    });

    describe('the CLI (node bin/urne.js, compiled code)', () => {
      const cli = (args: string[]) => {
        const result = spawnSync(process.execPath, [join(root, 'bin/urne.js'), ...args], {
          cwd: tmp,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, URNE_DATA_DIR: dataDir },
          encoding: 'utf8',
          timeout: 60_000,
        });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
      };

      beforeAll(() => {
        const built = join(root, 'dist/src/infrastructure/belenios-export/belenios-archive-export.js');
        const sources = ['belenios-archive-export.ts', 'belenios-archive.controller.ts', 'export.command.ts'].map((f) => statSync(join(root, 'src/infrastructure/belenios-export', f)).mtimeMs);
        const fresh = () => existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources);
        // tsc emits even when files others are editing do not type-check yet: what matters is that ours are built.
        if (!fresh()) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
        if (!fresh()) throw new Error('npm run build did not produce dist/src/infrastructure/belenios-export');
      }, 180_000);

      it('urne export belenios --election --round --out writes the archive, exit 0, and prints how to verify it', () => {
        const { code, stdout, stderr } = cli(['export', 'belenios', '--election', ELECTION, '--round', '1', '--out', 'x.bel']);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        expect(new Uint8Array(readFileSync(join(tmp, 'x.bel')))).toEqual(snapshots.result);
        expect(stdout).toContain(`uuid ${tool.uuid}`);
        expect(stdout).toContain(`cp x.bel d/${tool.uuid}.bel && belenios-tool election verify --dir d`);
      });

      it('exits 1 with a clear message for an unknown election, an unknown round, or a round without a key; 2 for a bad round', async () => {
        await append(voteStream('lyon-2014', 1), votePrepared('lyon-2014', 'LyonUuid0000001'));
        const unknownElection = cli(['export', 'belenios', '--election', 'nope-2020', '--round', '1', '--out', 'y.bel']);
        expect([unknownElection.code, unknownElection.stderr]).toEqual([1, 'urne: no election "nope-2020"\n']);
        const unknownRound = cli(['export', 'belenios', '--election', ELECTION, '--round', '2', '--out', 'y.bel']);
        expect([unknownRound.code, unknownRound.stderr]).toEqual([1, `urne: election "${ELECTION}" has no round 2 (no events in vote-${ELECTION}.2)\n`]);
        const notKeyed = cli(['export', 'belenios', '--election', 'lyon-2014', '--round', '1', '--out', 'y.bel']);
        expect(notKeyed.code).toBe(1);
        expect(notKeyed.stderr).toMatch(/^urne: round 1 of "lyon-2014" has no election key yet/);
        const badRound = cli(['export', 'belenios', '--election', ELECTION, '--round', 'one', '--out', 'y.bel']);
        expect(badRound.code).toBe(2);
        expect(badRound.stderr).toContain('--round: expected 1 or 2');
        expect(existsSync(join(tmp, 'y.bel'))).toBe(false);
      });
    });

    it('GET /elections/:electionId/rounds/:round/archive.bel streams the same bytes, named <uuid>.bel; 404 for an unknown or unkeyed round', async () => {
      const server = await startServer(loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'warn' }));
      try {
        const response = await fetch(`${server.baseUrl}/elections/${ELECTION}/rounds/1/archive.bel`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/x-tar');
        expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${tool.uuid}.bel"`);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(snapshots.result);
        for (const [path, message] of [
          [`/elections/${ELECTION}/rounds/2/archive.bel`, `election "${ELECTION}" has no round 2`],
          [`/elections/${ELECTION}/rounds/3/archive.bel`, `election "${ELECTION}" has no round 3`],
          ['/elections/nope-2020/rounds/1/archive.bel', 'no election "nope-2020"'],
          ['/elections/lyon-2014/rounds/1/archive.bel', 'has no election key yet'],
        ] as const) {
          const refused = await fetch(`${server.baseUrl}${path}`);
          expect([path, refused.status]).toEqual([path, 404]);
          expect(((await refused.json()) as { message: string }).message).toContain(message);
        }
      } finally {
        await server.app.close();
      }
    }, 60_000);

    it('a tampered event store (one ballot text changed) gives an archive belenios-tool refuses', async () => {
      await store.close();
      const copy = join(tmp, 'tampered');
      mkdirSync(copy);
      cpSync(join(dataDir, 'events.sqlite'), join(copy, 'events.sqlite'));
      const db = new Database(join(copy, 'events.sqlite'));
      const row = db.prepare<[], { position: number; data: string }>("SELECT position, data FROM events WHERE type = 'BallotAccepted' ORDER BY position LIMIT 1 OFFSET 1").get()!;
      const data = JSON.parse(row.data) as { ballot: string };
      // one digit of the first ciphertext's alpha, still valid JSON
      data.ballot = data.ballot.replace(/("alpha":"\d{5})(\d)/, (_, head: string, digit: string) => `${head}${(Number(digit) + 1) % 10}`);
      expect(data.ballot).not.toBe(JSON.parse(row.data).ballot);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
      db.close();
      store = new SqliteEventStore({ file: join(copy, 'events.sqlite') });
      const { bytes } = await exportBytes(store);
      expect(bytes).not.toEqual(snapshots.result);
      const verdict = verify(bytes);
      expect(verdict.ok).toBe(false);
      expect(verdict.output).not.toContain('all checks passed');
      expect(verdict.output).toContain(`error while casting ballot ${trackingNumber(data.ballot)}: invalid ballot`);
    });
  });
});
