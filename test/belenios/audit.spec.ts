import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archiveHash, BeleniosArchiveWriter, readArchive, writeArchive, type ArchiveEntry } from '../../src/domain/belenios/archive/archive.js';
import { auditArchive, type AuditReport } from '../../src/domain/belenios/audit/audit.js';
import { formatAuditReport } from '../../src/domain/belenios/audit/format.js';
import { ballotFromJson, ballotSignedHash, serializeBallot } from '../../src/domain/belenios/ballot.js';
import { credentialSecret } from '../../src/domain/belenios/credentials.js';
import { createBallot } from '../../src/domain/belenios/booth.js';
import { parseElection } from '../../src/domain/belenios/election.js';
import { BELENIOS_2048 } from '../../src/domain/belenios/groups.js';
import { signBallotHash } from '../../src/domain/belenios/proofs.js';
import { nodeBeleniosCrypto } from '../../src/infrastructure/crypto/node-belenios-crypto.js';
import { beleniosTool, beleniosToolAddEvent, beleniosToolBallot, beleniosToolSkipReason, beleniosToolVerifies } from '../support/belenios-tool.js';
import { beleniosToolCeremony } from './threshold-fixtures.js';

/**
 * `auditArchive` on archives made entirely by belenios-tool 2.0 (as its demo.sh and
 * demo-threshold.sh make them): every stage verified, our result equal to its compute-result; and
 * corrupted archives rejected with the precise reason and event.
 */
const crypto = nodeBeleniosCrypto();
const describeWithTool = beleniosToolSkipReason ? describe.skip : describe;
const group = BELENIOS_2048;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const QUESTIONS = [
  { question: 'Maire ?', answers: ['Alice', 'Bruno', 'Chloé'], min: 1, max: 1, blank: true },
  { question: 'Adjoints ?', answers: ['D', 'E', 'F'], min: 0, max: 2 },
];

interface ToolElection {
  dir: string;
  uuid: string;
  archive: string;
  privateCredentials: string[];
}

/**
 * belenios-tool sets up an election in `dir` (credentials, optional threshold.json already there,
 * `singles` Single keys, make-trustees, make-election, archive init). `voters`: lines
 * "address,login,weight" (weighted credentials) or a count.
 */
