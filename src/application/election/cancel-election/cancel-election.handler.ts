import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { electionDecider } from '../../../domain/election/election.decider.js';
import { electionStreamName, type ElectionEvent } from '../../../domain/election/election.events.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../election-clock.js';
import { CancelElectionCommand } from './cancel-election.command.js';

@CommandHandler(CancelElectionCommand)
export class CancelElectionHandler implements ICommandHandler<CancelElectionCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  execute(command: CancelElectionCommand): Promise<CommandResult<ElectionEvent>> {
    const now = this.clock.now();
    const { input } = command;
    return handleCommand(
      this.store,
      electionDecider,
      {
        commandId: command.commandId,
        stream: electionStreamName(input.electionId),
        command: { type: 'CancelElection', electionId: input.electionId, reason: input.reason, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
