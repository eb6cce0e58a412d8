import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { beleniosToolAvailable, beleniosToolSkipReason, beleniosToolVerifies } from '../support/belenios-tool.js';

const num = (text: string | undefined) => Number((text ?? 'NaN').replace(/,/g, ''));

/** The certified result as the summary prints it. */
function summaryResult(stdout: string) {
  const head = /result \(certified by the council\): ([\d,]+) ballots counted = ([\d,]+) émargements/.exec(stdout);
  const candidates = [...stdout.matchAll(/^ {4}\d\. (.+?) +([\d,]+) votes +([\d.]+) % of ([\d,]+) candidate votes +([\d.]+) % of ([\d,]+) ballots$/gm)].map((m) => ({
    name: m[1]!,
    votes: num(m[2]),
    percentOfCandidateVotes: Number(m[3]),
    candidateVotes: num(m[4]),
    percentOfBallots: Number(m[5]),
    ballots: num(m[6]),
  }));
  const blank = num(/^ {7}blank +([\d,]+) votes? +([\d.]+) % of ([\d,]+) ballots$/m.exec(stdout)?.[1]);
  return { counted: num(head?.[1]), emargements: num(head?.[2]), candidates, blank };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'urne.js');

/** Newest modification time of the .ts files under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : name.endsWith('.ts') ? stat.mtimeMs : 0);
  }
  return latest;
}

/** The CLI runs the compiled code: build when dist is missing or older than the demo's sources. */
beforeAll(() => {
  const built = join(root, 'dist/src/infrastructure/demo/run-demo.js');
  const sources = Math.max(newest(join(root, 'src/infrastructure/demo')), statSync(join(root, 'src/infrastructure/cli/commands/demo.command.ts')).mtimeMs);
  if (!existsSync(built) || statSync(built).mtimeMs < sources) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 180_000);

function runCli(args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('urne demo', () => {
  let dir: string;
  let dataDir: string;
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urne-demo-'));
    dataDir = join(dir, 'data');
    run = await runCli(['demo', '--size', '2000', '--data-dir', dataDir, '--port', '0'], 170_000);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the scenario to the end and prints what it built', () => {
    expect({ code: run.code, stderrTail: run.code === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    expect(run.stdout).toMatch(/^urne demo: paris-2013 on a synthetic roll of 2,000 people/);
    expect(run.stdout).toMatch(/electoral roll: 2,000 entries/);
    expect(run.stdout).toMatch(/qualified candidates: 5; certified: 5; refused certification \(NotQualified\): demo-candidate-f/);
    expect(run.stdout).toMatch(/on the ballot: 4 \(1\. /);
    expect(run.stdout).toMatch(/withdrawn: demo-candidate-e/);
    expect(run.stdout).toContain('/graphql');
    expect(run.stdout).toContain('urne projections list');
    expect(run.stdout).not.toContain('fails now');
    // Progress went to stderr, not into the summary.
    expect(run.stderr).toContain('[demo]');
    expect(run.stdout).not.toContain('[demo]');
  });

  it('runs the vote to a certified result: the counts add up to the ballots cast, with their denominators', () => {
    expect(run.stdout).toMatch(/decryption key: shared by the server and a threshold group of 3 trustees \(.+\), 2 of whom are needed; decrypted by the server and demo-trustee-1-\w+, demo-trustee-2-\w+/);
    const voters = num(/voters: ([\d,]+) signed in \(e-mail \+ SMS code from the outbox\)/.exec(run.stdout)?.[1]);
    const approved = num(/credentials: ([\d,]+) access codes sent by e-mail/.exec(run.stdout)?.[1]);
    // 2013's turnout (20,074 of 23,314) applied to the approved registrations.
    expect(voters).toBeGreaterThan(50);
    expect(voters).toBeLessThan(approved);
    expect(run.stdout).toMatch(/revotes \(policy single-vote\): (\d+) voters voted again: \1 refused \(RevoteNotAllowed\)/);
    expect(run.stdout).toMatch(new RegExp(`ballots accepted into the box: ${voters}\n`));
    expect(run.stdout).toMatch(new RegExp(`at closing: ${voters} of ${approved} \\(`));

    const result = summaryResult(run.stdout);
    expect(result.counted).toBe(voters);
    expect(result.emargements).toBe(voters);
    expect(result.candidates.map((c) => c.name).sort()).toEqual(['Franck Margain', 'Jean-François Legaret', 'Nathalie Kosciusko-Morizet', 'Pierre-Yves Bournazel']);
    const candidateVotes = result.candidates.reduce((sum, c) => sum + c.votes, 0);
    expect(candidateVotes + result.blank).toBe(result.counted);
    expect(result.blank).toBeGreaterThanOrEqual(1);
    for (const c of result.candidates) {
      expect(c.candidateVotes).toBe(candidateVotes);
      expect(c.ballots).toBe(result.counted);
      expect(c.percentOfCandidateVotes).toBeCloseTo((100 * c.votes) / candidateVotes, 1);
      expect(c.percentOfBallots).toBeCloseTo((100 * c.votes) / result.counted, 1);
    }
    // The 2013 shape: NKM well ahead, first round decisive.
    const nkm = result.candidates.find((c) => c.name === 'Nathalie Kosciusko-Morizet')!;
    expect(nkm.percentOfCandidateVotes).toBeGreaterThan(50);
    expect(run.stdout).toMatch(/winner: Nathalie Kosciusko-Morizet \([\d.]+ % of candidate votes\); no second round/);
    expect(run.stdout).toMatch(/a ballot to look up: tracking number \S+ \(ballotTracker: counted\)/);
    expect(run.stdout).toMatch(/urne export belenios --election paris-2013 --round 1 --out paris-2013-1\.bel/);
  });

  it('left the events in the data folder: the election, the sponsorships, the certifications, the ballot order, the vote', async () => {
    const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    const counts = new Map<string, number>();
    try {
      for await (const event of store.readAll()) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    } finally {
      await store.close();
    }
    const sponsorships = Number(/sponsorships: ([\d,]+) recorded/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    expect(sponsorships).toBeGreaterThan(0);
    expect({
      ElectionDeclared: counts.get('ElectionDeclared'),
      CandidateDeclared: counts.get('CandidateDeclared'),
      SponsorshipGiven: counts.get('SponsorshipGiven'),
      CandidateCertified: counts.get('CandidateCertified'),
      CandidateWithdrawn: counts.get('CandidateWithdrawn'),
      BallotOrderSet: counts.get('BallotOrderSet'),
    }).toEqual({ ElectionDeclared: 1, CandidateDeclared: 6, SponsorshipGiven: sponsorships, CandidateCertified: 5, CandidateWithdrawn: 1, BallotOrderSet: 1 });
    // The vote: one ballot and one émargement per voter (the revotes were refused), decrypted by 2 of 3, certified.
    const { counted } = summaryResult(run.stdout);
    expect({
      VotePrepared: counts.get('VotePrepared'),
      ThresholdVoutputSubmitted: counts.get('ThresholdVoutputSubmitted'),
      VoteSealed: counts.get('VoteSealed'),
      BallotBoxOpened: counts.get('BallotBoxOpened'),
      BallotAccepted: counts.get('BallotAccepted'),
      EmargementRecorded: counts.get('EmargementRecorded'),
      BallotBoxClosed: counts.get('BallotBoxClosed'),
      PartialDecryptionAccepted: counts.get('PartialDecryptionAccepted'),
      ResultCertified: counts.get('ResultCertified'),
    }).toEqual({
      VotePrepared: 1,
      ThresholdVoutputSubmitted: 3,
      VoteSealed: 1,
      BallotBoxOpened: 1,
      BallotAccepted: counted,
      EmargementRecorded: counted,
      BallotBoxClosed: 1,
      PartialDecryptionAccepted: 3,
      ResultCertified: 1,
    });
  });

  it(`the next step it prints works: urne export belenios writes the round's archive${beleniosToolAvailable ? ', and belenios-tool verifies it' : beleniosToolSkipReason}`, async () => {
    const out = join(dir, 'paris-2013-1.bel');
    const exported = await runCli(['export', 'belenios', '--election', 'paris-2013', '--round', '1', '--out', out, '--no-progress'], 60_000, { URNE_DATA_DIR: dataDir });
    expect({ code: exported.code, stderr: exported.code === 0 ? '' : exported.stderr }).toEqual({ code: 0, stderr: '' });
    const uuid = /\(uuid (\w+)\), result: ([\d,]+) ballots/.exec(exported.stdout);
    expect(num(uuid?.[2])).toBe(summaryResult(run.stdout).counted);
    if (!beleniosToolAvailable) return;
    const folder = join(dir, 'verify');
    mkdirSync(folder);
    copyFileSync(out, join(folder, `${uuid![1]}.bel`));
    expect(beleniosToolVerifies(folder)).toMatchObject({ ok: true });
  }, 120_000);

  it('refuses to run again on a data folder that holds events (exit 2), and --force-new uses a fresh sub-folder', async () => {
    const again = await runCli(['demo', '--size', '2000', '--data-dir', dataDir, '--port', '0', '--registrations', '0'], 60_000);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds an event store with events.*--force-new/s);

    const fresh = await runCli(['demo', '--size', '2000', '--data-dir', dataDir, '--port', '0', '--registrations', '0', '--force-new'], 170_000);
    expect({ code: fresh.code, stderrTail: fresh.code === 0 ? '' : fresh.stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    expect(fresh.stdout).toContain(`data folder: ${join(dataDir, 'demo-')}`);
    expect(fresh.stdout).toMatch(/registrations: skipped \(--registrations 0\)/);
    expect(fresh.stdout).toMatch(/vote: skipped \(no registrations\)/);
  }, 200_000);
});
