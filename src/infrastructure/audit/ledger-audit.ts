import type { Logger } from 'pino';
import { LedgerRules, type Finding, type RuleFigures } from '../../domain/audit/ledger-rules.js';
import { auditArchive, type AuditReport } from '../../domain/belenios/audit/audit.js';
import { ballotFromJson, trackingNumber } from '../../domain/belenios/ballot.js';
import type { BallotVerification } from '../../domain/belenios/ballot-verification.js';
import type { ElectionKeyPublished } from '../../domain/vote/vote-setup.events.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { PROJECTIONS } from '../../projections/projections.js';
import { exportBeleniosArchive } from '../belenios-export/belenios-archive-export.js';
import { createBallotVerifier } from '../crypto/ballot-verifier.js';
import { nodeBeleniosCrypto } from '../crypto/node-belenios-crypto.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { auditProjections, type ProjectionAudit } from './projection-audit.js';

/**
 * `urne audit`: replays the whole ledger and verifies it. The rules are re-decided from the events
 * alone (src/domain/audit/ledger-rules.ts); every round's vote is rebuilt as a Belenios archive
 * from the log and verified like any Belenios archive (every ballot's proofs and signature, the
 * encrypted tally recomputed, every decryption proof, the result's arithmetic); every read model
 * is rebuilt and compared with what the node serves (when its read-model database is at hand).
 * The first failure is named: position, stream, type, reason.
 */

export interface RoundAudit {
  electionId: string;
  round: number;
  report: AuditReport;
}

/** The hash chain and seals, as `urne ledger verify` checks them (src/infrastructure/ledger-seal). */
export interface ChainAudit {
  ok: boolean;
  eventsRead: number;
  anchorsChecked: number;
  anchorsMatched: number;
  seal: { position: string; ok: boolean } | null;
  since: { position: string; ok: boolean } | null;
  /** The human description of the verification, first failure included. */
  description: string;
}

export interface LedgerAuditReport {
  verified: boolean;
  source: string;
  startedAt: string;
  seconds: number;
  headPosition: string | null;
  events: number;
  /** Null when no key was at hand to check the seals with. */
  chain: ChainAudit | null;
  rules: { figures: RuleFigures; findings: Finding[] };
  rounds: RoundAudit[];
  /** Ballots not re-verified because an earlier audit had (accepted before `--since`). */
  ballotsVerifiedEarlier: number;
  /** Null when no read-model database was given (an exported record, a bare KurrentDB). */
  projections: ProjectionAudit[] | null;
  firstFailure: { check: string; position: string; stream: string; type: string; reason: string } | null;
}

export interface LedgerAuditOptions {
  source: string;
  liveReadModels?: ReadModelDb;
  /** Worker threads for ballot proofs (0: this thread). */
  verifierThreads?: number;
  logger: Logger;
  /** The chain and seals, verified beforehand by the caller (it knows the key and the source). */
  chain?: ChainAudit | null;
  /**
   * A position an earlier audit verified up to (its seal's, with the chain proving the record
   * before it unchanged): ballots accepted up to there are not re-verified (their proofs, the
   * expensive part); everything else is checked again (rules, tally, decryptions, read models).
   */
  since?: bigint;
  onProgress?: (step: 'replay' | 'ballots' | 'projections', done: number, total: number | null, detail?: string) => void;
}