function setUpToolElection(dir: string, voters: string[] | number, singles: number): ToolElection {
  mkdirSync(dir, { recursive: true });
  const uuid = beleniosTool(['setup', 'generate-token'], { cwd: dir }).trim();
  if (typeof voters === 'number') beleniosTool(['setup', 'generate-credentials', '--uuid', uuid, '--group', group.name, '--count', String(voters)], { cwd: dir });
  else {
    writeFileSync(join(dir, 'voters.txt'), `${voters.join('\n')}\n`);
    beleniosTool(['setup', 'generate-credentials', '--uuid', uuid, '--group', group.name, '--file', 'voters.txt'], { cwd: dir });
  }
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.pubcreds')) renameSync(join(dir, name), join(dir, 'public_creds.json'));
    if (name.endsWith('.privcreds')) renameSync(join(dir, name), join(dir, 'private_creds.txt'));
  }
  for (let i = 0; i < singles; i++) beleniosTool(['setup', 'generate-trustee-key', '--group', group.name], { cwd: dir });
  const publicKeys = readdirSync(dir).filter((name) => name.endsWith('.pubkey')).sort();
  writeFileSync(join(dir, 'public_keys.jsons'), publicKeys.map((name) => readFileSync(join(dir, name), 'utf8').trim()).join('\n') + '\n');
  beleniosTool(['setup', 'make-trustees'], { cwd: dir });
  writeFileSync(join(dir, 'template.json'), JSON.stringify({ description: 'Audit test', name: 'Audit', questions: QUESTIONS }));
  beleniosTool(['setup', 'make-election', '--uuid', uuid, '--group', group.name, '--template', 'template.json'], { cwd: dir });
  beleniosTool(['archive', 'init'], { cwd: dir });
  const privateCredentials = readFileSync(join(dir, 'private_creds.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]!);
  return { dir, uuid, archive: join(dir, `${uuid}.bel`), privateCredentials };
}

const bytesOf = (file: string) => new Uint8Array(readFileSync(file));
const audit = (bytes: Uint8Array) => auditArchive(bytes, crypto);
/** belenios-tool's compute-result on these bytes (in a fresh folder), as our raw result. */
function toolResult(tmp: string, uuid: string, bytes: Uint8Array): string[][] {
  const dir = mkdtempSync(join(tmp, 'compute-'));
  writeFileSync(join(dir, `${uuid}.bel`), bytes);
  const { result } = JSON.parse(beleniosTool(['election', 'compute-result'], { cwd: dir })) as { result: (number | string)[][] };
  return result.map((row) => row.map(String));
}
function toolVerifies(tmp: string, uuid: string, bytes: Uint8Array): boolean {
  const dir = mkdtempSync(join(tmp, 'verify-'));
  writeFileSync(join(dir, `${uuid}.bel`), bytes);
  return beleniosToolVerifies(dir).ok;
}

/** The archive rebuilt by our writer, each member's text passed through `edit` (return null to drop an entry); payload references follow. */
async function rewrite(bytes: Uint8Array, edit: (entry: { kind: 'data' | 'event'; text: string; type?: string; index: number }) => string | null): Promise<Uint8Array> {
  const archive = await readArchive(bytes, crypto.sha256);
  const newHash = new Map<string, string>();
  const entries: ArchiveEntry[] = [];
  for (const [index, member] of archive.members.entries()) {
    if (member.kind === 'data') {
      const text = edit({ kind: 'data', text: member.text, index });
      if (text === null) continue;
      let replaced = text;
      for (const [from, to] of newHash) replaced = replaced.replaceAll(from, to);
      entries.push({ kind: 'data', text: replaced });
      newHash.set(member.hash, await archiveHash(replaced, crypto.sha256));
      continue;
    }
    const event = archive.events.find((e) => e.memberIndex === index)!;
    if (edit({ kind: 'event', text: member.text, type: event.event.type, index }) === null) continue;
    const payload = event.event.payload === undefined ? undefined : (newHash.get(event.event.payload) ?? event.event.payload);
    entries.push(payload === undefined ? { kind: 'event', type: event.event.type } : { kind: 'event', type: event.event.type, payloadHash: payload });
  }
  return (await writeArchive(archive.header.timestamp, entries, crypto.sha256)).bytes;
}

function expectVerified(report: AuditReport, stage: AuditReport['stage']) {
  expect(report.failure).toBeUndefined();
  expect(report.verified).toBe(true);
  expect(report.stage).toBe(stage);
}

describeWithTool(`urne audit belenios: archives made entirely by belenios-tool, verified at every stage; corruptions rejected with the reason${beleniosToolSkipReason}`, () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'urne-audit-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  describe('Single trustees (demo.sh): weighted credentials, revotes', () => {
    let e: ToolElection;
    const stages = {} as Record<'setup' | 'voting' | 'closed' | 'tallied' | 'decrypting' | 'result', Uint8Array>;
    // weights 1, 2, 3, 4, 10
    const votes = [
      [[0, 1, 0, 0], [1, 0, 0]],
      [[0, 0, 1, 0], [0, 1, 1]],
      [[0, 1, 0, 0], [0, 0, 0]],
      [[1, 0, 0, 0], [1, 0, 1]],
      [[0, 0, 0, 1], [0, 1, 0]],
    ];
    const revotes = [
      [1, [[0, 0, 0, 1], [0, 0, 1]]],
      [3, [[0, 1, 0, 0], [1, 1, 0]]],
      [1, [[0, 1, 0, 0], [1, 0, 0]]],
    ] as const;

    beforeAll(() => {
      e = setUpToolElection(join(tmp, 'single'), ['v1@example.org,v1,1', 'v2@example.org,v2,2', 'v3@example.org,v3,3', 'v4@example.org,v4,4', 'v5@example.org,v5,10'], 2);
      stages.setup = bytesOf(e.archive);
      for (const [i, choices] of votes.entries()) beleniosToolAddEvent(e.dir, 'Ballot', beleniosToolBallot(e.dir, e.privateCredentials[i]!, choices));
      for (const [i, choices] of revotes) beleniosToolAddEvent(e.dir, 'Ballot', beleniosToolBallot(e.dir, e.privateCredentials[i]!, choices));
      stages.voting = bytesOf(e.archive);
      beleniosToolAddEvent(e.dir, 'EndBallots');
      stages.closed = bytesOf(e.archive);
      beleniosToolAddEvent(e.dir, 'EncryptedTally', beleniosTool(['election', 'compute-encrypted-tally'], { cwd: e.dir }));
      stages.tallied = bytesOf(e.archive);
      const keys = readdirSync(e.dir).filter((n) => n.endsWith('.privkey')).sort();
      // make-trustees lists the keys in the order of public_keys.jsons, i.e. of the sorted file names
      for (const [i, key] of keys.entries()) beleniosToolAddEvent(e.dir, 'PartialDecryption', beleniosTool(['election', 'decrypt', '--privkey', key, '--trustee-id', String(i + 1)], { cwd: e.dir }));
      stages.decrypting = bytesOf(e.archive);
      beleniosToolAddEvent(e.dir, 'Result', beleniosTool(['election', 'compute-result'], { cwd: e.dir }));
      stages.result = bytesOf(e.archive);
      expect(beleniosToolVerifies(e.dir).ok).toBe(true);
    }, 300_000);

    it('setup only: election, 2 Single trustees, 5 weighted credentials checked; nothing else to check', async () => {
      const report = await audit(stages.setup);
      expectVerified(report, 'setup');
      expect(report.counts).toMatchObject({ events: 1, credentials: 5, trustees: { single: 2, pedersen: [] }, ballots: 0 });
      expect(report.checks.map((c) => [c.name, c.status])).toEqual([
        ['archive', 'passed'],
        ['setup', 'passed'],
        ['ballots', 'not applicable'],
        ['endBallots', 'not applicable'],
        ['encryptedTally', 'not applicable'],
        ['partialDecryptions', 'not applicable'],
        ['result', 'not applicable'],
      ]);
      expect(report.checks[1]!.summary).toContain('5 public credentials distinct, in the group (total weight 20)');
      expect(report.result).toBeUndefined();
    });

    it('voting: 8 ballots, 3 of them revotes replacing 3 earlier ballots (one voter twice)', async () => {
      const report = await audit(stages.voting);
      expectVerified(report, 'voting');
      expect(report.counts).toMatchObject({ ballots: 8, replacedBallots: 3 });
      expect(report.checks.find((c) => c.name === 'ballots')).toMatchObject({ status: 'passed' });
    });

    it('closed and tallied: the tally is last(B) with the credentials’ weights (5 ballots, total weight 20)', async () => {
      expectVerified(await audit(stages.closed), 'closed');
      const report = await audit(stages.tallied);
      expectVerified(report, 'tallied');
      expect(report.counts).toMatchObject({ tallied: 5, totalWeight: '20' });
      expect(report.checks.find((c) => c.name === 'result')).toMatchObject({ status: 'not applicable' });
    });

    it('decrypting (every partial decryption, no Result yet): the result we compute is belenios-tool’s compute-result', async () => {
      const report = await audit(stages.decrypting);
      expectVerified(report, 'decrypting');
      expect(report.result!.published).toBe(false);
      expect(report.result!.raw).toEqual(toolResult(tmp, e.uuid, stages.decrypting));
    });

    it('result: verified; the printed result is belenios-tool’s, per question and answer, with the weights', async () => {
      const report = await audit(stages.result);
      expectVerified(report, 'result');
      expect(report.counts).toMatchObject({ events: 14, ballots: 8, replacedBallots: 3, tallied: 5, partialDecryptions: 2 });
      expect(report.result!.published).toBe(true);
      expect(report.result!.raw).toEqual(toolResult(tmp, e.uuid, stages.decrypting));
      // last(B), choices [blank, Alice, Bruno, Chloé]: v1 (weight 1) Alice / D; v2 (2, twice revoted) Alice / D;
      // v3 (3) Alice / none; v4 (4, revoted) Alice / D, E; v5 (10) Chloé / E
      expect(report.result!.questions).toEqual([
        { question: 'Maire ?', blank: '0', answers: [{ answer: 'Alice', count: '10' }, { answer: 'Bruno', count: '0' }, { answer: 'Chloé', count: '10' }] },
        { question: 'Adjoints ?', answers: [{ answer: 'D', count: '7' }, { answer: 'E', count: '14' }, { answer: 'F', count: '0' }] },
      ]);
      const text = formatAuditReport('x.bel', report, 1.5);
      expect(text).toContain('VERIFIED in 1.5 s: every check passed (stage result)');
      expect(text).toMatch(/ 10 {2}Chloé\n/);
      expect(text).toContain('(blank)');
    });

    it('a changed byte in a ballot: the member’s hash does not match (ArchiveIntegrity, BadHash)', async () => {
      const archive = await readArchive(stages.result, crypto.sha256);
      const ballot = archive.events.filter((x) => x.event.type === 'Ballot')[1]!;
      const member = archive.members.find((m) => m.hash === ballot.event.payload)!;
      const tampered = stages.result.slice();
      const at = member.offset + 512 + member.text.indexOf('"alpha":"') + 12;
      tampered[at] = tampered[at] === 0x31 ? 0x32 : 0x31;
      const report = await audit(tampered);
      expect(report.verified).toBe(false);
      expect(report.failure).toMatchObject({ code: 'ArchiveIntegrity', archiveCode: 'BadHash', check: 'archive' });
      expect(report.failure!.reason).toContain(`the member ${member.name} has SHA-256`);
      expect(report.checks.map((c) => c.status)).toEqual(['failed', 'not reached', 'not reached', 'not reached', 'not reached', 'not reached', 'not reached']);
      expect(formatAuditReport('x.bel', report)).toContain('REJECTED: the member');
    });

    it('a ballot re-added with a valid hash but a broken proof: InvalidBallot at that Ballot event (belenios-tool refuses it too)', async () => {
      const archive = await readArchive(stages.voting, crypto.sha256);
      const third = archive.events.filter((x) => x.event.type === 'Ballot')[2]!;
      // the first individual proof's response, one more, and the ballot signed again with the voter's credential: only the proof is wrong
      const ballot = ballotFromJson(JSON.parse(third.payloadText!));
      const [answer, ...others] = ballot.answers;
      const [proofs, ...otherProofs] = answer!.individualProofs;
      const tamperedProofs = [{ ...proofs![0]!, response: (proofs![0]!.response + 1n) % group.q }, ...proofs!.slice(1)];
      const unsigned = { ...ballot, answers: [{ ...answer!, individualProofs: [tamperedProofs, ...otherProofs] }, ...others] };
      const secret = await credentialSecret(group, e.privateCredentials[2]!, e.uuid, crypto.pbkdf2);
      const hash = await ballotSignedHash(unsigned, crypto.sha256);
      const broken = serializeBallot({ ...unsigned, signature: { hash, proof: await signBallotHash(group, secret, hash, crypto) } });
      const bytes = await rewrite(stages.voting, ({ kind, text }) => (kind === 'data' && text === third.payloadText ? broken : text));
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'InvalidBallot', check: 'ballots', event: { height: third.event.height, type: 'Ballot', ballot: { index: 3 } } });
      expect(report.failure!.reason).toBe('invalid: answer 1, choice 1: the individual proof fails');
      const rewritten = await readArchive(bytes, crypto.sha256);
      expect(report.failure!.event!.hash).toBe(rewritten.events[third.event.height]!.hash);
      expect(toolVerifies(tmp, e.uuid, bytes)).toBe(false);
      expect(toolVerifies(tmp, e.uuid, await rewrite(stages.voting, ({ text }) => text))).toBe(true); // the rewrite alone changes nothing
    });

    it('a wrong result (two counts swapped): WrongResult at the Result event', async () => {
      const bytes = await rewrite(stages.result, ({ kind, text }) => (kind === 'data' && text.startsWith('{"result":') ? text.replace('[0,10,0,10]', '[0,0,10,10]') : text));
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'WrongResult', check: 'result', event: { height: 13, type: 'Result' } });
      expect(report.failure!.reason).toBe('the published result is not the decryption of the tally: question 1, choice 2: 0 is not the decrypted count');
      expect(report.result).toBeUndefined();
    });

    it('a partial decryption from the wrong key (owners swapped): InvalidPartialDecryption at the first one', async () => {
      const bytes = await rewrite(stages.result, ({ kind, text }) =>
        kind === 'data' && text.startsWith('{"owner":') ? text.replace(/^\{"owner":(\d)/, (_, owner: string) => `{"owner":${owner === '1' ? 2 : 1}`) : text,
      );
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'InvalidPartialDecryption', event: { height: 11, type: 'PartialDecryption' } });
      expect(report.failure!.reason).toBe("the partial decryption of trustee 2 does not verify against that trustee's key (Single): wrong shape, factor or proof");
      const unknown = await rewrite(stages.result, ({ kind, text }) => (kind === 'data' && text.startsWith('{"owner":2') ? text.replace('{"owner":2', '{"owner":3') : text));
      expect((await audit(unknown)).failure!.reason).toBe('its owner 3 is not a trustee (the trustees are numbered 1 to 2)');
    });

    it('a missing EndBallots: MissingEndBallots at the EncryptedTally', async () => {
      const bytes = await rewrite(stages.result, ({ kind, type, text }) => (kind === 'event' && type === 'EndBallots' ? null : text));
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'MissingEndBallots', check: 'endBallots', event: { height: 9, type: 'EncryptedTally' } });
      expect(report.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'failed', 'not reached', 'not reached', 'not reached']);
    });

    it('an encrypted tally that counts every ballot (revotes included): WrongEncryptedTally', async () => {
      const bytes = await rewrite(stages.tallied, ({ kind, text }) => (kind === 'data' && text.startsWith('{"num_tallied":5') ? text.replace('"num_tallied":5,"total_weight":20', '"num_tallied":8,"total_weight":20') : text));
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'WrongEncryptedTally', event: { type: 'EncryptedTally' } });
      expect(report.failure!.reason).toBe('num_tallied is 8, but last(B) holds 5 ballots');
    });

    it('a tampered set-up: a trustee’s proof (InvalidTrustees), a credential listed twice (InvalidCredentials), at the Setup event', async () => {
      const archive = await readArchive(stages.voting, crypto.sha256);
      const refs = JSON.parse(archive.events[0]!.payloadText!) as { trustees: string; credentials: string };
      const trustees = archive.data.get(refs.trustees)!;
      const badTrustees = await rewrite(stages.voting, ({ kind, text }) =>
        kind === 'data' && text === trustees ? text.replace(/"response":"(\d+)"/, (_, r: string) => `"response":"${(BigInt(r) + 1n) % group.q}"`) : text,
      );
      const report = await audit(badTrustees);
      expect(report.failure).toMatchObject({ code: 'InvalidTrustees', check: 'setup', event: { height: 0, type: 'Setup' }, reason: 'trustee 1 (Single): the proof of knowledge of its private key is wrong' });
      const credentials = archive.data.get(refs.credentials)!;
      const list = JSON.parse(credentials) as string[];
      const badCredentials = await rewrite(stages.voting, ({ kind, text }) => (kind === 'data' && text === credentials ? JSON.stringify([...list, list[0]]) : text));
      expect((await audit(badCredentials)).failure).toMatchObject({ code: 'InvalidCredentials', reason: `public credential 6 appears twice (${list[0]!.split(',')[0]})` });
    });

    it('a truncated file: ArchiveIntegrity (NotTar, truncated)', async () => {
      const report = await audit(stages.result.subarray(0, stages.result.length - 700));
      expect(report.failure).toMatchObject({ code: 'ArchiveIntegrity', archiveCode: 'NotTar', details: { tarCode: 'Truncated' } });
      expect(report.failure!.reason).toMatch(/^not a readable tar archive: the archive ends in the middle of/);
    });

    describe('the CLI: urne audit belenios <archive.bel> (node bin/urne.js, compiled code)', () => {
      /** 210 ballots made by our booth for this election (10 revotes), written with our archive writer. */
      let large: Uint8Array;
      const file = (name: string, bytes: Uint8Array) => {
        writeFileSync(join(tmp, name), bytes);
        return name;
      };
      const cli = (args: string[]) => {
        const result = spawnSync(process.execPath, [join(root, 'bin/urne.js'), 'audit', 'belenios', ...args], { cwd: tmp, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8', timeout: 120_000 });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
      };

      beforeAll(async () => {
        const built = join(root, 'dist/src/infrastructure/audit/belenios-audit.command.js');
        const sources = ['src/infrastructure/audit/belenios-audit.command.ts', 'src/domain/belenios/audit/audit.ts', 'src/domain/belenios/audit/format.ts'].map((f) => statSync(join(root, f)).mtimeMs);
        const fresh = () => existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources);
        // tsc emits even when files others are editing do not type-check yet: what matters is that ours are built.
        if (!fresh()) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
        if (!fresh()) throw new Error('npm run build did not produce dist/src/infrastructure/audit/belenios-audit.command.js');

        const archive = await readArchive(stages.setup, crypto.sha256);
        const election = await parseElection(archive.data.get((JSON.parse(archive.events[0]!.payloadText!) as { election: string }).election)!, crypto.sha256);
        const writer = BeleniosArchiveWriter.resume(crypto.sha256, archive.writerState);
        const chunks = [stages.setup];
        for (let i = 0; i < 210; i++) {
          const { text } = await createBallot(election, e.privateCredentials[i % 5]!, [[0, 0, 1, 0], [0, 0, i % 2]], crypto);
          const data = await writer.addData(text);
          chunks.push(data.bytes, (await writer.addEvent({ type: 'Ballot', payloadHash: data.hash })).bytes);
        }
        large = new Uint8Array(Buffer.concat(chunks));
      }, 240_000);

      it('a verified archive: exit 0; what was checked, the result per question and answer, the verdict on stdout', () => {
        const { code, stdout, stderr } = cli([file('result.bel', stages.result)]);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        expect(stdout).toContain(`result.bel: Belenios 2.0 archive of "Audit" (uuid ${e.uuid}, BELENIOS-2048)`);
        expect(stdout).toContain('[ok  ] ballots: 8 ballots valid (canonical, this election, group elements, proofs, signature), each credential in the list; 3 replaced by a revote, 5 in last(B)');
        expect(stdout).toContain('[ok  ] encrypted tally: the encrypted tally equals the product of the 5 ballots of last(B) (num_tallied 5, total_weight 20)');
        expect(stdout).toMatch(/result \(published, verified\):\n {2}1\. Maire \?\n {5}10 {2}Alice\n {6}0 {2}Bruno\n {5}10 {2}Chloé\n {6}0 {2}\(blank\)\n {2}2\. Adjoints \?\n {6}7 {2}D\n {5}14 {2}E\n {6}0 {2}F\n/);
        expect(stdout).toMatch(/\nVERIFIED in \d+\.\d s: every check passed \(stage result\)\n$/);
      });

      it('--json: the machine report, its result belenios-tool’s compute-result', () => {
        const { code, stdout } = cli(['--json', file('result.bel', stages.result)]);
        expect(code).toBe(0);
        const report = JSON.parse(stdout) as AuditReport & { file: string; seconds: number };
        expect(report).toMatchObject({ file: 'result.bel', verified: true, stage: 'result', counts: { ballots: 8, replacedBallots: 3, tallied: 5, totalWeight: '20', partialDecryptions: 2 } });
        expect(report.result!.raw).toEqual(toolResult(tmp, e.uuid, stages.decrypting));
        expect(report.checks.every((c) => c.status === 'passed')).toBe(true);
      });

      it('a rejected archive: exit 1, the failing event and the reason (stdout), one line on stderr', async () => {
        const bytes = await rewrite(stages.result, ({ kind, text }) => (kind === 'data' && text.startsWith('{"result":') ? text.replace('[0,10,0,10]', '[0,0,10,10]') : text));
        const { code, stdout, stderr } = cli([file('wrong.bel', bytes)]);
        expect(code).toBe(1);
        expect(stdout).toMatch(/\[FAIL\] result: the published result is not the decryption of the tally: question 1, choice 2: 0 is not the decrypted count\n/);
        expect(stdout).toMatch(/WrongResult at event height 13 \(Result, [0-9a-f]{64}\): the published result/);
        expect(stdout).toContain('REJECTED');
        expect(stderr).toBe('urne: wrong.bel: verification failed: the published result is not the decryption of the tally: question 1, choice 2: 0 is not the decrypted count\n');
        const truncated = cli([file('truncated.bel', stages.result.subarray(0, stages.result.length - 700))]);
        expect(truncated.code).toBe(1);
        expect(truncated.stdout).toContain('ArchiveIntegrity (NotTar): not a readable tar archive: the archive ends in the middle of a block');
        const json = cli(['--json', 'wrong.bel']);
        expect(json.code).toBe(1);
        expect(JSON.parse(json.stdout)).toMatchObject({ verified: false, failure: { code: 'WrongResult', check: 'result', event: { height: 13, type: 'Result' } } });
      });

      it('usage errors exit 2: a missing file, a file that is not an archive, no argument', () => {
        expect(cli(['nope.bel'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^urne: cannot read nope.bel: ENOENT/) });
        writeFileSync(join(tmp, 'notes.txt'), 'not an archive\n');
        expect(cli(['notes.txt'])).toMatchObject({ code: 2, stdout: '', stderr: 'urne: notes.txt is not a Belenios archive: not a readable tar archive: the archive ends in the middle of a block at offset 0 (15 bytes left)\n' });
        expect(cli([]).code).toBe(2);
      });

      it('210 ballots of our booth: verified on worker threads with progress on stderr, the same report as on the main thread', () => {
        const pooled = cli(['--json', file('large.bel', large)]);
        expect(pooled.code).toBe(0);
        expect(pooled.stderr).toMatch(/verifying \[.*\] 100% \| 210\/210 ballots/);
        const main = cli(['--json', '--threads', '0', '--no-progress', 'large.bel']);
        expect(main.stderr).toBe('');
        const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), seconds: 0 });
        expect(strip(pooled.stdout)).toEqual(strip(main.stdout));
        expect(strip(main.stdout)).toMatchObject({ verified: true, stage: 'voting', counts: { ballots: 210, replacedBallots: 205 } });
      });
    });
  });

  describe('a 2-of-3 threshold group and the server’s Single key (demo-threshold.sh)', () => {
    let e: ToolElection;
    let ids: string[];
    const stages = {} as Record<'voting' | 'tallied' | 'oneShare' | 'twoShares' | 'result', Uint8Array>;

    beforeAll(() => {
      const dir = join(tmp, 'threshold');
      mkdirSync(dir);
      ids = beleniosToolCeremony(dir, group, 3, 2).ids;
      e = setUpToolElection(dir, 4, 1);
      const votes = [
        [[0, 1, 0, 0], [1, 1, 0]],
        [[0, 0, 1, 0], [0, 0, 1]],
        [[1, 0, 0, 0], [0, 0, 0]],
        [[0, 1, 0, 0], [0, 1, 0]],
      ];
      for (const [i, choices] of votes.entries()) beleniosToolAddEvent(dir, 'Ballot', beleniosToolBallot(dir, e.privateCredentials[i]!, choices));
      beleniosToolAddEvent(dir, 'Ballot', beleniosToolBallot(dir, e.privateCredentials[2]!, [[0, 0, 0, 1], [1, 0, 0]]));
      stages.voting = bytesOf(e.archive);
      beleniosToolAddEvent(dir, 'EndBallots');
      beleniosToolAddEvent(dir, 'EncryptedTally', beleniosTool(['election', 'compute-encrypted-tally'], { cwd: dir }));
      stages.tallied = bytesOf(e.archive);
      const server = readdirSync(dir).find((n) => n.endsWith('.privkey'))!;
      beleniosToolAddEvent(dir, 'PartialDecryption', beleniosTool(['election', 'decrypt', '--privkey', server, '--trustee-id', '1'], { cwd: dir }));
      // the third member (trustee 4) then the first (trustee 2): 2 of 3
      const decryptThreshold = (j: number) => beleniosTool(['election', 'decrypt-threshold', '--key', `${ids[j]}.key`, '--decryption-key', `${ids[j]}.dkey`, '--trustee-id', String(j + 2)], { cwd: dir });
      beleniosToolAddEvent(dir, 'PartialDecryption', decryptThreshold(2));
      stages.oneShare = bytesOf(e.archive);
      beleniosToolAddEvent(dir, 'PartialDecryption', decryptThreshold(0));
      stages.twoShares = bytesOf(e.archive);
      beleniosToolAddEvent(dir, 'Result', beleniosTool(['election', 'compute-result'], { cwd: dir }));
      stages.result = bytesOf(e.archive);
      expect(beleniosToolVerifies(dir).ok).toBe(true);
    }, 300_000);

    it('voting and tallied: the threshold parameters are checked (certificates, coefexps, verification keys), the election key is their product with the server’s', async () => {
      const voting = await audit(stages.voting);
      expectVerified(voting, 'voting');
      expect(voting.counts).toMatchObject({ trustees: { single: 1, pedersen: [{ threshold: 2, members: 3 }] }, ballots: 5, replacedBallots: 1 });
      expect(voting.checks[1]!.summary).toContain('1 Single trustee and 1 threshold group (2-of-3), every proof valid');
      expectVerified(await audit(stages.tallied), 'tallied');
    });

    it('one share of the group: verified, no result yet (one more share needed)', async () => {
      const report = await audit(stages.oneShare);
      expectVerified(report, 'decrypting');
      expect(report.result).toBeUndefined();
      expect(report.checks.find((c) => c.name === 'result')!.summary).toBe('no result yet: partial decryptions missing from 1 more of trustees 2–4 (Pedersen, 1 of 2 needed)');
    });

    it('two shares (Lagrange over members 3 and 1): our result is belenios-tool’s compute-result; the published one verifies', async () => {
      const computed = await audit(stages.twoShares);
      expectVerified(computed, 'decrypting');
      const expected = toolResult(tmp, e.uuid, stages.twoShares);
      expect(computed.result).toMatchObject({ published: false, raw: expected });
      const report = await audit(stages.result);
      expectVerified(report, 'result');
      expect(report.result).toMatchObject({ published: true, raw: expected });
      expect(report.result!.questions[0]!.answers.map((a) => a.count)).toEqual(['2', '1', '1']);
    });

    it('a share from the wrong member (trustee 4’s share claimed by trustee 3): InvalidPartialDecryption', async () => {
      const bytes = await rewrite(stages.result, ({ kind, text }) => (kind === 'data' && text.startsWith('{"owner":4') ? text.replace('{"owner":4', '{"owner":3') : text));
      const report = await audit(bytes);
      expect(report.failure).toMatchObject({ code: 'InvalidPartialDecryption', event: { height: 9, type: 'PartialDecryption' } });
      expect(report.failure!.reason).toContain('the partial decryption of trustee 3 does not verify against that trustee\'s key (Pedersen member 2)');
    });

    it('a Result with a single share of the group: MissingPartialDecryptions', async () => {
      const archive = await readArchive(stages.result, crypto.sha256);
      const owned2 = archive.events.find((x) => x.payloadText?.startsWith('{"owner":2'))!;
      const fixed = await rewrite(stages.result, ({ kind, text, index }) => (index === owned2.memberIndex || (kind === 'data' && text === owned2.payloadText) ? null : text));
      const report = await audit(fixed);
      expect(report.failure).toMatchObject({ code: 'MissingPartialDecryptions', event: { type: 'Result' } });
      expect(report.failure!.reason).toBe('a Result without enough partial decryptions: missing 1 more of trustees 2–4 (Pedersen, 1 of 2 needed)');
    });
  });
});

describe('urne audit belenios: the verifier without belenios-tool', () => {
  it('rejects bytes that are not an archive, and an archive without events', async () => {
    const report = await audit(new TextEncoder().encode('hello'));
    expect(report.failure).toMatchObject({ code: 'ArchiveIntegrity', archiveCode: 'NotTar' });
    const empty = (await writeArchive(1700000000, [], crypto.sha256)).bytes;
    expect((await audit(empty)).failure).toMatchObject({ code: 'MissingSetup', reason: 'the archive has no event (no Setup)' });
  });
});
