import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { requireDeclared } from '../../../domain/election/election.phases.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { decideOutcome } from '../../../domain/vote/outcome.js';
import { EMARGEMENT_CATEGORY, type EmargementRecorded, type Round } from '../../../domain/vote/vote.events.js';
import { loadElection } from '../../election/load-election.js';
import { RoundCommand } from '../round-command.js';
import { VoteRounds } from '../vote-rounds.js';

export class CertifyResultCommand extends RoundCommand {}

/**
 * The council certifies a tallied round. Before it does, the émargements (voters recorded as
 * having voted, counted from the log itself, not a read model) must equal the ballots counted:
 * the 2013 primary published 20,010 votes for 20,074 voters, and nobody could say why.
 */
@CommandHandler(CertifyResultCommand)
export class CertifyResultHandler implements ICommandHandler<CertifyResultCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: CertifyResultCommand) {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    if (!state.result) throw new DomainError('WrongVoteStage', 'There is no result to certify yet', { stage: state.stage });
    const voters = await countEmargements(this.rounds, electionId, round);
    if (voters !== state.result.countedBallots) {
      throw new DomainError('CountMismatch', `${voters} voters are recorded as having voted, but ${state.result.countedBallots} ballots were counted: investigate before certifying`, {
        emargements: voters,
        countedBallots: state.result.countedBallots,
      });
    }
    const election = requireDeclared(await loadElection(this.rounds.store, electionId));
    const outcome = decideOutcome(state.result.counts, election.rules.rounds, round);
    return this.rounds.execute(electionId, round, command.commandId, { type: 'CertifyResult', ...outcome, at: this.rounds.now().toISOString() }, command.actor);
  }
}

/** Distinct voters of a round: the first émargement of each voter (revotes do not add one). */
export async function countEmargements(rounds: VoteRounds, electionId: string, round: Round): Promise<number> {
  const prefix = `${EMARGEMENT_CATEGORY}-${electionId}.${round}.`;
  let voters = 0;
  for await (const event of rounds.store.readAll({ filter: { kind: 'streamName', prefixes: [prefix] } })) {
    if (event.stream.startsWith(prefix) && event.type === 'EmargementRecorded' && !(event.data as unknown as EmargementRecorded['data']).revote) voters++;
  }
  return voters;
}
