import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { electionDecider } from '../../../domain/election/election.decider.js';
import { electionStreamName, type ElectionEvent } from '../../../domain/election/election.events.js';
import type { ElectionDateName } from '../../../domain/election/election.rules.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../election-clock.js';
import { ChangeElectionDateCommand } from './change-election-date.command.js';

/** Records ElectionDateChanged { date, from, to, reason } at the clock's now; the decider judges the phase. */
export async function changeElectionDate(deps: { store: EventStore; clock: Clock }, command: ChangeElectionDateCommand): Promise<CommandResult<ElectionEvent>> {
  const now = deps.clock.now();
  const { input } = command;
  return handleCommand(
    deps.store,
    electionDecider,
    {
      commandId: command.commandId,
      stream: electionStreamName(input.electionId),
      command: { type: 'ChangeElectionDate', electionId: input.electionId, date: input.date as ElectionDateName, to: input.to, reason: input.reason, at: now.toISOString() },
      actor: command.actor,
    },
    { now: () => now },
  );
}

@CommandHandler(ChangeElectionDateCommand)
export class ChangeElectionDateHandler implements ICommandHandler<ChangeElectionDateCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  execute(command: ChangeElectionDateCommand): Promise<CommandResult<ElectionEvent>> {
    return changeElectionDate({ store: this.store, clock: this.clock }, command);
  }
}
