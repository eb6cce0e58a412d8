import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * Urne's version, from the package.json above this file: the same code runs from `src/` (tests)
 * and from `dist/src/` (built), so the file is found by walking up rather than by a fixed path.
 */
export function appVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'urne' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return (cached = '0.0.0-unknown');
    dir = parent;
  }
}
