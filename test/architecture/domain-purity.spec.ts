import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The domain is pure TypeScript that also runs in browsers (the booth, the verifier): no Node
 * module, no framework, no database, no Node global. Comments may name them; code may not.
 */
const ROOT = join(process.cwd(), 'src', 'domain');
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+'node:|require\(|from\s+'(fs|path|crypto|os|util|child_process|worker_threads)'/, 'a Node module'],
  [/from\s+'@nestjs|from\s+'better-sqlite3'|from\s+'@kurrent/, 'a framework or database'],
  [/\bBuffer\b|\bprocess\.|\b__dirname\b|\bsetImmediate\b/, 'a Node global'],
  [/from\s+'\.\.\/\.\.\/(application|infrastructure|projections)\//, 'an outer layer'],
];

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The code without its comments (block and line comments), so that a comment may name Buffer. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('src/domain is pure TypeScript (runs in browsers)', () => {
  const sources = files(ROOT);

  it('finds the domain sources', () => {
    expect(sources.length).toBeGreaterThan(40);
  });

  it.each(FORBIDDEN.map(([pattern, what]) => [what, pattern] as const))('no domain file uses %s', (_what, pattern) => {
    const offenders = sources.filter((file) => pattern.test(code(readFileSync(file, 'utf8')))).map((file) => relative(process.cwd(), file));
    expect(offenders).toEqual([]);
  });

  it('the check itself catches an offender', () => {
    expect(FORBIDDEN[0]![0].test(code("import { createHash } from 'node:crypto';"))).toBe(true);
    expect(FORBIDDEN[2]![0].test(code('const b = Buffer.from(x); // Buffer'))).toBe(true);
    expect(FORBIDDEN[2]![0].test(code('/** no Buffer here */ const x = 1;'))).toBe(false);
  });
});
