import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./store-worker.mjs', import.meta.url));

/** A child OS process with its own connection to the store, speaking JSON lines. */
export class StoreProcess {
  private readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    child.stderr.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.waiters.splice(0).forEach((wake) => wake());
      resolve({ code, signal });
    }));
  }

  static start(kind: string, location: string, mode: string, options: object = {}): StoreProcess {
    return new StoreProcess(spawn(process.execPath, [WORKER, kind, location, mode, JSON.stringify(options)], { stdio: 'pipe' }));
  }

  send(message: object): void {
    this.child.stdin.write(JSON.stringify(message) + '\n');
  }

  /** The next JSON line the worker printed. */
  async next<T = Record<string, unknown>>(): Promise<T> {
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`worker exited (${this.child.exitCode ?? this.child.signalCode}) before answering: ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return JSON.parse(this.lines.shift()!) as T;
  }

  /** Every line printed so far, parsed. */
  drain<T = Record<string, unknown>>(): T[] {
    return this.lines.splice(0).map((line) => JSON.parse(line) as T);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exited;
  }

  async end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    const result = await this.exited;
    if (result.code !== 0) throw new Error(`worker failed with ${result.code ?? result.signal}: ${this.stderr}`);
    return result;
  }

  get exit() {
    return this.exited;
  }
}
