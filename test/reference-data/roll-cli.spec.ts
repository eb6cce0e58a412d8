import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'urne.js');

describe('urne roll / urne officials (the built CLI, real files)', () => {
  let dir: string;
  const urne = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, URNE_DATA_DIR: join(dir, 'data'), URNE_LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 120_000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'urne-roll-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generate writes a deterministic, French-looking roll', () => {
    const first = urne('roll', 'generate', '--size', '30000', '--arrondissements', '20', '--out', 'roll.csv', '--seed', '5');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/roll\.csv: 30,000 rows of synthetic electoral roll/);
    const text = readFileSync(join(dir, 'roll.csv'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(30_001);
    expect(lines[0]).toBe('nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant');
    expect(lines[1]).toMatch(/^[^;]+;[^;]+;\d{4}-\d{2}-\d{2};[^;]+;\d{1,2};\d{1,2}-\d{2};\d{10}$/);
    expect(text).toMatch(/[éèëœ’']/);

    expect(urne('roll', 'generate', '--size', '30000', '--out', 'same.csv', '--seed', '5').status).toBe(0);
    expect(readFileSync(join(dir, 'same.csv'), 'utf8')).toBe(text);
    expect(urne('roll', 'generate', '--size', '30000', '--out', 'other.csv', '--seed', '6').status).toBe(0);
    expect(readFileSync(join(dir, 'other.csv'), 'utf8')).not.toBe(text);
  });

  it('import shows progress on stderr and a summary on stdout; the same file again is unchanged', async () => {
    const imported = urne('roll', 'import', 'paris-2013', 'roll.csv');
    expect(imported.status).toBe(0);
    expect(imported.stderr).toMatch(/validating \[.*\] 100% \| 30,000 rows \| [\d,]+ rows\/s/);
    expect(imported.stderr).toMatch(/importing +\[.*\] \d+% \| [\d,]+ rows \| [\d,]+ rows\/s \| ETA/);
    expect(imported.stdout).toMatch(/^electoral roll of paris-2013: imported version 1 \(v1-[0-9a-f]{16}\): 30,000 rows in 600 batches; [\d.]+ s \(validation [\d.]+ s, import [\d.]+ s, [\d,]+ rows\/s\); SHA-256 [0-9a-f]{64}\n$/);

    const again = urne('roll', 'import', 'paris-2013', 'roll.csv', '--no-progress', '--json');
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged', version: 1, rows: 30_000, rowsAppended: 0 });

    const changed = urne('roll', 'import', 'paris-2013', 'other.csv', '--no-progress');
    expect(changed.status).toBe(0);
    expect(changed.stdout).toMatch(/imported version 2 /);

    const store = new SqliteEventStore({ file: join(dir, 'data', 'events.sqlite') });
    const types: string[] = [];
    for await (const event of store.readStream('electoralroll-paris-2013')) types.push(event.type);
    await store.close();
    expect(types).toEqual(['ElectoralRollImportStarted', 'ElectoralRollImportCompleted', 'ElectoralRollImportStarted', 'ElectoralRollImportCompleted']);
  });

  it('an invalid file exits 1 with every problem and its line; nothing is imported', () => {
    writeFileSync(
      join(dir, 'bad.csv'),
      'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant\nDupont;Jean;1950-02-30;1 place;11;11-01;A1\nDurand;Paul;1960-01-01;2 rue;11;11-01;A1\nMartin;Léa;1990-01-01;3 rue;11;11-01;\n',
    );
    const result = urne('roll', 'import', 'paris-2013', 'bad.csv', '--no-progress');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('bad.csv is not a valid file (3 problems); nothing was imported:');
    expect(result.stderr).toContain('line 2 (date_naissance): bad birth date "1950-02-30"');
    expect(result.stderr).toContain('line 3 (identifiant): duplicate roll identifier "A1" (already on line 2)');
    expect(result.stderr).toContain('line 4 (identifiant): empty roll identifier');
  });

  it('usage errors exit 2', () => {
    expect(urne('roll', 'import', 'paris-2013').status).toBe(2);
    const missing = urne('roll', 'import', 'paris-2013', 'nope.csv');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file: nope.csv');
    const badId = urne('roll', 'import', 'paris 2013', 'roll.csv');
    expect(badId.status).toBe(2);
    expect(badId.stderr).toContain('An election id is');
    expect(urne('roll', 'generate', '--size', 'many', '--out', 'x.csv').status).toBe(2);
    expect(urne('roll', 'generate', '--out', 'x.csv').status).toBe(2);
  });

  it('officials: generate, import, re-import unchanged', () => {
    expect(urne('officials', 'generate', '--size', '500', '--out', 'elus.csv').status).toBe(0);
    const imported = urne('officials', 'import', 'paris-2013', 'elus.csv', '--no-progress');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/^elected officials of paris-2013: imported version 1 .*: 500 rows in 1 batches/);
    expect(urne('officials', 'import', 'paris-2013', 'elus.csv', '--no-progress').stdout).toMatch(/unchanged/);
  });
});
