import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'urne.js');
const example = join(root, 'examples', 'paris-2013.election.json');

/** The CLI runs the compiled code: `npm test` builds first, a lone jest run may not have. */
beforeAll(() => {
  if (!existsSync(join(root, 'dist/src/infrastructure/cli/commands/election.command.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 120_000);

describe('urne election', () => {
  let dataDir: string;
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, 'election', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, URNE_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const writeElection = (name: string, content: unknown) => {
    const file = join(dataDir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-election-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses an election whose dates have passed, and says how to rehearse one', () => {
    const { code, stderr } = run('declare', '--file', example);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^urne: refused \(DateInThePast\): sponsorshipDeadline \(2013-05-17 18:00 \(Europe\/Paris\)\) is before/);
    expect(stderr).toContain('give --at <instant>');
  });

  it('declares the example election as of a given instant, and prints it in its time zone', () => {
    const { code, stdout, stderr } = run('declare', '--file', example, '--at', '2013-04-15T10:00:00Z', '--actor', 'council:demo');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^declared paris-2013: stream election-paris-2013, revision 0$/m);
    expect(stdout).toMatch(/registrationClosesAt\s+2013-05-28 19:00:00 \+02:00\s+2013-05-28T17:00:00.000Z/);
    expect(stdout).toMatch(/phase\s+sponsorship at 2013-04-15T10:00:00.000Z/);
    expect(stdout).toMatch(/voter\s+at least 300 sponsors from at least 5 districts/);
  });

  it('refuses to declare it twice', () => {
    const { code, stderr } = run('declare', '--file', example, '--at', '2013-04-16T10:00:00Z');
    expect(code).toBe(1);
    expect(stderr).toBe('urne: refused (ElectionAlreadyDeclared): The election "paris-2013" has already been declared\n');
  });

  it('validates the file with the GraphQL input rules, listing every faulty field (exit 2)', () => {
    const election = JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>;
    const file = writeElection('bad.json', {
      ...election,
      electionId: 'Lyon 2014',
      votingOpensAt: 'le 31 mai',
      sponsorship: [{ sponsorKind: 'voter', minimumSponsors: 300, minimumDistinctDistrict: 5 }],
      blankVote: true,
    });
    const { code, stdout, stderr } = run('declare', '--file', file, '--at', '2013-04-15T10:00:00Z');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`urne: ${file} is not a valid election:`);
    expect(stderr).toContain('  - electionId: must be a slug');
    expect(stderr).toContain('  - votingOpensAt: must be an ISO 8601 date-time');
    expect(stderr).toContain('  - blankVote: is not a known field');
    expect(stderr).toContain('  - sponsorship[0].minimumDistinctDistrict: is not a known field');
    expect(stderr).toContain('  - sponsorship[0].minimumDistinctDistricts: must be a whole number; it is missing');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing file or bad JSON as usage errors', () => {
    expect(run('declare', '--file', join(dataDir, 'nope.json'))).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read') });
    expect(run('declare', '--file', writeElection('broken.json', '{ "electionId": '))).toMatchObject({ code: 2, stderr: expect.stringContaining('is not valid JSON') });
  });

  it('shows the election, its phase at an instant and its timeline', () => {
    const { code, stdout } = run('show', 'paris-2013', '--at', '2013-06-01T10:00:00Z');
    expect(code).toBe(0);
    expect(stdout).toMatch(/phase\s+voting at 2013-06-01T10:00:00.000Z; open: voting/);
    expect(stdout).toMatch(/#0 \S+ \(position \d+\) by council:demo: declared/);

    const json = JSON.parse(run('show', 'paris-2013', '--json', '--at', '2013-05-10T10:00:00Z').stdout) as {
      election: { dates: Record<string, string>; rules: { timeZone: string } };
      phase: string;
      timeline: Array<{ type: string; actor: string }>;
    };
    expect(json.phase).toBe('registration');
    expect(json.election.dates.votingOpensAt).toBe('2013-05-31T06:00:00.000Z');
    expect(json.election.rules.timeZone).toBe('Europe/Paris');
    expect(json.timeline).toEqual([expect.objectContaining({ type: 'ElectionDeclared', actor: 'council:demo' })]);
  });

  it('show: an unknown election exits 1, an invalid id 2', () => {
    expect(run('show', 'lyon-2014')).toMatchObject({ code: 1, stderr: 'urne: no election "lyon-2014" has been declared\n' });
    expect(run('show', 'Lyon 2014')).toMatchObject({ code: 2 });
  });
});
