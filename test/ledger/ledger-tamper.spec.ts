import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/application/ports/clock.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite/sqlite-event-store.js';
import { SealingKey } from '../../src/infrastructure/ledger-seal/ledger-crypto.js';
import { LedgerSealer } from '../../src/infrastructure/ledger-seal/ledger-sealer.js';
import { readOrCreateSealingKey } from '../../src/infrastructure/ledger-seal/sealing-key-file.js';
import type { LedgerVerification } from '../../src/infrastructure/ledger-seal/verify-ledger.js';
import { MasterKey } from '../../src/infrastructure/personal-data/master-key.js';
import { openReadModelDatabase } from '../../src/projections/read-model-database.js';
import { appendSamples, sample } from './ledger-support.js';

/**
 * A ledger of 70 events (positions 1…70 on SQLite) sealed every 20 events and at a phase change,
 * with a checkpoint every 5 events; the auditor keeps the latest seal (position 63). Then copies of
 * the data folder are tampered with directly in events.sqlite, and `urne ledger verify` (from
 * dist/) must fail with exit 1 and bound the change.
 */
const root = process.cwd();
const bin = join(root, 'bin', 'urne.js');

function urne(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, URNE_DATA_DIR: '/nonexistent' }, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('urne ledger verify against a tampered ledger (real SQLite, CLI from dist/)', () => {
  let dir: string;
  let data: string;
  let sealFile: string;
  let earlySealFile: string;
  let copies = 0;

  /** A copy of the data folder, with `tamper` run on its events.sqlite. */
  function tampered(tamper: (db: Database.Database) => void): string {
    const copy = join(dir, `copy-${++copies}`);
    mkdirSync(copy);
    copyFileSync(join(data, 'events.sqlite'), join(copy, 'events.sqlite'));
    const db = new Database(join(copy, 'events.sqlite'));
    tamper(db);
    db.close();
    return copy;
  }

  function verify(args: string[]): { status: number | null; report: LedgerVerification; stderr: string } {
    const run = urne(['ledger', 'verify', '--json', ...args]);
    return { status: run.status, report: JSON.parse(run.stdout) as LedgerVerification, stderr: run.stderr };
  }

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'src', 'infrastructure', 'ledger-seal', 'ledger.command.js'))) throw new Error('run "npm run build" first');
    dir = mkdtempSync(join(tmpdir(), 'urne-ledger-tamper-'));
    data = join(dir, 'data');
    mkdirSync(data);
    const key: SealingKey = readOrCreateSealingKey(join(data, 'ledger-seal.key'), MasterKey.generate()).key;
    const store = new SqliteEventStore({ file: join(data, 'events.sqlite') });
    const db = openReadModelDatabase(join(data, 'read-models.sqlite'));
    const clock = new ManualClock('2026-11-25T00:00:00.000Z');
    const sealUpToHead = async () => {
      const sealer = new LedgerSealer(store, db, key, clock, { everyEvents: 20, checkpointEvery: 5, timerMs: 0 });
      sealer.start();
      for (;;) {
        const head = (await store.headPosition())!;
        await sealer.waitForPosition(head);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if ((await store.headPosition()) === head) break;
      }
      await sealer.stop();
    };
    await appendSamples(store, 40); // 1…40; seals of 20 and 40 at 41, 42
    await sealUpToHead();
    await store.appendToStream('election-e1', [sample('ElectionDeclared', { electionId: 'e1', name: 'Élection municipale' })]); // 43; its seal at 44
    await sealUpToHead();
    await appendSamples(store, 20, 40); // 45…64; the 60th event other than a seal is 63: sealed at 65
    await sealUpToHead();
    await appendSamples(store, 5, 60); // 66…70: not sealed yet
    db.close();
    await store.close();

    sealFile = join(dir, 'seal.json');
    const latest = urne(['ledger', 'seals', '--latest', '--data-dir', data]);
    expect(latest.status).toBe(0);
    writeFileSync(sealFile, latest.stdout);
    expect(JSON.parse(latest.stdout)).toMatchObject({ format: 'urne-ledger-seal/1', position: '63', eventCount: 63, sealEvent: { position: '65', stream: 'ledgerseal-63' }, publicKey: key.publicKey.toString('hex') });
    const all = urne(['ledger', 'seals', '--data-dir', data]).stdout.trim().split('\n').map((line) => JSON.parse(line) as { position: string });
    expect(all.map((s) => s.position)).toEqual(['20', '40', '43', '63']);
    earlySealFile = join(dir, 'seal-20.json');
    writeFileSync(earlySealFile, JSON.stringify(all[0]));
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the untouched ledger verifies (exit 0), events after the seal included', () => {
    const { status, report } = verify(['--seal', sealFile, '--data-dir', data]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ ok: true, head: { position: '63', eventCount: 63 }, target: { matches: true }, sealsInLedger: { signed: 4 }, divergence: null });
    const text = urne(['ledger', 'verify', '--seal', sealFile, '--data-dir', data]);
    expect(text.stdout).toMatch(/^VERIFIED/);
    const since = verify(['--since', sealFile, '--data-dir', data]);
    expect(since).toMatchObject({ status: 0, report: { ok: true, eventsRead: 7, head: { position: '70' } } });
  });

  it('one byte of one event\'s data changed: exit 1, the change bounded to (25, 30]', () => {
    const copy = tampered((db) => db.prepare("UPDATE events SET data = replace(data, 'Zoé 28', 'Zoë 28') WHERE position = 29").run());
    const { status, report, stderr } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/ledger verification FAILED: first divergence after 25 and at or before 30/);
    expect(report.target).toMatchObject({ matches: false, actual: { eventCount: 63 } });
    expect(report.divergence).toMatchObject({ after: { position: '25' }, atOrBefore: { position: '30', matches: false }, eventsBetween: 5 });
    expect(report.divergence!.events.map((e) => e.position)).toEqual(['26', '27', '28', '29', '30']);
    const text = urne(['ledger', 'verify', '--seal', sealFile, '--data-dir', copy]).stdout;
    expect(text).toMatch(/^FAILED/);
    expect(text).toMatch(/after position 25 .* at or before position 30/);
  });

  it('an event deleted: the gap names the stream and revision', () => {
    const copy = tampered((db) => db.prepare('DELETE FROM events WHERE position = 30').run());
    const { status, report } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(report.divergence).toMatchObject({ after: { position: '25' }, atOrBefore: { position: '30', actual: null } });
    expect(report.divergence!.suspect).toMatchObject({ position: '31', reason: expect.stringMatching(/1 position\(s\) missing/) });
    // Event 30 was the 30th sample (i = 29): stream sample-1, revision 7; its stream jumps from 6 to 8.
    expect(report.anomalies).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'revision-gap', stream: 'sample-1', revision: '8' })]));
    expect(report.target).toMatchObject({ matches: false, actual: { eventCount: 62 } });
  });

  it('two events\' data swapped: exit 1, bounded to (25, 30]', () => {
    const copy = tampered((db) => {
      const rows = db.prepare<[], { position: number; data: string }>('SELECT position, data FROM events WHERE position IN (28, 29) ORDER BY position').all();
      const update = db.prepare('UPDATE events SET data = ? WHERE position = ?');
      update.run(rows[1]!.data, 28);
      update.run(rows[0]!.data, 29);
    });
    const { status, report } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(report.divergence).toMatchObject({ after: { position: '25' }, atOrBefore: { position: '30' } });
  });

  it('two events reordered (positions swapped): exit 1, bounded to (30, 35]', () => {
    const copy = tampered((db) =>
      db.transaction(() => {
        db.prepare('UPDATE events SET position = -1 WHERE position = 33').run();
        db.prepare('UPDATE events SET position = 33 WHERE position = 34').run();
        db.prepare('UPDATE events SET position = 34 WHERE position = -1').run();
      })(),
    );
    const { status, report } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(report.divergence).toMatchObject({ after: { position: '30' }, atOrBefore: { position: '35' } });
  });

  it('an event inserted (later positions shifted): exit 1, bounded to (45, 50], the seal finds one event too many', () => {
    const copy = tampered((db) =>
      db.transaction(() => {
        db.prepare('UPDATE events SET position = -position WHERE position >= 47').run();
        db.prepare('UPDATE events SET position = 1 - position WHERE position < 0').run();
        db.prepare("INSERT INTO events (position, stream, revision, id, type, data, metadata, recorded_at) VALUES (47, 'sample-9', 0, '00000000-0000-4000-8000-000000000047', 'SampleTaken', '{\"n\":999}', '{\"correlationId\":\"x\",\"schemaVersion\":1,\"occurredAt\":\"2026-11-25T00:00:00.000Z\"}', 0)").run();
      })(),
    );
    const { status, report } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(report.divergence).toMatchObject({ after: { position: '45' }, atOrBefore: { position: '50' } });
    expect(report.target).toMatchObject({ matches: false, actual: { eventCount: 63 } });
  });

  it('a seal inside the ledger altered: its signature fails (forgery named) and the chain breaks there', () => {
    const copy = tampered((db) => db.prepare("UPDATE events SET data = replace(data, '\"eventCount\":43', '\"eventCount\":42') WHERE position = 44").run());
    const { status, report } = verify(['--seal', sealFile, '--data-dir', copy]);
    expect(status).toBe(1);
    expect(report.anomalies).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'seal-bad-signature', position: '44' })]));
    // The forged seal is no anchor: the last good one is the checkpoint at 40.
    expect(report.divergence).toMatchObject({ after: { position: '40' }, atOrBefore: { position: '45' } });
  });

  it('incremental: --since an earlier seal checks only what follows it', () => {
    const after = tampered((db) => db.prepare("UPDATE events SET data = replace(data, 'Zoé 28', 'Zoë 28') WHERE position = 29").run());
    expect(verify(['--since', earlySealFile, '--seal', sealFile, '--data-dir', after])).toMatchObject({ status: 1, report: { divergence: { after: { position: '25' } } } });
    // A change before the starting seal is outside an incremental check (the earlier check covered it).
    const before = tampered((db) => db.prepare("UPDATE events SET data = replace(data, 'Zoé 8', 'Zoë 8') WHERE position = 9").run());
    expect(verify(['--since', earlySealFile, '--seal', sealFile, '--data-dir', before])).toMatchObject({ status: 0, report: { eventsRead: 43 } });
    expect(verify(['--seal', sealFile, '--data-dir', before])).toMatchObject({ status: 1, report: { divergence: { after: { position: '5' }, atOrBefore: { position: '10' } } } });
  });

  it('the signature: another key, or an altered kept seal, fails with exit 1', () => {
    const otherKey = join(dir, 'other.pem');
    writeFileSync(otherKey, SealingKey.generate().publicKeyPem);
    const wrongKey = urne(['ledger', 'verify', '--seal', sealFile, '--data-dir', data, '--key', otherKey]);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/is not the one that signed the seal/);

    const seal = JSON.parse(readFileSync(sealFile, 'utf8')) as { chainHash: string; publicKey: string };
    const altered = join(dir, 'altered-seal.json');
    writeFileSync(altered, JSON.stringify({ ...seal, chainHash: 'f'.repeat(64) }));
    const { status, report } = verify(['--seal', altered, '--data-dir', data]);
    expect(status).toBe(1);
    expect(report.seal).toMatchObject({ ok: false, reason: 'bad-signature' });

    const keyFile = join(dir, 'server.pub');
    writeFileSync(keyFile, seal.publicKey);
    expect(verify(['--seal', sealFile, '--data-dir', data, '--key', keyFile]).status).toBe(0);
    expect(urne(['ledger', 'verify', '--data-dir', data]).status).toBe(2);
  });

  it('from an `urne export ledger` file: verifies, and a changed line is found', () => {
    const file = join(dir, 'ledger.ndjson');
    const exported = urne(['export', 'ledger', '--data-dir', data, '--out', file, '--no-progress']);
    expect(exported.status).toBe(0);
    expect(verify(['--seal', sealFile, '--from-export', file])).toMatchObject({ status: 0, report: { ok: true, head: { position: '63' } } });

    const lines = readFileSync(file, 'utf8').split('\n');
    const edited = join(dir, 'ledger-edited.ndjson');
    writeFileSync(edited, lines.map((line) => (line.startsWith('{"position":"29",') ? line.replace('Zoé 28', 'Zoë 28') : line)).join('\n'));
    const { status, report } = verify(['--seal', sealFile, '--from-export', edited]);
    expect(status).toBe(1);
    expect(report.divergence).toMatchObject({ after: { position: '25' }, atOrBefore: { position: '30' } });

    const truncated = join(dir, 'ledger-truncated.ndjson');
    writeFileSync(truncated, `${lines.slice(0, 20).join('\n')}\n`);
    const cut = urne(['ledger', 'verify', '--seal', sealFile, '--from-export', truncated]);
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/truncated/);
  });
});
