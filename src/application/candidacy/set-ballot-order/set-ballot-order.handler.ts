import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ballotOrderDecider } from '../../../domain/candidacy/ballot-order.decider.js';
import { ballotOrderStreamName, type BallotOrderEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { readCandidates } from '../../../projections/sponsorship-progress/sponsorship-progress.projection.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../../election/election-clock.js';
import { loadElection } from '../../election/load-election.js';
import { waitForSponsorshipProgress } from '../wait-for-read-model.js';
import { loadCandidate } from '../load-candidate.js';
import { SetBallotOrderCommand } from './set-ballot-order.command.js';

/**
 * Which candidates exist comes from the read model (caught up with the head of the log); whether
 * each is certified and still in the race is read from its own stream.
 */
@CommandHandler(SetBallotOrderCommand)
export class SetBallotOrderHandler implements ICommandHandler<SetBallotOrderCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  async execute(command: SetBallotOrderCommand): Promise<CommandResult<BallotOrderEvent>> {
    const now = this.clock.now();
    const { input } = command;
    const election = await loadElection(this.store, input.electionId);
    await waitForSponsorshipProgress(this.store, this.projections);
    const certifiedCandidateIds: string[] = [];
    for (const row of readCandidates(this.db, input.electionId)) {
      const candidate = await loadCandidate(this.store, input.electionId, row.candidateId);
      if (candidate.status === 'certified') certifiedCandidateIds.push(row.candidateId);
    }
    return handleCommand(
      this.store,
      ballotOrderDecider,
      {
        commandId: command.commandId,
        stream: ballotOrderStreamName(input.electionId),
        command: { type: 'SetBallotOrder', electionId: input.electionId, candidateIds: input.candidateIds, reason: input.reason, certifiedCandidateIds, election, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
