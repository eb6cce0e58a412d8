import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeFingerprint } from '../../application/ports/code-fingerprint.js';

/**
 * Hashes the running code: every file of the code folder this module was loaded from (`dist/src`
 * in production, `src` under the test runner), by sorted relative path, plus package-lock.json
 * (the exact dependencies). Computed once per process: the code does not change while it runs.
 */
export class RunningCodeFingerprint implements CodeFingerprint {
  private computed: { hash: string; files: number; root: string } | null = null;

  constructor(private readonly root = codeRoot()) {}

  async fingerprint(): Promise<string> {
    return this.compute().hash;
  }

  async describe(): Promise<string> {
    const { files, root } = this.compute();
    return `${files} files under ${root} and package-lock.json`;
  }

  private compute() {
    if (this.computed) return this.computed;
    const hash = createHash('sha256');
    const files = listFiles(this.root).sort();
    for (const file of files) {
      const content = readFileSync(file);
      hash.update(`${relative(this.root, file).split(sep).join('/')}\0${content.length}\0`).update(content);
    }
    const lock = join(dirname(this.root), this.root.endsWith(`${sep}dist${sep}src`) ? '..' : '.', 'package-lock.json');
    try {
      hash.update('package-lock.json\0').update(readFileSync(lock));
    } catch {
      hash.update('package-lock.json\0missing');
    }
    this.computed = { hash: hash.digest('hex'), files: files.length, root: this.root };
    return this.computed;
  }
}

/** `…/src` or `…/dist/src`: two levels up from this file (src/infrastructure/vote). */
function codeRoot(): string {
  return dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}

function listFiles(folder: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) files.push(...listFiles(path));
    else if (!name.endsWith('.map')) files.push(path);
  }
  return files;
}
