import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';

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

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
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
    expect(run.stdout).toContain('/graphql');
    expect(run.stdout).toContain('urne projections list');
    expect(run.stdout).not.toContain('fails now');
    // Progress went to stderr, not into the summary.
    expect(run.stderr).toContain('[demo]');
    expect(run.stdout).not.toContain('[demo]');
  });

  it('left the events in the data folder: the election, the sponsorships, the certifications, the ballot order', async () => {
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
  });

  it('refuses to run again on a data folder that holds events (exit 2), and --force-new uses a fresh sub-folder', async () => {
    const again = await runCli(['demo', '--size', '2000', '--data-dir', dataDir, '--port', '0', '--registrations', '0'], 60_000);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds an event store with events.*--force-new/s);

    const fresh = await runCli(['demo', '--size', '2000', '--data-dir', dataDir, '--port', '0', '--registrations', '0', '--force-new'], 170_000);
    expect({ code: fresh.code, stderrTail: fresh.code === 0 ? '' : fresh.stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    expect(fresh.stdout).toContain(`data folder: ${join(dataDir, 'demo-')}`);
    expect(fresh.stdout).toMatch(/registrations: skipped \(--registrations 0\)/);
  }, 200_000);
});
