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
import { DeclareCandidateCommand } from './declare-candidate.command.js';

@CommandHandler(DeclareCandidateCommand)
export class DeclareCandidateHandler implements ICommandHandler<DeclareCandidateCommand> {
  private readonly clock: Clock;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Optional() @Inject(CLOCK) clock?: Clock) {
    this.clock = clockOrSystem(clock);
  }

  async execute(command: DeclareCandidateCommand): Promise<CommandResult<CandidateEvent>> {
    const now = this.clock.now();
    const { input } = command;
    const election = await loadElection(this.store, input.electionId);
    return handleCommand(
      this.store,
      candidateDecider,
      {
        commandId: command.commandId,
        stream: candidateStreamName(input.electionId, input.candidateId),
        command: { type: 'DeclareCandidate', electionId: input.electionId, candidateId: input.candidateId, name: input.name, party: input.party ?? null, election, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
