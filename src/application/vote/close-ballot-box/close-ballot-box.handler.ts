import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/shared/decider.js';
import { countedBallots } from '../../../domain/vote/cast.js';
import type { BallotBoxClosed, Round } from '../../../domain/vote/vote.events.js';
import { WrongExpectedVersionError } from '../../../infrastructure/event-store/event-store.errors.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { RoundCommand } from '../round-command.js';
import { VoteRounds } from '../vote-rounds.js';

export class CloseBallotBoxCommand extends RoundCommand<BallotBoxClosed> {
  by: 'schedule' | 'council' = 'council';
  /** For the schedule: the closing time itself, not the moment its tick noticed it. */
  closedAt?: string;
}

/**
 * Closes the ballot box: appended at the box's exact revision under the same lock as casts, so a
 * ballot either got in before the close or is refused with ElectionClosed — never after it.
 */
@CommandHandler(CloseBallotBoxCommand)
export class CloseBallotBoxHandler implements ICommandHandler<CloseBallotBoxCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: CloseBallotBoxCommand): Promise<BallotBoxClosed> {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const box = this.rounds.ballotBox(electionId, round);
    return box.lock(async () => {
      for (let attempt = 1; ; attempt++) {
        const { state, revision } = await box.catchUp();
        if (state.status === 'not-opened') throw new DomainError('BallotBoxNotOpen', 'The ballot box has not been opened');
        if (state.status === 'closed') throw new DomainError('BallotBoxAlreadyClosed', 'The ballot box is already closed');
        const at = command.closedAt ?? this.rounds.now().toISOString();
        const event: BallotBoxClosed = { type: 'BallotBoxClosed', data: { electionId, round, by: command.by, acceptedBallots: state.accepted, countedBallots: countedBallots(state), at } };
        try {
          await this.rounds.store.appendToStream(
            box.stream,
            [{ id: deterministicEventId(`${box.stream}:closed`, 0), type: event.type, data: event.data, metadata: { correlationId: command.commandId, causationId: command.commandId, actor: command.actor, schemaVersion: 1, occurredAt: at } }],
            { expectedState: revision! },
          );
          return event;
        } catch (error) {
          // Another node wrote to the box: catch up and decide again.
          if (!(error instanceof WrongExpectedVersionError) || attempt >= 5) throw error;
        }
      }
    });
  }
}
