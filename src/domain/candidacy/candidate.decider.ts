import { assertActivityOpen, requireDeclared } from '../election/election.phases.js';
import type { ElectionState } from '../election/election.state.js';
import { describeInstant } from '../election/time-zone.js';
import { DomainError, type Decider } from '../shared/decider.js';
import type { CandidateEvent } from './candidacy.events.js';
import { CANDIDACY_REASON_MAX_LENGTH, CANDIDATE_NAME_MAX_LENGTH, qualification, type SponsorTally } from './candidacy.rules.js';

export type CandidateState =
  | { status: 'none' }
  | { status: 'declared' | 'certified' | 'withdrawn'; electionId: string; candidateId: string; name: string; party: string | null; certified: boolean; withdrawal: { reason: string; withdrawnAt: string } | null };

/** The election as its stream says (loadElection), and the instant from the handler's clock. */
interface InElection {
  election: ElectionState;
  at: string;
}

export interface DeclareCandidate extends InElection { type: 'DeclareCandidate'; electionId: string; candidateId: string; name: string; party: string | null }
/** `tallies`: the sponsors counted by the read model, caught up with the log when the handler read it. */
export interface CertifyCandidate extends InElection { type: 'CertifyCandidate'; electionId: string; candidateId: string; tallies: SponsorTally[] }
export interface WithdrawCandidate extends InElection { type: 'WithdrawCandidate'; electionId: string; candidateId: string; reason: string }
export type CandidateCommand = DeclareCandidate | CertifyCandidate | WithdrawCandidate;

const nonBlank = (value: string, max: number, code: string, field: string) => {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > max) throw new DomainError(code, `${field} must have 1 to ${max} characters`, { field });
  return trimmed;
};

function requireCandidate(state: CandidateState, command: { electionId: string; candidateId: string }) {
  if (state.status === 'none') throw new DomainError('UnknownCandidate', `No candidate "${command.candidateId}" was declared in ${command.electionId}`, { electionId: command.electionId, candidateId: command.candidateId });
  return state;
}

/** The candidate list is fixed when the vote opens: no declaration, certification or withdrawal after. */
function assertBeforeVote(election: ElectionState, at: string) {
  const declared = requireDeclared(election);
  if (declared.status === 'cancelled') throw new DomainError('ElectionCancelled', `The election was cancelled: ${declared.cancellation?.reason ?? ''}`, { electionId: declared.electionId });
  if (Date.parse(at) >= Date.parse(declared.dates.votingOpensAt)) {
    throw new DomainError('VotingAlreadyOpen', `The candidate list is fixed: voting opened on ${describeInstant(declared.dates.votingOpensAt, declared.rules.timeZone)}`, { votingOpensAt: declared.dates.votingOpensAt, at });
  }
}

/**
 * A candidate (stream `candidate-<electionId>.<candidateId>`). Declared while the sponsorship
 * window is open; certified by the council when the sponsorships meet every threshold (NotQualified
 * with the figures otherwise); withdrawn with a public reason (then never certified again, and no
 * longer sponsorable).
 */
export const candidateDecider: Decider<CandidateCommand, CandidateEvent, CandidateState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'CandidateDeclared':
        return { status: 'declared', electionId: event.data.electionId, candidateId: event.data.candidateId, name: event.data.name, party: event.data.party, certified: false, withdrawal: null };
      case 'CandidateCertified':
        return state.status === 'none' ? state : { ...state, status: 'certified', certified: true };
      case 'CandidateWithdrawn':
        return state.status === 'none' ? state : { ...state, status: 'withdrawn', withdrawal: { reason: event.data.reason, withdrawnAt: event.data.withdrawnAt } };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'DeclareCandidate': {
        assertActivityOpen(command.election, 'sponsorship', command.at);
        if (state.status !== 'none') throw new DomainError('CandidateAlreadyDeclared', `The candidate "${command.candidateId}" has already been declared`, { candidateId: command.candidateId });
        const name = nonBlank(command.name, CANDIDATE_NAME_MAX_LENGTH, 'InvalidCandidateName', 'name');
        const party = command.party === null || command.party.trim() === '' ? null : nonBlank(command.party, CANDIDATE_NAME_MAX_LENGTH, 'InvalidCandidateName', 'party');
        return [{ type: 'CandidateDeclared', data: { electionId: command.electionId, candidateId: command.candidateId, name, party, declaredAt: command.at } }];
      }
      case 'CertifyCandidate': {
        const candidate = requireCandidate(state, command);
        assertBeforeVote(command.election, command.at);
        if (candidate.withdrawal) throw new DomainError('CandidateWithdrawn', `The candidate "${command.candidateId}" withdrew: ${candidate.withdrawal.reason}`, { candidateId: command.candidateId, withdrawnAt: candidate.withdrawal.withdrawnAt });
        if (candidate.certified) throw new DomainError('CandidateAlreadyCertified', `The candidate "${command.candidateId}" is already certified`, { candidateId: command.candidateId });
        const result = qualification(requireDeclared(command.election).rules, command.tallies);
        const figures = result.figures.map(({ qualified: _q, ...figure }) => figure);
        if (!result.qualified) {
          const missing = result.figures.filter((f) => !f.qualified).map((f) => `${f.sponsorKind}: ${f.sponsors}/${f.minimumSponsors} sponsors from ${f.distinctDistricts}/${f.minimumDistinctDistricts} districts`);
          throw new DomainError('NotQualified', `The candidate "${command.candidateId}" does not meet the sponsorship thresholds (${missing.join('; ')})`, { candidateId: command.candidateId, figures });
        }
        return [{ type: 'CandidateCertified', data: { electionId: command.electionId, candidateId: command.candidateId, certifiedAt: command.at, figures } }];
      }
      case 'WithdrawCandidate': {
        const candidate = requireCandidate(state, command);
        assertBeforeVote(command.election, command.at);
        if (candidate.withdrawal) throw new DomainError('CandidateWithdrawn', `The candidate "${command.candidateId}" has already withdrawn`, { candidateId: command.candidateId, withdrawnAt: candidate.withdrawal.withdrawnAt });
        const reason = nonBlank(command.reason, CANDIDACY_REASON_MAX_LENGTH, 'ReasonRequired', 'reason');
        return [{ type: 'CandidateWithdrawn', data: { electionId: command.electionId, candidateId: command.candidateId, reason, withdrawnAt: command.at } }];
      }
    }
  },
};
