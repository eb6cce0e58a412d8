import { assertActivityOpen } from '../election/election.phases.js';
import type { SponsorKind } from '../election/election.rules.js';
import type { ElectionState } from '../election/election.state.js';
import { DomainError, type Decider } from '../shared/decider.js';
import type { SponsorEvent } from './candidacy.events.js';
import type { CandidateState } from './candidate.decider.js';

export type SponsorState = { status: 'free' } | { status: 'committed'; candidateId: string; givenAt: string };

/**
 * What the reference lists say about the sponsor id, looked up by the handler: the district when
 * the id is on the electoral roll (as a voter) or in the list of elected officials, null otherwise.
 */
export interface SponsorLookup {
  asVoter: { district: string } | null;
  asOfficial: { district: string } | null;
}

export interface RecordSponsorship {
  type: 'RecordSponsorship';
  electionId: string;
  candidateId: string;
  sponsorKind: SponsorKind;
  sponsorId: string;
  lookup: SponsorLookup;
  /** The candidate's state, read from its stream just before. */
  candidate: CandidateState;
  election: ElectionState;
  at: string;
}

/**
 * A sponsor (stream `sponsor-<electionId>.<sponsorKind>.<sponsorId>`, created with `no_stream`):
 * one sponsorship at most, across all candidates. Refusals, in this order: the window
 * (SponsorshipNotYetOpen, SponsorshipClosed, ElectionCancelled), UnknownCandidate,
 * CandidateWithdrawn, WrongSponsorKind (the id is known, as the other kind), UnknownSponsor,
 * SponsorAlreadyCommitted (the error does not say for whom: operators record paper forms and
 * need not learn a sponsor's choice; the council reads it in the sponsor's stream).
 */
export const sponsorDecider: Decider<RecordSponsorship, SponsorEvent, SponsorState> = {
  initialState: () => ({ status: 'free' }),
  evolve: (_state, event) => ({ status: 'committed', candidateId: event.data.candidateId, givenAt: event.data.givenAt }),
  decide(command, state) {
    const { electionId, candidateId, sponsorKind, sponsorId } = command;
    assertActivityOpen(command.election, 'sponsorship', command.at);
    if (command.candidate.status === 'none') throw new DomainError('UnknownCandidate', `No candidate "${candidateId}" was declared in ${electionId}`, { electionId, candidateId });
    if (command.candidate.withdrawal) throw new DomainError('CandidateWithdrawn', `The candidate "${candidateId}" withdrew: sponsorships are no longer recorded`, { candidateId, withdrawnAt: command.candidate.withdrawal.withdrawnAt });
    const found = sponsorKind === 'voter' ? command.lookup.asVoter : command.lookup.asOfficial;
    const other = sponsorKind === 'voter' ? command.lookup.asOfficial : command.lookup.asVoter;
    if (!found && other) {
      const actual: SponsorKind = sponsorKind === 'voter' ? 'elected-official' : 'voter';
      throw new DomainError('WrongSponsorKind', `"${sponsorId}" is not a ${sponsorKind} sponsor: it is known as ${actual}`, { sponsorId, sponsorKind, actualKind: actual });
    }
    if (!found) {
      const list = sponsorKind === 'voter' ? 'on the electoral roll' : 'in the list of elected officials';
      throw new DomainError('UnknownSponsor', `"${sponsorId}" is not ${list} of ${electionId}`, { sponsorId, sponsorKind });
    }
    if (state.status === 'committed') {
      throw new DomainError('SponsorAlreadyCommitted', `This sponsor has already sponsored a candidate (on ${state.givenAt}): a sponsor sponsors one candidate at most`, { sponsorId, sponsorKind, committedAt: state.givenAt });
    }
    return [{ type: 'SponsorshipGiven', data: { electionId, candidateId, sponsorKind, sponsorId, district: found.district, givenAt: command.at } }];
  },
};
