import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Running `urne trustee …` as a trustee would: the compiled CLI in its own process. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin/urne.js');

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

/** The CLI runs the compiled code: build when it is missing or older than the trustee's sources. */
export function ensureBuilt(): void {
  const built = join(root, 'dist/src/infrastructure/cli/trustee/trustee.command.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(root, 'src/infrastructure/cli/trustee'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

export interface UrneRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: PATH and HOME, plus `env`. */
export function runUrne(args: string[], env: Record<string, string> = {}, cwd = root): UrneRun {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking the event loop (for tests whose HTTP server runs in this process). */
export function runUrneAsync(args: string[], env: Record<string, string> = {}, cwd = root): Promise<UrneRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
