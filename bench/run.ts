/**
 * The benchmark driver (`npm run bench`). Runs every scenario of SCENARIOS in its own child
 * process (so each peak RSS is its own), in order, shows progress on stderr, prints a table on
 * stdout and writes the figures to bench/results.json.
 *
 *   npm run bench                         full run (about two minutes on 2 cores)
 *   npm run bench -- --quick              every size / 10, a smoke run (under 30 s)
 *   npm run bench -- replay-readall       one scenario (and the scenarios it depends on)
 *   options: --scale=<x> (or BENCH_SCALE), --out=<file>, --keep (keep the temp directory),
 *            --strict (exit 1 when a target is missed);
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes flags to the scenario processes.
 *
 * Adding a scenario: write bench/scenarios/<name>.ts around `scenario(...)` from lib/scenario.ts,
 * then add one line to SCENARIOS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Figure, ScenarioContext } from './lib/scenario.js';

interface ScenarioSpec {
  name: string;
  /** Scenarios that must run first (they publish what this one needs, e.g. the store's path). */
  dependsOn?: string[];
  /** Full-scale time limit when the default (10 minutes) is too short: the audit at 20,000 ballots runs belenios-tool for ~6 minutes, after building its ledger once. */
  timeoutMs?: number;
}

/** Run in this order. The file is bench/scenarios/<name>.ts. */
const SCENARIOS: ScenarioSpec[] = [
  { name: 'fill' },
  { name: 'replay-readall', dependsOn: ['fill'] },
  { name: 'replay-projection', dependsOn: ['fill'] },
  { name: 'single-appends', dependsOn: ['fill'] },
  { name: 'subscription-latency', dependsOn: ['fill'] },
  { name: 'vault' },
  { name: 'modexp' },
  { name: 'roll-import' },
  { name: 'roll-projection', dependsOn: ['roll-import'] },
  { name: 'registration-graphql' },
  { name: 'ballot-verification' },
  { name: 'ballot-cast' },
  { name: 'audit', timeoutMs: 1_800_000 },
];

/** The issue's targets, checked after the run (figures are matched by name prefix). */
const TARGETS: Array<{ figure: string; ratioAtLeast?: number; valueAtLeast?: number }> = [
  { figure: 'fill: sqlite batched appends (1,000/append, FULL)', ratioAtLeast: 0.5 },
  { figure: 'single appends (1 event/append, FULL)', ratioAtLeast: 0.5 },
  { figure: 'single appends (1 event/append, NORMAL)', ratioAtLeast: 0.5 },
  { figure: 'replay-readall: events/s', valueAtLeast: 100_000 },
  { figure: 'replay-projection: ledger-statistics events/s', valueAtLeast: 100_000 },
];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url));

interface Options {
  scale: number;
  out: string;
  keep: boolean;
  strict: boolean;
  only: string[];
}

function parseArgs(argv: string[]): Options {
  let scale = process.env.BENCH_SCALE ? Number(process.env.BENCH_SCALE) : 1;
  let out: string | undefined;
  let keep = false;
  let strict = false;
  const only: string[] = [];
  for (const arg of argv) {
    if (arg === '--quick') scale = 0.1;
    else if (arg.startsWith('--scale=')) scale = Number(arg.slice('--scale='.length));
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--keep') keep = true;
    else if (arg === '--strict') strict = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (SCENARIOS.some((s) => s.name === arg)) only.push(arg);
    else throw new Error(`unknown scenario ${arg}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  if (!(scale > 0)) throw new Error('the scale must be a positive number');
  // A full run's figures are the reference (bench/results.json); smaller runs do not overwrite them.
  out ??= join(ROOT, 'bench', scale === 1 ? 'results.json' : 'results.local.json');
  return { scale, out, keep, strict, only };
}

function selectScenarios(only: string[]): ScenarioSpec[] {
  if (only.length === 0) return SCENARIOS;
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dependency of SCENARIOS.find((s) => s.name === name)?.dependsOn ?? []) add(dependency);
  };
  only.forEach(add);
  return SCENARIOS.filter((s) => wanted.has(s.name));
}

/** The status line on stderr: rewritten in place on a terminal, a line every 10 s otherwise. */
class Status {
  private readonly tty = process.stderr.isTTY === true;
  private timer: NodeJS.Timeout | undefined;
  private label = '';
  private detail = '';
  private startedAt = 0;
  private lastPlainLine = 0;

  begin(label: string): void {
    this.label = label;
    this.detail = '';
    this.startedAt = performance.now();
    this.lastPlainLine = 0;
    this.timer = setInterval(() => this.draw(), this.tty ? 200 : 1000);
    this.draw(true);
  }

  update(detail: string): void {
    this.detail = detail;
  }

  /** Writes a whole line to stderr without garbling the status line. */
  log(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.timer) this.draw(true);
  }

  end(outcome: string): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${this.label} ${outcome} in ${seconds.toFixed(1)} s\n`);
    return seconds;
  }

  private draw(force = false): void {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const line = `${this.label} ${seconds.toFixed(1)} s${this.detail ? `  ${this.detail}` : ''}`;
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`);
    } else if (force || performance.now() - this.lastPlainLine >= 10_000) {
      this.lastPlainLine = performance.now();
      process.stderr.write(`${line}\n`);
    }
  }
}

interface ScenarioOutcome {
  figures: Figure[];
  shared: Record<string, unknown>;
}

let running: ChildProcess | null = null;

function runScenario(spec: ScenarioSpec, context: ScenarioContext, status: Status, timeoutMs: number): Promise<ScenarioOutcome> {
  const nodeArgs = ['--expose-gc', ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, join(SCENARIO_DIR, `${spec.name}.js`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_CONTEXT: JSON.stringify(context) },
  });
  running = child;
  let result: ScenarioOutcome | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: { type?: string; text?: string; figures?: Figure[]; shared?: Record<string, unknown> } | null = null;
    try {
      message = line.startsWith('{') ? JSON.parse(line) : null;
    } catch {
      message = null;
    }
    if (message?.type === 'progress') status.update(String(message.text));
    else if (message?.type === 'result') result = { figures: message.figures ?? [], shared: message.shared ?? {} };
    else status.log(`  ${spec.name}: ${line}`);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => status.log(`  ${spec.name}: ${line}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', reject);
    // 'close' rather than 'exit': the last stdout line has been read by then.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running = null;
      if (code === 0 && result) resolve(result);
      else reject(new Error(code === 0 ? 'exited without printing its result' : `exited with ${code ?? signal}`));
    });
  });
}

