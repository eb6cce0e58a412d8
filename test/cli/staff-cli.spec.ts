import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer } from '../../src/main.js';
import { graphql } from '../support/graphql-client.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin/urne.js');

beforeAll(() => {
  if (!existsSync(join(root, 'dist/src/infrastructure/cli/commands/staff.command.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 180_000);

describe('urne staff (CLI)', () => {
  let dataDir: string;
  const run = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [bin, 'staff', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, URNE_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30_000,
      ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  let generated: string;
  const piped = 'correct horse battery staple 2013';

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-staff-cli-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('add generates a strong password and prints it once, on stdout only', () => {
    const { code, stdout, stderr } = run(['add', '--username', 'Marie.Curie', '--role', 'council']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^created staff account "marie\.curie" \(council\), id [0-9a-f-]{36}\npassword: [A-Za-z0-9_-]{24}\n$/);
    generated = /password: (\S+)/.exec(stdout)![1]!;
    expect(stdout.split(generated)).toHaveLength(2);
    expect(stderr).toMatch(/shown once/);
    expect(stderr).not.toContain(generated);
  });

  it('add --password-stdin takes the piped password (without its line break) and prints none', () => {
    const { code, stdout } = run(['add', '--username', 'operator-1', '--role', 'operator', '--password-stdin'], `${piped}\n`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^created staff account "operator-1" \(operator\)/);
    expect(stdout).not.toMatch(/password/);
  });

  it('refuses a taken username (exit 1), an unknown role or a short password (exit 2)', () => {
    expect(run(['add', '--username', 'MARIE.curie', '--role', 'trustee'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/already taken\. \(UsernameTaken\)/) });
    expect(run(['add', '--username', 'zed', '--role', 'king'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/role must be one of council, operator, trustee, auditor/) });
    expect(run(['add', '--username', 'zed', '--role', 'auditor', '--password-stdin'], 'short\n')).toMatchObject({ code: 2, stderr: expect.stringMatching(/12 to 1024 characters/) });
    expect(run(['add', '--role', 'auditor'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--username/) });
  });

  it('list shows the accounts with their role and status; set-role and disable change them', () => {
    expect(run(['set-role', '--username', 'operator-1', '--role', 'auditor'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/now auditor/) });
    const listed = run(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/'marie\.curie'\s+│\s+'council'\s+│\s+'active'/);
    expect(listed.stdout).toMatch(/'operator-1'\s+│\s+'auditor'\s+│\s+'active'/);
  });

  it('the accounts sign in over the API with those passwords; the log holds no password', async () => {
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0' });
    const lines: string[] = [];
    const server = await startServer(config, { logger: createLogger(config, { write: (line: string) => void lines.push(line) }) });
    try {
      const signIn = (username: string, password: string) =>
        graphql<{ signIn: { role: string } }>(server.graphqlUrl, 'mutation($i: SignInInput!) { signIn(input: $i) { role } }', { variables: { i: { username, password } } });
      expect((await signIn('Marie.Curie', generated)).data).toEqual({ signIn: { role: 'council' } });
      expect((await signIn('operator-1', piped)).data).toEqual({ signIn: { role: 'auditor' } });
      expect((await signIn('operator-1', `${piped}\n`)).errors?.[0]?.extensions?.code).toBe('InvalidCredentials');
    } finally {
      await server.app.close();
    }
    expect(run(['disable', '--username', 'operator-1', '--reason', 'moved to another team'])).toMatchObject({ code: 0 });
    expect(run(['list']).stdout).toMatch(/'operator-1'\s+│\s+'auditor'\s+│\s+'disabled'/);

    const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
    const events = JSON.stringify(db.prepare('SELECT stream, type, data, metadata FROM events').all());
    db.close();
    expect(events).toContain('StaffAccountCreated');
    expect(events).toContain('system:cli');
    for (const password of [generated, piped]) {
      expect(events).not.toContain(password);
      expect(lines.join('')).not.toContain(password);
      expect(readFileSync(join(dataDir, 'secrets.sqlite')).toString('latin1')).not.toContain(password);
    }
  });
});
