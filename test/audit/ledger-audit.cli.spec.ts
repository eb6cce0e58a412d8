import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `urne audit` on a real election (`urne demo`, small), then on copies of its data folder edited
 * behind the application's back: each edit is detected, the report names where and why, exit 1.
 * The CLI runs from dist/ (`npm test` builds first).
 */
const BIN = join(process.cwd(), 'bin', 'urne.js');

function urne(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, URNE_LOG_LEVEL: 'warn' }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) =>
      resolveRun({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('urne audit: a whole election verified, and edits to the stored events or read models found', () => {
  let root: string;
  let data: string;
  let copies = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'urne-audit-'));
    data = join(root, 'data');
    const demo = await urne(['demo', '--size', '3000', '--registrations', '40', '--officials', '40', '--districts', '5', '--port', '0', '--data-dir', data]);
    if (demo.code !== 0) throw new Error(`urne demo failed: ${demo.stderr}`);
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of the data folder, edited with SQL on its events.sqlite (or read-models.sqlite). */
  function tampered(edit: (events: Database.Database, readModels: Database.Database) => void): string {
    const copy = join(root, `copy-${++copies}`);
    cpSync(data, copy, { recursive: true });
    const events = new Database(join(copy, 'events.sqlite'));
    const readModels = new Database(join(copy, 'read-models.sqlite'));
    try {
      edit(events, readModels);
    } finally {
      events.close();
      readModels.close();
    }
    return copy;
  }

  it('the untouched election is verified (exit 0) with a Markdown and a JSON report', async () => {
    const result = await urne(['audit', '--data-dir', data, '--json', join(root, 'audit.json'), '--threads', '1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('**Verdict: VERIFIED**');
    expect(result.stderr).toMatch(/audit verified: \d+ events, 1 rounds/);
    const report = JSON.parse(readFileSync(join(root, 'audit.json'), 'utf8')) as { verified: boolean; chain: { ok: boolean; anchorsChecked: number }; rounds: { report: { stage: string } }[]; projections: { status: string }[] };
    expect(report.verified).toBe(true);
    // The node sealed the ledger at each phase change: the chain reaches every seal unchanged.
    expect(report.chain.ok).toBe(true);
    expect(report.chain.anchorsChecked).toBeGreaterThan(3);
    expect(report.rounds.map((r) => r.report.stage)).toEqual(['result']);
    expect(report.projections.every((p) => p.status === 'matches')).toBe(true);
  }, 120_000);

  /** Audits a copy: the chain (first) and the check that looks at this kind of edit both fail. */
  async function auditCopy(copy: string) {
    const json = join(copy, 'audit.json');
    const result = await urne(['audit', '--data-dir', copy, '--threads', '0', '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      chain: { ok: boolean; description: string };
      rules: { findings: { rule: string; position: string; stream: string; type: string; reason: string }[] };
      rounds: { report: { verified: boolean; failure?: { code: string; check: string; event?: { ballot?: { index: number } } } } }[];
    };
    return { ...result, report };
  }

  it('one digit of one ballot changed: the chain breaks, and the vote fails at that ballot', async () => {
    const copy = tampered((events) => {
      const row = events.prepare("SELECT position, data FROM events WHERE type = 'BallotAccepted' ORDER BY position LIMIT 1 OFFSET 3").get() as { position: number; data: string };
      const data = JSON.parse(row.data) as { ballot: string };
      data.ballot = data.ballot.replace(/"response":"(\d+)(\d)"/, (_m, head: string, d: string) => `"response":"${head}${(Number(d) + 1) % 10}"`);
      events.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
    });
    const { code, stderr, report } = await auditCopy(copy);
    expect(code).toBe(1);
    expect(stderr).toMatch(/audit FAILED: chain/);
    expect(report.chain.ok).toBe(false);
    expect(report.rounds[0]!.report.failure).toMatchObject({ code: 'InvalidBallot', check: 'ballots', event: { ballot: { index: 4 } } });
  }, 120_000);

  it('an émargement deleted: the chain names the gap, and the rules find émargements and ballots no longer match', async () => {
    const copy = tampered((events) => events.prepare("DELETE FROM events WHERE position = (SELECT min(position) FROM events WHERE type = 'EmargementRecorded')").run());
    const { code, report } = await auditCopy(copy);
    expect(code).toBe(1);
    expect(report.chain.ok).toBe(false);
    expect(report.chain.description).toMatch(/position-gap: position \d+ follows \d+: 1 position\(s\) missing/);
    expect(report.rules.findings.map((f) => f.rule)).toContain('emargement');
  }, 120_000);

  it('a count changed in the result: the rules or the vote say the result does not hold', async () => {
    const copy = tampered((events) => {
      const row = events.prepare("SELECT position, data FROM events WHERE type = 'ResultComputed'").get() as { position: number; data: string };
      const data = JSON.parse(row.data) as { counts: { votes: number }[]; blank: number };
      data.counts[0]!.votes += 25;
      events.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
    });
    const { code, report } = await auditCopy(copy);
    expect(code).toBe(1);
    expect(report.chain.ok).toBe(false);
    expect(report.rules.findings).toContainEqual(expect.objectContaining({ rule: 'result', stream: 'vote-paris-2013.1', type: 'ResultComputed' }));
  }, 120_000);

  it('a figure the node serves changed in its read model: the rebuild disagrees, read model named', async () => {
    const copy = tampered((_events, readModels) => readModels.prepare('UPDATE turnout_voted SET voted = voted + 1').run());
    const result = await urne(['audit', '--data-dir', copy, '--threads', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/audit FAILED: projections\/turnout .*turnout_voted/);
  }, 120_000);

  it('from an exported record alone: verified; a truncated download refused', async () => {
    const record = join(root, 'ledger.ndjson');
    expect((await urne(['export', 'ledger', '--data-dir', data, '--out', record, '--no-progress'])).code).toBe(0);
    const audited = await urne(['audit', '--from-export', record, '--threads', '0']);
    expect(audited.code).toBe(0);
    expect(audited.stdout).toContain('**Verdict: VERIFIED**');
    expect(audited.stdout).toContain('Not compared: no read-model database');
    const text = readFileSync(record, 'utf8');
    const truncated = join(root, 'truncated.ndjson');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    const refused = await urne(['audit', '--from-export', truncated]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not a complete urne-ledger export/);
  }, 120_000);

  it('--since a kept seal: the record before it proven unchanged, its ballots not re-verified, the rest checked', async () => {
    const seal = await urne(['ledger', 'seals', '--latest', '--data-dir', data]);
    expect(seal.code).toBe(0);
    const sealFile = join(root, 'seal.json');
    writeFileSync(sealFile, seal.stdout);
    const json = join(root, 'since.json');
    const result = await urne(['audit', '--data-dir', data, '--since', sealFile, '--threads', '0', '--json', json]);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { chain: { ok: boolean; since: { ok: boolean } }; ballotsVerifiedEarlier: number; rules: { figures: { ballots: number } } };
    expect(report.chain).toMatchObject({ ok: true, since: { ok: true } });
    expect(report.ballotsVerifiedEarlier).toBeGreaterThan(0);
    expect(report.ballotsVerifiedEarlier).toBeLessThanOrEqual(report.rules.figures.ballots);
    // An edit before the seal is found even with --since: the prefix must chain to it.
    const copy = tampered((events) => events.prepare("UPDATE events SET data = replace(data, '\"district\":\"', '\"district\":\"9') WHERE position = (SELECT min(position) FROM events WHERE type = 'RegistrationApproved')").run());
    const refused = await urne(['audit', '--data-dir', copy, '--since', sealFile, '--threads', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/audit FAILED: chain/);
  }, 120_000);

  it('usage errors: no ledger in the folder, both sources (exit 2)', async () => {
    expect((await urne(['audit', '--data-dir', join(root, 'nothing-here')])).code).toBe(2);
    expect((await urne(['audit', '--data-dir', data, '--kurrentdb', 'kurrentdb://localhost:2113'])).code).toBe(2);
  }, 60_000);
});