function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(figures: Figure[]): void {
  const rows = [
    ['name', 'value', 'unit', 'baseline', 'ratio'],
    ...figures.map((f) => [
      f.name,
      formatNumber(f.value),
      f.unit,
      f.baseline === undefined ? '' : formatNumber(f.baseline),
      f.ratio === undefined ? '' : f.ratio.toFixed(2),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const align = (row: string[]) =>
    row.map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  console.log(align(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(align(row));
}

function checkTargets(figures: Figure[]): string[] {
  const missed: string[] = [];
  for (const target of TARGETS) {
    const figure = figures.find((f) => f.name === target.figure);
    if (!figure) continue;
    if (target.ratioAtLeast !== undefined) {
      const ok = figure.ratio !== undefined && figure.ratio >= target.ratioAtLeast;
      console.log(`${ok ? 'ok    ' : 'MISSED'} ${target.figure}: ratio ${figure.ratio?.toFixed(2) ?? '?'} (target >= ${target.ratioAtLeast})`);
      if (!ok) missed.push(target.figure);
    }
    if (target.valueAtLeast !== undefined) {
      const ok = figure.value >= target.valueAtLeast;
      console.log(`${ok ? 'ok    ' : 'MISSED'} ${target.figure}: ${formatNumber(figure.value)} ${figure.unit} (target >= ${formatNumber(target.valueAtLeast)})`);
      if (!ok) missed.push(target.figure);
    }
  }
  return missed;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const selected = selectScenarios(options.only);
  const workDir = mkdtempSync(join(tmpdir(), 'urne-bench-'));
  const cleanUp = () => {
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    running?.kill('SIGKILL');
    cleanUp();
    process.exit(130);
  });

  const status = new Status();
  const totalStart = performance.now();
  process.stderr.write(`urne bench: ${selected.length} scenario(s), scale ${options.scale}, working in ${workDir}\n`);
  const figures: Figure[] = [];
  const failed: string[] = [];
  let shared: Record<string, unknown> = {};
  const timeoutMs = Math.max(60_000, 600_000 * options.scale);
  for (const [index, spec] of selected.entries()) {
    if (spec.dependsOn?.some((dependency) => failed.includes(dependency))) {
      failed.push(spec.name);
      process.stderr.write(`[${index + 1}/${selected.length}] ${spec.name} skipped: a scenario it depends on failed\n`);
      continue;
    }
    const dir = join(workDir, spec.name);
    mkdirSync(dir);
    status.begin(`[${index + 1}/${selected.length}] ${spec.name}`);
    try {
      const outcome = await runScenario(spec, { name: spec.name, scale: options.scale, dir, shared }, status, Math.max(timeoutMs, (spec.timeoutMs ?? 0) * options.scale));
      status.end('done');
      shared = { ...shared, ...outcome.shared };
      for (const figure of outcome.figures) {
        const { ratio: _ignored, ...rest } = figure;
        figures.push(figure.baseline !== undefined && figure.baseline > 0 ? { ...rest, ratio: figure.value / figure.baseline } : rest);
      }
    } catch (error) {
      status.end(`FAILED (${(error as Error).message})`);
      failed.push(spec.name);
    }
  }
  cleanUp();
  const totalSeconds = (performance.now() - totalStart) / 1000;

  console.log('');
  printTable(figures);
  console.log('');
  const missed = checkTargets(figures);
  writeFileSync(options.out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log('');
  console.log(`scale ${options.scale}; total wall time ${totalSeconds.toFixed(1)} s; figures written to ${relative(process.cwd(), options.out) || options.out}`);
  if (failed.length > 0) console.log(`FAILED: ${failed.join(', ')}`);
  return failed.length > 0 || (options.strict && missed.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
