import type { AuditCheckName, AuditReport } from './audit.js';

const CHECK_TITLES: Record<AuditCheckName, string> = {
  archive: 'archive integrity',
  setup: 'set-up',
  ballots: 'ballots',
  endBallots: 'end of ballots',
  encryptedTally: 'encrypted tally',
  partialDecryptions: 'partial decryptions',
  result: 'result',
};

const MARKS = { passed: 'ok  ', failed: 'FAIL', 'not reached': '  --', 'not applicable': '  - ' } as const;

/** The report for a person: what was checked, the result per question and answer, the verdict. */
export function formatAuditReport(file: string, report: AuditReport, seconds?: number): string {
  const lines: string[] = [];
  const e = report.election;
  lines.push(`${file}: Belenios 2.0 archive${e ? ` of "${e.name}" (uuid ${e.uuid}, ${e.group})` : ''}`);
  if (report.stage) lines.push(`stage: ${report.stage}; ${report.counts.events} events${report.lastEventHash ? `, last ${report.lastEventHash}` : ''}`);
  lines.push('');
  for (const check of report.checks) {
    lines.push(`[${MARKS[check.status]}] ${CHECK_TITLES[check.name]}${check.summary ? `: ${check.summary}` : check.status === 'not reached' ? ': not checked (an earlier check failed)' : ''}`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  if (report.failure) {
    const f = report.failure;
    lines.push('');
    const where = f.event
      ? ` at event height ${f.event.height} (${f.event.type}${f.event.ballot ? ` #${f.event.ballot.index}${f.event.ballot.trackingNumber ? `, tracking number ${f.event.ballot.trackingNumber}` : ''}` : ''}, ${f.event.hash})`
      : '';
    lines.push(`${f.code}${f.archiveCode ? ` (${f.archiveCode})` : ''}${where}: ${f.reason}`);
  }
  if (report.result) {
    lines.push('');
    lines.push(report.result.published ? 'result (published, verified):' : 'result (computed from the partial decryptions; no Result published yet):');
    for (const [i, question] of report.result.questions.entries()) {
      lines.push(`  ${i + 1}. ${question.question}`);
      const width = Math.max(...question.answers.map((a) => a.count.length), question.blank?.length ?? 0);
      for (const answer of question.answers) lines.push(`     ${answer.count.padStart(width)}  ${answer.answer}`);
      if (question.blank !== undefined) lines.push(`     ${question.blank.padStart(width)}  (blank)`);
    }
    lines.push(`  ${report.counts.tallied} ballots counted (total weight ${report.counts.totalWeight})`);
  }
  lines.push('');
  const time = seconds === undefined ? '' : ` in ${seconds.toFixed(1)} s`;
  lines.push(report.verified ? `VERIFIED${time}: every check passed (stage ${report.stage})` : `REJECTED${time}: ${report.failure!.reason}`);
  return `${lines.join('\n')}\n`;
}
