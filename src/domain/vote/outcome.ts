import type { RoundsRule } from '../election/election.rules.js';
import type { CandidateCount } from './vote-setup.events.js';
import type { Round } from './vote.events.js';

/**
 * Who is elected from a round's counts. Blank votes are not votes for a candidate, so the
 * majority is of the votes cast for candidates. In the first round of a two-round election a
 * candidate needs strictly more than `majorityPercent`; otherwise a second round is needed.
 * In a last round the most votes win; a tie elects nobody (the council decides, as the rules say).
 */
export function decideOutcome(counts: readonly CandidateCount[], rule: RoundsRule, round: Round): { winner: string | null; secondRoundNeeded: boolean } {
  const total = counts.reduce((sum, c) => sum + c.votes, 0);
  const best = Math.max(0, ...counts.map((c) => c.votes));
  const leaders = counts.filter((c) => c.votes === best);
  const lastRound = rule.count === 1 || round === 2;
  if (!lastRound) {
    const majority = leaders.length === 1 && total > 0 && best * 100 > rule.majorityPercent * total;
    return majority ? { winner: leaders[0]!.candidateId, secondRoundNeeded: false } : { winner: null, secondRoundNeeded: true };
  }
  return { winner: leaders.length === 1 && best > 0 ? leaders[0]!.candidateId : null, secondRoundNeeded: false };
}
