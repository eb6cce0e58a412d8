import { requireDeclared } from '../election/election.phases.js';
import type { ElectionState } from '../election/election.state.js';
import { describeInstant } from '../election/time-zone.js';
import { DomainError, type Decider } from '../shared/decider.js';
import type { BallotOrderEvent } from './candidacy.events.js';
import { CANDIDACY_REASON_MAX_LENGTH } from './candidacy.rules.js';

export type BallotOrderState = { candidateIds: string[] | null };

export interface SetBallotOrder {
  type: 'SetBallotOrder';
  electionId: string;
  candidateIds: string[];
  /** How the order was decided (e.g. "public draw on 20 May, minutes no. 12"). */
  reason: string;
  /** The candidates currently certified and not withdrawn, read from their streams by the handler. */
  certifiedCandidateIds: string[];
  election: ElectionState;
  at: string;
}

/**
 * The official order of the ballot (stream `ballotorder-<electionId>`), set by the council, with a
 * reason; it may be set again (each order is recorded) until the vote opens. Every certified
 * candidate still in the race appears exactly once, and no one else: DuplicateCandidate,
 * CandidateNotCertified, CertifiedCandidateMissing. A candidate who withdraws later simply drops
 * out of the published list (the candidates view), the others keep their relative order.
 */
export const ballotOrderDecider: Decider<SetBallotOrder, BallotOrderEvent, BallotOrderState> = {
  initialState: () => ({ candidateIds: null }),
  evolve: (_state, event) => ({ candidateIds: event.data.candidateIds }),
  decide(command) {
    const election = requireDeclared(command.election);
    if (election.status === 'cancelled') throw new DomainError('ElectionCancelled', 'The election was cancelled', { electionId: command.electionId });
    if (Date.parse(command.at) >= Date.parse(election.dates.votingOpensAt)) {
      throw new DomainError('VotingAlreadyOpen', `The ballot is fixed: voting opened on ${describeInstant(election.dates.votingOpensAt, election.rules.timeZone)}`, { votingOpensAt: election.dates.votingOpensAt });
    }
    const reason = command.reason.trim();
    if (reason === '' || reason.length > CANDIDACY_REASON_MAX_LENGTH) throw new DomainError('ReasonRequired', `Say how the order was decided (1 to ${CANDIDACY_REASON_MAX_LENGTH} characters)`);
    const seen = new Set<string>();
    for (const id of command.candidateIds) {
      if (seen.has(id)) throw new DomainError('DuplicateCandidate', `"${id}" appears more than once`, { candidateId: id });
      seen.add(id);
      if (!command.certifiedCandidateIds.includes(id)) throw new DomainError('CandidateNotCertified', `"${id}" is not a certified candidate still in the race`, { candidateId: id });
    }
    const missing = command.certifiedCandidateIds.filter((id) => !seen.has(id));
    if (missing.length > 0) throw new DomainError('CertifiedCandidateMissing', `Every certified candidate must be placed: missing ${missing.join(', ')}`, { missing });
    return [{ type: 'BallotOrderSet', data: { electionId: command.electionId, candidateIds: [...command.candidateIds], reason, setAt: command.at } }];
  },
};
