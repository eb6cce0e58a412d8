/**
 * The child-process side of the benchmark: every scenario file calls `scenario(...)` once.
 *
 * Protocol with the driver (bench/run.ts), one JSON object per line on stdout:
 *   {"type":"progress","text":"..."}   any number of times, shown on the driver's status line;
 *   {"type":"result","figures":[...],"shared":{...}}   exactly once, at the end.
 * Anything else goes to stderr. The context comes in the BENCH_CONTEXT environment variable.
 */
import { performance } from 'node:perf_hooks';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same quantity measured on the baseline (raw better-sqlite3), in the same run and unit. */
  baseline?: number;
  /** value / baseline; filled in by the driver. */
  ratio?: number;
}

export interface ScenarioContext {
  /** The scenario's name, as listed in bench/run.ts. */
  name: string;
  /** 1 for the full run, 0.1 with --quick. Multiply every size by it (see `scaled`). */
  scale: number;
  /** A fresh, empty directory owned by this scenario. */
  dir: string;
  /** Values published by earlier scenarios (e.g. the 1M-event store's path, from `fill`). */
  shared: Record<string, unknown>;
}

export interface ScenarioResult {
  figures: Figure[];
  /** Published to the scenarios that run after this one. */
  shared?: Record<string, unknown>;
}

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

let lastProgress = 0;
/** Shown on the driver's status line; throttled, so it can be called in hot loops. */
export function progress(text: string, force = false): void {
  const now = performance.now();
  if (!force && now - lastProgress < 250) return;
  lastProgress = now;
  send({ type: 'progress', text });
}

export function peakRssMb(): number {
  // maxRSS is in KiB on every platform Node supports.
  return process.resourceUsage().maxRSS / 1024;
}

export function currentRssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** `n` times the run's scale, at least 1. */
export function scaled(context: ScenarioContext, n: number): number {
  return Math.max(1, Math.round(n * context.scale));
}

export function requireShared<T>(context: ScenarioContext, key: string): T {
  if (!(key in context.shared)) throw new Error(`scenario ${context.name} needs "${key}", published by an earlier scenario (run it with its dependencies)`);
  return context.shared[key] as T;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of nothing');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs the scenario, adds its peak RSS, prints the result line, exits. */
export function scenario(run: (context: ScenarioContext) => Promise<ScenarioResult>): void {
  const raw = process.env.BENCH_CONTEXT;
  if (!raw) {
    process.stderr.write('This file is a benchmark scenario: run it through `npm run bench` (bench/run.ts).\n');
    process.exit(2);
  }
  const context = JSON.parse(raw) as ScenarioContext;
  run(context).then(
    (result) => {
      const figures = [...result.figures, { name: `${context.name} peak RSS`, value: peakRssMb(), unit: 'MB' }];
      send({ type: 'result', figures, shared: result.shared ?? {} });
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`scenario ${context.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Whether memory stays bounded during a replay: the RSS at half the log, then the largest RSS
 * seen after it. A streaming replay plateaus once warmed up (a few hundred thousand events), so
 * the growth over the second half should be about 0 whatever the log size.
 */
export class RssGrowth {
  private atHalf = -1;
  private max = 0;

  sample(fractionDone: number): number {
    const rss = currentRssMb();
    if (fractionDone >= 0.5) {
      if (this.atHalf < 0) this.atHalf = rss;
      if (rss > this.max) this.max = rss;
    }
    return rss;
  }

  get secondHalfMb(): number {
    return this.atHalf < 0 ? 0 : Math.max(0, this.max - this.atHalf);
  }
}
