import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { candidateDecider } from '../../../domain/candidacy/candidate.decider.js';
import { candidateStreamName, type CandidateEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../../election/election-clock.js';
import { loadElection } from '../../election/load-election.js';
import { WithdrawCandidateCommand } from './withdraw-candidate.command.js';

@CommandHandler(WithdrawCandidateCommand)
export class WithdrawCandidateHandler implements ICommandHandler<WithdrawCandidateCommand> {
  private readonly clock: Clock;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Optional() @Inject(CLOCK) clock?: Clock) {
    this.clock = clockOrSystem(clock);
  }

  async execute(command: WithdrawCandidateCommand): Promise<CommandResult<CandidateEvent>> {
    const now = this.clock.now();
    const { input } = command;
    const election = await loadElection(this.store, input.electionId);
    return handleCommand(
      this.store,
      candidateDecider,
      {
        commandId: command.commandId,
        stream: candidateStreamName(input.electionId, input.candidateId),
        command: { type: 'WithdrawCandidate', electionId: input.electionId, candidateId: input.candidateId, reason: input.reason, election, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
