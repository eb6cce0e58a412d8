import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin/urne.js');

/** The CLI runs the compiled code; `npm test` builds first, a lone jest run may not have. */
beforeAll(() => {
  if (!existsSync(join(root, 'dist/src/infrastructure/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 120_000);

/** A clean environment: only what the CLI needs, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

function run(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: env(extra), encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('urne (CLI)', () => {
  it('--help lists the serve command and exits 0', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: urne/);
    expect(stdout).toMatch(/^\s+serve\b/m);
  });

  it('--version prints the package version', () => {
    const { code, stdout } = run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a clear message on an unknown command, an unknown option, or no command', () => {
    const unknown = run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const option = run(['serve', '--nope']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option '--nope'/);
    const none = run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: urne/);
  });

  it('exits 2 on an invalid configuration, naming the variable, without a stack trace', () => {
    const { code, stdout, stderr } = run(['serve'], { URNE_EVENT_STORE: 'nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/URNE_EVENT_STORE: "nope" is not valid; expected one of sqlite, kurrentdb/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });

  it('exits 1 with a fatal JSON log when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const dataDir = mkdtempSync(join(tmpdir(), 'urne-cli-'));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const { code, stdout, stderr } = run(['serve'], { URNE_DATA_DIR: dataDir, URNE_PORT: String(port) });
      expect(code).toBe(1);
      expect(stderr).toMatch(/could not start: .*EADDRINUSE/);
      const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'fatal', msg: 'could not start' }));
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('serve', () => {
    let dataDir: string;
    let child: ChildProcess | undefined;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'urne-cli-'));
    });

    afterAll(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts, answers GET /health, logs JSON lines and exits 0 on SIGTERM', async () => {
      const server = spawn(process.execPath, [bin, 'serve'], { cwd: root, env: env({ URNE_DATA_DIR: dataDir, URNE_PORT: '0' }) });
      child = server;
      let stdout = '';
      let stderr = '';
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => server.on('exit', (code, signal) => done({ code, signal })));
      const parse = () => stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

      // The listening line carries the URL (port 0: the OS picked one).
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (url === undefined) {
        if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not start:\n${stdout}\n${stderr}`);
        url = parse().find((line) => typeof line.url === 'string')?.url as string | undefined;
        if (url === undefined) await new Promise((done) => setTimeout(done, 50));
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);

      const health = await fetch(new URL('/health', url));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'sqlite' });

      const started = Date.now();
      server.kill('SIGTERM');
      const { code, signal } = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(stderr).toBe('');

      const lines = parse();
      for (const line of lines) expect(line).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopping', signal: 'SIGTERM' }));
      expect(lines.at(-1)).toMatchObject({ level: 'info', msg: expect.stringContaining('stopped') });
      expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    });
  });
});