export async function auditLedger(store: EventStore, options: LedgerAuditOptions): Promise<LedgerAuditReport> {
  const started = Date.now();
  const rules = new LedgerRules();
  const rounds: { electionId: string; round: number }[] = [];
  const verifiedEarlier = new Set<string>();
  const head = await store.headPosition();
  for await (const event of store.readAll()) {
    rules.check(event);
    if (options.since !== undefined && event.position <= options.since && event.type === 'BallotAccepted') verifiedEarlier.add((event.data as { ballot: string }).ballot);
    if (event.type === 'ElectionKeyPublished') {
      const data = event.data as unknown as ElectionKeyPublished['data'];
      rounds.push({ electionId: data.electionId, round: data.round });
    }
    if (rules.figures.events % 5000 === 0) options.onProgress?.('replay', rules.figures.events, null);
    if (head !== null && event.position >= head) break;
  }
  const findings = rules.finish();
  options.onProgress?.('replay', rules.figures.events, rules.figures.events);

  const roundAudits: RoundAudit[] = [];
  const crypto = nodeBeleniosCrypto();
  const verifier = createBallotVerifier(options.verifierThreads ?? 0, options.logger);
  try {
    for (const { electionId, round } of rounds) {
      const chunks: Uint8Array[] = [];
      await exportBeleniosArchive(store, { electionId, round }, (chunk) => void chunks.push(chunk));
      const bytes = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      const report = await auditArchive(bytes, crypto, {
        verifyBallot: (election, text) => (verifiedEarlier.has(text) ? alreadyVerified(text, crypto) : verifier.verify(election.text, text)),
        concurrency: Math.max(1, (options.verifierThreads ?? 0) * 2),
        onProgress: (progress) => options.onProgress?.('ballots', progress.done, progress.total, `${electionId} round ${round}`),
      });
      roundAudits.push({ electionId, round, report });
    }
  } finally {
    await verifier.close();
  }

  const projections = options.liveReadModels ? await auditProjections(store, options.liveReadModels, PROJECTIONS, (name, events) => options.onProgress?.('projections', events, null, name)) : null;

  const chain = options.chain ?? null;
  const firstFailure = chain && !chain.ok ? { check: 'chain', position: '-', stream: '-', type: '-', reason: chain.description.split('\n').slice(0, 4).join(' ') } : firstFailureOf(findings, roundAudits, projections);
  return {
    verified: firstFailure === null,
    source: options.source,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    headPosition: head?.toString() ?? null,
    events: rules.figures.events,
    chain,
    rules: { figures: rules.figures, findings },
    rounds: roundAudits,
    ballotsVerifiedEarlier: verifiedEarlier.size,
    projections,
    firstFailure,
  };
}

/** A ballot the earlier audit verified: parsed (for its credential) and hashed, its proofs not re-checked. */
async function alreadyVerified(text: string, crypto: { sha256: (message: string) => Promise<Uint8Array> }): Promise<BallotVerification> {
  const ballot = ballotFromJson(JSON.parse(text));
  return { ok: true, ballot, trackingNumber: await trackingNumber(text, crypto.sha256), credential: ballot.credential.toString() };
}

function firstFailureOf(findings: Finding[], rounds: RoundAudit[], projections: ProjectionAudit[] | null): LedgerAuditReport['firstFailure'] {
  const finding = findings[0];
  if (finding) return { check: `rules/${finding.rule}`, position: finding.position, stream: finding.stream, type: finding.type, reason: finding.reason };
  for (const { electionId, round, report } of rounds) {
    if (report.verified) continue;
    const failure = report.failure!;
    const where = failure.event ? `Belenios event ${failure.event.height} (${failure.event.type}${failure.event.ballot ? `, ballot ${failure.event.ballot.index}` : ''})` : 'the archive';
    return { check: `vote/${failure.check}`, position: where, stream: `ballotbox-${electionId}.${round}`, type: failure.code, reason: failure.reason };
  }
  const projection = projections?.find((p) => p.status === 'differs');
  if (projection) {
    const tables = projection.tables.filter((t) => !t.matches).map((t) => `${t.table} (${t.rows} rows served, ${t.rebuiltRows} rebuilt)`);
    return { check: `projections/${projection.projection}`, position: projection.position ?? 'start', stream: '-', type: '-', reason: `the read model served differs from its rebuild from the log: ${tables.join(', ')}` };
  }
  return null;
}

