import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { activityWindow } from '../../../domain/election/election.phases.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { BallotBoxOpened, Round } from '../../../domain/vote/vote.events.js';
import { WrongExpectedVersionError } from '../../../infrastructure/event-store/event-store.errors.js';
import { deterministicEventId } from '../../command-handling/deterministic-id.js';
import { loadElection } from '../../election/load-election.js';
import { RoundCommand } from '../round-command.js';
import { VoteRounds } from '../vote-rounds.js';

export class OpenBallotBoxCommand extends RoundCommand {}

/**
 * Opens the ballot box of a sealed round, at or after the opening time. The box must be empty:
 * the opening is its first event, appended with `no_stream`, so a box that holds anything
 * (a ballot slipped in before opening) refuses to open.
 */
@CommandHandler(OpenBallotBoxCommand)
export class OpenBallotBoxHandler implements ICommandHandler<OpenBallotBoxCommand> {
  constructor(private readonly rounds: VoteRounds) {}

  async execute(command: OpenBallotBoxCommand): Promise<BallotBoxOpened> {
    const { electionId } = command.input;
    const round = command.input.round as Round;
    const state = await this.rounds.loadPrepared(electionId, round);
    if (state.stage !== 'sealed' || !state.seal) throw new DomainError('NotSealed', 'The round must be sealed before its ballot box opens');
    const now = this.rounds.now().toISOString();
    const window = activityWindow(await loadElection(this.rounds.store, electionId), 'voting', round);
    if (now < window.opensAt) throw new DomainError('VotingNotYetOpen', `Voting opens at ${window.opensAt}`, { opensAt: window.opensAt });
    if (now >= window.closesAt) throw new DomainError('VotingClosed', `Voting closed at ${window.closesAt}`, { closesAt: window.closesAt });
    const event: BallotBoxOpened = { type: 'BallotBoxOpened', data: { electionId, round, beleniosUuid: state.beleniosUuid, sealFingerprint: state.seal.seal, at: now } };
    const box = this.rounds.ballotBox(electionId, round);
    try {
      await this.rounds.store.appendToStream(
        box.stream,
        [{ id: deterministicEventId(`${box.stream}:opened`, 0), type: event.type, data: event.data, metadata: { correlationId: command.commandId, causationId: command.commandId, actor: command.actor, schemaVersion: 1, occurredAt: now } }],
        { expectedState: 'no_stream' },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) throw new DomainError('BallotBoxNotEmpty', 'The ballot box is already open or not empty');
      throw error;
    }
    return event;
  }
}
