import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArchiveError,
  archiveEventText,
  archiveHash,
  BeleniosArchiveWriter,
  readArchive,
  writeArchive,
  type ArchiveEntry,
  type ArchiveErrorCode,
  type ReadArchive,
} from '../../src/domain/belenios/archive/archive.js';
import { concatBytes, readTar, TarError, tarEndOfArchive, tarFile, writeTar, type TarErrorCode } from '../../src/domain/belenios/archive/tar.js';
import { webCryptoSha256 as sha256 } from '../../src/domain/belenios/trustee-key.js';
import {
  archiveMembers,
  beleniosTool,
  beleniosToolAddEvent,
  beleniosToolBallot,
  beleniosToolSkipReason,
  beleniosToolVerifies,
  createBeleniosToolElection,
  type BeleniosToolElection,
} from '../support/belenios-tool.js';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text);

async function archiveErrorCode(promise: Promise<unknown>): Promise<ArchiveErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof ArchiveError) return error.code;
    throw error;
  }
}

function tarErrorCode(run: () => unknown): TarErrorCode | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    if (error instanceof TarError) return error.code;
    throw error;
  }
}

/** Rewrites a header's checksum after an edit, so the edit itself is what the reader sees. */
function fixChecksum(bytes: Uint8Array, headerOffset: number): void {
  const header = bytes.subarray(headerOffset, headerOffset + 512);
  header.fill(0x20, 148, 156);
  const sum = header.reduce((n, b) => n + b, 0);
  header.set(bytesOf(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
}

describe('tar (old-style, regular files)', () => {
  const files = [
    { name: 'BELENIOS', content: bytesOf('{"version":1,"timestamp":"1795565516"}'), mtime: 1795565516 },
    { name: 'empty', content: new Uint8Array(0), mtime: 0 },
    { name: 'a'.repeat(100), content: new Uint8Array(511).fill(7), mtime: 1 },
    { name: 'été.json', content: new Uint8Array(512).fill(8), mtime: 2 },
    { name: 'x', content: new Uint8Array(513).fill(9), mtime: 8 ** 11 - 1 },
  ];

  it('round-trips names, contents, sizes and mtimes, with or without the end-of-archive marker', () => {
    for (const endMarker of [true, false]) {
      const bytes = writeTar(files, { endMarker });
      expect(bytes.length % 512).toBe(0);
      const read = readTar(bytes);
      expect(read.endMarker).toBe(endMarker);
      expect(read.members.map((m) => [m.name, m.size, m.mtime, m.mode, m.uid, m.gid, m.typeflag, m.canonical])).toEqual(
        files.map((f) => [f.name, f.content.length, f.mtime, 0o644, 0, 0, '0', true]),
      );
      read.members.forEach((m, i) => expect(m.content).toEqual(files[i]!.content));
    }
  });

  it('writes the header byte for byte as belenios-tool 2.0 does (v7, no ustar magic)', () => {
    const header = tarFile(files[0]!).subarray(0, 512);
    const latin1 = new TextDecoder('latin1');
    expect(latin1.decode(header.subarray(0, 100))).toBe('BELENIOS'.padEnd(100, '\0'));
    // mode, uid, gid, size (38 = 0o46), mtime, checksum (6 digits, NUL, space), typeflag '0'
    expect(latin1.decode(header.subarray(100, 157))).toBe('0000644\u00000000000\u00000000000\u000000000000046\u000015301423714\u0000005710\u0000 0');
    expect(header.subarray(157).every((b) => b === 0)).toBe(true);
  });

  it('is read by GNU tar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'urne-tar-'));
    try {
      writeFileSync(join(dir, 'a.tar'), writeTar(files, { endMarker: false }));
      const listing = execFileSync('tar', ['--utc', '-tvf', join(dir, 'a.tar')], { encoding: 'utf8' }).trim().split('\n');
      expect(listing.map((line) => line.split(/\s+/).pop())).toEqual(files.map((f) => f.name));
      expect(listing[0]).toMatch(/^-rw-r--r-- 0\/0\s+38 2026-11-25 00:11 BELENIOS$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads what GNU tar writes in ustar format, and says it is not canonical', () => {
    const dir = mkdtempSync(join(tmpdir(), 'urne-tar-'));
    try {
      writeFileSync(join(dir, 'f.json'), '{"a":1}');
      execFileSync('tar', ['--format=ustar', '--owner=0', '--group=0', '-cf', 'u.tar', 'f.json'], { cwd: dir });
      const read = readTar(new Uint8Array(readFileSync(join(dir, 'u.tar'))));
      expect(read.endMarker).toBe(true);
      expect(read.members.map((m) => [m.name, new TextDecoder().decode(m.content), m.canonical])).toEqual([['f.json', '{"a":1}', false]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses names longer than 100 bytes (counted in UTF-8), empty names and NUL', () => {
    expect(tarErrorCode(() => tarFile({ name: 'a'.repeat(101), content: new Uint8Array(0), mtime: 0 }))).toBe('NameTooLong');
    expect(tarErrorCode(() => tarFile({ name: 'é'.repeat(51), content: new Uint8Array(0), mtime: 0 }))).toBe('NameTooLong');
    expect(tarErrorCode(() => tarFile({ name: 'é'.repeat(50), content: new Uint8Array(0), mtime: 0 }))).toBe('no error');
    expect(tarErrorCode(() => tarFile({ name: '', content: new Uint8Array(0), mtime: 0 }))).toBe('BadName');
    expect(tarErrorCode(() => tarFile({ name: 'a\0b', content: new Uint8Array(0), mtime: 0 }))).toBe('BadName');
    expect(tarErrorCode(() => tarFile({ name: 'a', content: new Uint8Array(0), mtime: 8 ** 11 }))).toBe('BadHeader');
  });

  it('refuses a header whose checksum does not match, whichever byte changed', () => {
    const good = writeTar(files);
    for (const at of [0, 99, 100, 124, 136, 148, 155, 156, 300, 511, 1024 + 5]) {
      const bad = good.slice();
      bad[at] = bad[at]! ^ 0x01;
      expect([at, tarErrorCode(() => readTar(bad))]).toEqual([at, 'BadChecksum']);
    }
  });

  it('refuses truncated archives, bad numbers, other file types and data after the end marker', () => {
    const good = writeTar(files, { endMarker: false });
    expect(tarErrorCode(() => readTar(good.subarray(0, good.length - 512)))).toBe('Truncated');
    expect(tarErrorCode(() => readTar(good.subarray(0, good.length - 1)))).toBe('Truncated');
    expect(tarErrorCode(() => readTar(good.subarray(0, 100)))).toBe('Truncated');

    const badSize = good.slice();
    badSize.set(bytesOf('0000000009x\0'), 124);
    fixChecksum(badSize, 0);
    expect(tarErrorCode(() => readTar(badSize))).toBe('BadHeader');

    const tooBig = good.slice();
    tooBig.set(bytesOf('77777777777\0'), 124);
    fixChecksum(tooBig, 0);
    expect(tarErrorCode(() => readTar(tooBig))).toBe('Truncated');

    const symlink = good.slice();
    symlink[156] = 0x32;
    fixChecksum(symlink, 0);
    expect(tarErrorCode(() => readTar(symlink))).toBe('UnsupportedType');

    const trailing = concatBytes([good, tarEndOfArchive(), new Uint8Array([1])]);
    expect(tarErrorCode(() => readTar(trailing))).toBe('TrailingData');
    expect(readTar(new Uint8Array(0)).members).toEqual([]);
  });
});

describe('archive writer and reader, on their own', () => {
  it('chains events, refuses what belenios-tool could not have written, and resumes', async () => {
    const writer = new BeleniosArchiveWriter(sha256);
    await expect(writer.addData('{}')).rejects.toMatchObject({ code: 'WriterState' });
    const start = writer.start(1700000000);
    expect(() => writer.start(1700000000)).toThrow(ArchiveError);
    expect(await archiveErrorCode(writer.addData('{"a":1}\n'))).toBe('BadData');
    expect(await archiveErrorCode(writer.addData('not json'))).toBe('BadData');
    expect(await archiveErrorCode(writer.addEvent({ type: 'Setup', payloadHash: 'f'.repeat(64) }))).toBe('MissingPayload');
    expect(await archiveErrorCode(writer.addEvent({ type: 'Vote' as never }))).toBe('BadEvent');
    const data = await writer.addData('{"a":1}');
    expect(data.hash).toBe(await archiveHash('{"a":1}', sha256));
    // not awaited one by one: the writer keeps the order and the chain
    const [setup, end] = await Promise.all([writer.addEvent({ type: 'Setup', payloadHash: data.hash }), writer.addEvent({ type: 'EndBallots' })]);
    expect(archiveEventText(setup.event)).toBe(`{"height":0,"type":"Setup","payload":"${data.hash}"}`);
    expect(archiveEventText(end.event)).toBe(`{"parent":"${setup.hash}","height":1,"type":"EndBallots"}`);

    const soFar = concatBytes([start, data.bytes, setup.bytes, end.bytes]);
    const read = await readArchive(soFar, sha256);
    expect(read.canonical).toBe(true);
    expect(read.events.map((e) => [e.event.type, e.event.height, e.payloadText])).toEqual([
      ['Setup', 0, '{"a":1}'],
      ['EndBallots', 1, undefined],
    ]);

    const resumed = BeleniosArchiveWriter.resume(sha256, read.writerState);
    const result = await resumed.addData('{"result":[[1]]}');
    const last = await resumed.addEvent({ type: 'Result', payloadHash: result.hash });
    expect(last.event).toEqual({ parent: end.hash, height: 2, type: 'Result', payload: result.hash });
    expect(await resumed.finish()).toEqual(new Uint8Array(0));
    expect(await archiveErrorCode(resumed.addEvent({ type: 'Result' }))).toBe('WriterState');

    const whole = await writeArchive(
      '1700000000',
      [
        { kind: 'data', text: '{"a":1}' },
        { kind: 'event', type: 'Setup', payloadHash: data.hash },
        { kind: 'event', type: 'EndBallots' },
        { kind: 'data', text: '{"result":[[1]]}' },
        { kind: 'event', type: 'Result', payloadHash: result.hash },
      ],
      sha256,
    );
    expect(whole.bytes).toEqual(concatBytes([soFar, result.bytes, last.bytes]));
    expect(whole.hashes).toEqual([data.hash, setup.hash, end.hash, result.hash, last.hash]);
  });

  it('refuses bad timestamps and headers', async () => {
    for (const bad of [-1, 1.5, '01', '1e9', 8 ** 11, '']) expect(() => new BeleniosArchiveWriter(sha256).start(bad)).toThrow(expect.objectContaining({ code: 'BadTimestamp' }) as never);
    const notFirst = writeTar([{ name: 'x.data.json', content: bytesOf('{}'), mtime: 0 }], { endMarker: false });
    expect(await archiveErrorCode(readArchive(notFirst, sha256))).toBe('BadHeader');
    const badVersion = writeTar([{ name: 'BELENIOS', content: bytesOf('{"version":2,"timestamp":"1"}'), mtime: 1 }], { endMarker: false });
    expect(await archiveErrorCode(readArchive(badVersion, sha256))).toBe('BadHeader');
    expect(await archiveErrorCode(readArchive(new Uint8Array(0), sha256))).toBe('NotTar');
    expect(await archiveErrorCode(readArchive(bytesOf('hello'), sha256))).toBe('NotTar');
  });
});

/** One election run by belenios-tool alone, from setup to result; snapshots of its archive on the way, and every part it produced. */
interface ToolRun {
  election: BeleniosToolElection;
  afterSetup: Uint8Array;
  afterBallots: Uint8Array;
  full: Uint8Array;
  ballots: string[];
  encryptedTallyLines: string[];
  partialDecryptionLines: string[];
  resultLine: string;
}

describe(`archive against belenios-tool 2.0${beleniosToolSkipReason}`, () => {
  const describeOrSkip = beleniosToolSkipReason ? describe.skip : describe;
  let root: string;
  let run: ToolRun;
  let verifyCount = 0;

  /** belenios-tool `election verify --dir` on a directory holding only `bytes` as `<uuid>.bel`. */
  function toolVerifies(bytes: Uint8Array): { ok: boolean; output: string } {
    const dir = join(root, `verify-${verifyCount++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, `${run.election.uuid}.bel`), bytes);
    return beleniosToolVerifies(dir);
  }

  /** Our writer, fed the members (texts, event types and payloads) of an archive we read. */
  async function rewrite(read: ReadArchive): Promise<Uint8Array> {
    const entries: ArchiveEntry[] = read.members.map((m) => {
      if (m.kind === 'data') return { kind: 'data', text: m.text };
      const { event } = read.events.find((e) => e.hash === m.hash)!;
      return event.payload === undefined ? { kind: 'event', type: event.type } : { kind: 'event', type: event.type, payloadHash: event.payload };
    });
    return (await writeArchive(read.header.timestamp, entries, sha256)).bytes;
  }

  describeOrSkip('with an election run by belenios-tool', () => {
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'urne-bel-'));
      const election = createBeleniosToolElection(join(root, 'tool'), {
        questions: [{ question: 'Q?', answers: ['Yes', 'No'], min: 0, max: 1 }],
        voters: 3,
      });
      const { dir } = election;
      const afterSetup = new Uint8Array(readFileSync(election.archive));
      const ballots = [[[0, 1]], [[1, 0]], [[0, 1]]].map((choices, i) => beleniosToolBallot(dir, election.privateCredentials[i]!, choices));
      for (const ballot of ballots) beleniosToolAddEvent(dir, 'Ballot', ballot);
      const afterBallots = new Uint8Array(readFileSync(election.archive));
      beleniosToolAddEvent(dir, 'EndBallots');
      const encryptedTally = beleniosTool(['election', 'compute-encrypted-tally'], { cwd: dir });
      beleniosToolAddEvent(dir, 'EncryptedTally', encryptedTally);
      const partialDecryption = beleniosTool(['election', 'decrypt', '--privkey', election.privateKeyFiles[0]!, '--trustee-id', '1'], { cwd: dir });
      beleniosToolAddEvent(dir, 'PartialDecryption', partialDecryption);
      const result = beleniosTool(['election', 'compute-result'], { cwd: dir });
      beleniosToolAddEvent(dir, 'Result', result);
      run = {
        election,
        afterSetup,
        afterBallots,
        full: new Uint8Array(readFileSync(election.archive)),
        ballots,
        encryptedTallyLines: encryptedTally.trim().split('\n'),
        partialDecryptionLines: partialDecryption.trim().split('\n'),
        resultLine: result.trim(),
      };
    }, 120_000);

    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('reads the archive belenios-tool wrote after setup: header, setup payloads, one Setup event', async () => {
      const read = await readArchive(run.afterSetup, sha256);
      expect(read.header.version).toBe(1);
      expect(read.headerText).toBe(`{"version":1,"timestamp":"${read.header.timestamp}"}`);
      expect(read.canonical).toBe(true);
      expect(read.endMarker).toBe(false);
      expect(archiveMembers(run.election.archive).slice(0, 6)).toEqual(['BELENIOS', ...read.members.map((m) => m.name)]);
      expect(read.members.map((m) => m.kind)).toEqual(['data', 'data', 'data', 'data', 'event']);
      const [electionData, trusteesData, , setupData] = read.members;
      expect(electionData!.text).toBe(run.election.electionJson);
      expect(trusteesData!.text).toBe(run.election.trusteesJson);
      expect(read.events).toHaveLength(1);
      const [setup] = read.events;
      expect(setup!.event).toEqual({ height: 0, type: 'Setup', payload: setupData!.hash });
      expect(setup!.text).toBe(`{"height":0,"type":"Setup","payload":"${setupData!.hash}"}`);
      expect(setup!.payloadText).toBe(JSON.stringify({ election: read.members[0]!.hash, trustees: read.members[1]!.hash, credentials: read.members[2]!.hash }));
    });

    it('reads the archive after three ballots: each Ballot event chained to the previous one, its payload the exact ballot', async () => {
      const read = await readArchive(run.afterBallots, sha256);
      expect(read.events.map((e) => [e.event.type, e.event.height])).toEqual([
        ['Setup', 0],
        ['Ballot', 1],
        ['Ballot', 2],
        ['Ballot', 3],
      ]);
      for (let i = 1; i < read.events.length; i++) expect(read.events[i]!.event.parent).toBe(read.events[i - 1]!.hash);
      expect(read.events.slice(1).map((e) => e.payloadText)).toEqual(run.ballots);
      expect(read.writerState.last).toEqual({ hash: read.events[3]!.hash, height: 3 });
      // append-only: the archive after setup is a prefix of the archive after the ballots
      expect(run.afterBallots.subarray(0, run.afterSetup.length)).toEqual(run.afterSetup);
    });

    it('re-writes each of belenios-tool’s archives byte for byte (same texts, same timestamp)', async () => {
      for (const bytes of [run.afterSetup, run.afterBallots, run.full]) {
        const read = await readArchive(bytes, sha256);
        expect(await rewrite(read)).toEqual(bytes);
      }
      const ours = await rewrite(await readArchive(run.full, sha256));
      const verdict = toolVerifies(ours);
      expect(verdict.output).toContain('all checks passed');
      expect(verdict.ok).toBe(true);
    });

    it('streams: resumed after belenios-tool’s setup, our chunks for the ballots complete it into belenios-tool’s own bytes', async () => {
      const setup = await readArchive(run.afterSetup, sha256);
      const writer = BeleniosArchiveWriter.resume(sha256, setup.writerState);
      const chunks = [run.afterSetup];
      for (const ballot of run.ballots) {
        const data = await writer.addData(ballot);
        chunks.push(data.bytes, (await writer.addEvent({ type: 'Ballot', payloadHash: data.hash })).bytes);
        // at every step the concatenation is a complete archive
        expect((await readArchive(concatBytes(chunks), sha256)).canonical).toBe(true);
      }
      expect(concatBytes(chunks)).toEqual(run.afterBallots);
    });

    it('writes a whole election from belenios-tool’s parts, with its own timestamp, and belenios-tool verifies it', async () => {
      const { election } = run;
      const publicCredentials = (await readArchive(run.afterSetup, sha256)).members[2]!.text;
      const writer = new BeleniosArchiveWriter(sha256);
      const chunks = [writer.start(1767225600)];
      const add = async (text: string) => {
        const chunk = await writer.addData(text);
        chunks.push(chunk.bytes);
        return chunk.hash;
      };
      const event = async (type: Parameters<BeleniosArchiveWriter['addEvent']>[0]['type'], payloadHash?: string) => {
        chunks.push((await writer.addEvent(payloadHash === undefined ? { type } : { type, payloadHash })).bytes);
      };
      const setupData = JSON.stringify({ election: await add(election.electionJson), trustees: await add(election.trusteesJson), credentials: await add(publicCredentials) });
      await event('Setup', await add(setupData));
      for (const ballot of run.ballots) await event('Ballot', await add(ballot));
      await event('EndBallots');
      let last = '';
      for (const line of run.encryptedTallyLines) last = await add(line);
      await event('EncryptedTally', last);
      for (const line of run.partialDecryptionLines) last = await add(line);
      await event('PartialDecryption', last);
      await event('Result', await add(run.resultLine));
      chunks.push(await writer.finish());
      const ours = concatBytes(chunks);

      const read = await readArchive(ours, sha256);
      expect(read.events.map((e) => e.event.type)).toEqual(['Setup', 'Ballot', 'Ballot', 'Ballot', 'EndBallots', 'EncryptedTally', 'PartialDecryption', 'Result']);
      // the same content as belenios-tool's archive, only the timestamp differs
      expect(read.members.map((m) => m.text)).toEqual((await readArchive(run.full, sha256)).members.map((m) => m.text));
      const verdict = toolVerifies(ours);
      expect(verdict.output).toContain('all checks passed');
      expect(verdict.output).not.toContain('no result to check');
      expect(verdict.ok).toBe(true);
    });

    it('public_credentials is the bare list of credentials: public_creds.json as-is (with ",weight,id" suffixes) is refused', async () => {
      const { election } = run;
      const archived = JSON.parse((await readArchive(run.afterSetup, sha256)).members[2]!.text) as string[];
      const file = JSON.parse(election.publicCredentialsJson) as string[];
      expect(file.map((line) => line.split(',')[0])).toEqual(archived);
      const hashes = await Promise.all([election.electionJson, election.trusteesJson, election.publicCredentialsJson].map((text) => archiveHash(text, sha256)));
      const setupData = JSON.stringify({ election: hashes[0], trustees: hashes[1], credentials: hashes[2] });
      const { bytes } = await writeArchive(
        1767225600,
        [
          { kind: 'data', text: election.electionJson },
          { kind: 'data', text: election.trusteesJson },
          { kind: 'data', text: election.publicCredentialsJson },
          { kind: 'data', text: setupData },
          { kind: 'event', type: 'Setup', payloadHash: await archiveHash(setupData, sha256) },
          // belenios-tool only reads the credentials to check a ballot
          { kind: 'data', text: run.ballots[0]! },
          { kind: 'event', type: 'Ballot', payloadHash: await archiveHash(run.ballots[0]!, sha256) },
        ],
        sha256,
      );
      expect((await readArchive(bytes, sha256)).events).toHaveLength(2);
      const verdict = toolVerifies(bytes);
      expect(verdict.ok).toBe(false);
      expect(verdict.output).toContain('is not a valid public credential');
    });

    describe('tampering: our reader refuses with the right code, and belenios-tool refuses too', () => {
      /** The archive after the ballots, re-assembled member by member with `edit` applied. */
      async function tampered(edit: (members: { name: string; text: string }[], read: ReadArchive) => { name: string; text: string }[]): Promise<Uint8Array> {
        const read = await readArchive(run.afterBallots, sha256);
        const mtime = Number(read.header.timestamp);
        const members = edit(
          read.members.map((m) => ({ name: m.name, text: m.text })),
          read,
        );
        return concatBytes([tarFile({ name: 'BELENIOS', content: bytesOf(read.headerText), mtime }), ...members.map((m) => tarFile({ name: m.name, content: bytesOf(m.text), mtime }))]);
      }

      /** `toolSays`: belenios-tool's reason, so that it is refused for the same cause. */
      async function expectRefused(bytes: Uint8Array, code: ArchiveErrorCode, toolSays: RegExp): Promise<void> {
        expect(await archiveErrorCode(readArchive(bytes, sha256))).toBe(code);
        const verdict = toolVerifies(bytes);
        expect(verdict.ok).toBe(false);
        expect(verdict.output).not.toContain('all checks passed');
        expect(verdict.output).toMatch(toolSays);
      }

      it('the untampered re-assembly passes both (the control)', async () => {
        const bytes = await tampered((members) => members);
        expect(bytes).toEqual(run.afterBallots);
        expect((await readArchive(bytes, sha256)).canonical).toBe(true);
        expect(toolVerifies(bytes).ok).toBe(true);
      });

      it('a changed byte in a ballot payload: BadHash', async () => {
        const bytes = run.afterBallots.slice();
        const read = await readArchive(run.afterBallots, sha256);
        const ballot = read.members.find((m) => m.text === run.ballots[1])!;
        const at = ballot.offset + 512 + ballot.text.indexOf('"credential":"') + 14;
        bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
        await expectRefused(bytes, 'BadHash', /belenios-tool: hash [0-9a-f]{64} found instead of [0-9a-f]{64}/);
      });

      it('a removed Ballot event: BrokenChain', async () => {
        const bytes = await tampered((members, read) => members.filter((m) => m.name !== `${read.events[2]!.hash}.event.json`));
        await expectRefused(bytes, 'BrokenChain', /belenios-tool: hash [0-9a-f]{64} not found/);
      });

      it('a wrong parent (the last ballot chained to the Setup event, renamed to its new hash): BrokenChain', async () => {
        const read = await readArchive(run.afterBallots, sha256);
        const lastEvent = read.events[3]!;
        const text = archiveEventText({ ...lastEvent.event, parent: read.events[0]!.hash });
        const name = `${await archiveHash(text, sha256)}.event.json`;
        const bytes = await tampered((members) => members.map((m) => (m.name === `${lastEvent.hash}.event.json` ? { name, text } : m)));
        await expectRefused(bytes, 'BrokenChain', /belenios-tool: inconsistency at height/);
      });

      it('a wrong height (renamed to its new hash): BadHeight', async () => {
        const read = await readArchive(run.afterBallots, sha256);
        const lastEvent = read.events[3]!;
        const text = archiveEventText({ ...lastEvent.event, height: 7 });
        const name = `${await archiveHash(text, sha256)}.event.json`;
        const bytes = await tampered((members) => members.map((m) => (m.name === `${lastEvent.hash}.event.json` ? { name, text } : m)));
        await expectRefused(bytes, 'BadHeight', /belenios-tool: inconsistency at height/);
      });

      it('a removed ballot payload: MissingPayload', async () => {
        const bytes = await tampered((members, read) => members.filter((m) => m.name !== `${read.events[3]!.event.payload}.data.json`));
        await expectRefused(bytes, 'MissingPayload', /belenios-tool: hash [0-9a-f]{64} not found/);
      });

      it('an end-of-archive marker: our reader reads it (not canonical), belenios-tool refuses it', async () => {
        const bytes = concatBytes([run.afterBallots, tarEndOfArchive()]);
        const read = await readArchive(bytes, sha256);
        expect([read.endMarker, read.canonical, read.events.length]).toEqual([true, false, 4]);
        const verdict = toolVerifies(bytes);
        expect(verdict.ok).toBe(false);
        expect(verdict.output).toContain('Int64.of_string'); // it parses the zero block as a header
      });

      it('a member mtime other than the header timestamp: readable, not canonical, and belenios-tool refuses it', async () => {
        const read = await readArchive(run.afterBallots, sha256);
        const mtime = Number(read.header.timestamp);
        const last = read.members.at(-1)!;
        const bytes = concatBytes([run.afterBallots.subarray(0, last.offset), tarFile({ name: last.name, content: bytesOf(last.text), mtime: mtime + 60 })]);
        const reread = await readArchive(bytes, sha256);
        expect([reread.canonical, reread.events.length]).toEqual([false, 4]);
        const verdict = toolVerifies(bytes);
        expect(verdict.ok).toBe(false);
        expect(verdict.output).toContain('generated archive is not identical to original one');
      });
    });
  });
});