/** The report for people (Markdown): what was checked, the figures, the verdict. */
export function ledgerAuditMarkdown(report: LedgerAuditReport): string {
  const lines: string[] = [];
  lines.push(`# Audit of ${report.source}`, '');
  lines.push(`**Verdict: ${report.verified ? 'VERIFIED' : 'FAILED'}** — ${report.events.toLocaleString('en')} events up to position ${report.headPosition ?? '(empty)'}, checked in ${report.seconds.toFixed(1)} s (${report.startedAt}).`, '');
  if (report.firstFailure) {
    const f = report.firstFailure;
    lines.push('## First failure', '', `- check: ${f.check}`, `- where: position ${f.position}, stream \`${f.stream}\`, ${f.type}`, `- reason: ${f.reason}`, '');
  }
  lines.push('## The chain and the seals', '');
  if (report.chain === null) lines.push('Not checked: no sealing key at hand (give --key, or a kept --seal).', '');
  else {
    lines.push(`Every event's digest chained in log order and compared with ${report.chain.anchorsChecked} signed seal anchors found in the ledger (${report.chain.anchorsMatched} match)${report.chain.seal ? `, and with your seal at position ${report.chain.seal.position}` : ''}${report.chain.since ? `, from your earlier seal at position ${report.chain.since.position}` : ''}: ${report.chain.ok ? 'verified' : 'FAILED'}.`, '');
    lines.push('```', report.chain.description.trim(), '```', '');
  }
  const r = report.rules.figures;
  lines.push('## The rules, re-decided from the events', '');
  lines.push('Phase order (sponsorships before the deadline in force, registrations in their window, ballots only while the box is open, no tally before the close, no result before the tally), sponsorship thresholds and district spread at certification, one sponsorship per sponsor, automatic approvals only with both contacts confirmed, one émargement per voter and round, émargements equal to counted ballots, unique tracking numbers, the result adding up.', '');
  lines.push(`| elections | sponsorships | certified candidates | registrations | approved | rounds | émargements | ballots | findings |`, '|---|---|---|---|---|---|---|---|---|');
  lines.push(`| ${r.elections} | ${r.sponsorships} | ${r.certifiedCandidates} | ${r.registrations} | ${r.approvedRegistrations} | ${r.rounds} | ${r.emargements} | ${r.ballots} | ${report.rules.findings.length} |`, '');
  for (const finding of report.rules.findings) lines.push(`- **${finding.rule}** at position ${finding.position} (\`${finding.stream}\`, ${finding.type}): ${finding.reason}`);
  if (report.rules.findings.length > 0) lines.push('');
  lines.push('## The vote, round by round (Belenios 2.0)', '');
  if (report.ballotsVerifiedEarlier > 0) lines.push(`${report.ballotsVerifiedEarlier} ballots accepted before your earlier seal were not re-verified (their record is proven unchanged by the chain); every later ballot was.`, '');
  if (report.rounds.length === 0) lines.push('No round has an election key yet.', '');
  for (const { electionId, round, report: vote } of report.rounds) {
    lines.push(`### ${electionId}, round ${round}: ${vote.verified ? 'verified' : 'FAILED'} (stage ${vote.stage ?? 'none'})`, '');
    lines.push(`${vote.counts.credentials} credentials, ${vote.counts.ballots} ballots (${vote.counts.replacedBallots} replaced by a revote), ${vote.counts.tallied} tallied, ${vote.counts.partialDecryptions} partial decryptions.`, '');
    for (const check of vote.checks) lines.push(`- ${check.name}: ${check.status}`);
    if (vote.failure) lines.push(`- failure: ${vote.failure.code}: ${vote.failure.reason}`);
    if (vote.result) {
      lines.push('', `Result (${vote.result.published ? 'published and verified' : 'computed, not yet published'}):`, '');
      for (const question of vote.result.questions) {
        lines.push(`| ${question.question} | votes |`, '|---|---|');
        for (const answer of question.answers) lines.push(`| ${answer.answer} | ${answer.count} |`);
        if (question.blank !== undefined) lines.push(`| (blank) | ${question.blank} |`);
        lines.push('');
      }
    }
    lines.push('');
  }
  lines.push('## Read models rebuilt from the log', '');
  if (report.projections === null) lines.push('Not compared: no read-model database was given (`--data-dir` of a node).', '');
  else {
    lines.push('| read model | position | events | status |', '|---|---|---|---|');
    for (const p of report.projections) lines.push(`| ${p.projection} | ${p.position ?? '-'} | ${p.events} | ${p.status} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
