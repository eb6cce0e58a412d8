import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { candidateDecider } from '../../../domain/candidacy/candidate.decider.js';
import { candidateStreamName, type CandidateEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import type { ReadModelDb } from '../../../projections/projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../../../projections/projections.service.js';
import { readTallies } from '../../../projections/sponsorship-progress/sponsorship-progress.projection.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../../election/election-clock.js';
import { loadElection } from '../../election/load-election.js';
import { waitForSponsorshipProgress } from '../wait-for-read-model.js';
import { CertifyCandidateCommand } from './certify-candidate.command.js';

/**
 * Re-checks the thresholds on the sponsorship-progress read model, after waiting for it to reach
 * the head of the log as it was when the command arrived: every sponsorship recorded before the
 * council pressed the button is counted. (Sponsorships only add up, so one recorded meanwhile
 * cannot make a qualified candidate unqualified.)
 */
@CommandHandler(CertifyCandidateCommand)
export class CertifyCandidateHandler implements ICommandHandler<CertifyCandidateCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  async execute(command: CertifyCandidateCommand): Promise<CommandResult<CandidateEvent>> {
    const now = this.clock.now();
    const { input } = command;
    await waitForSponsorshipProgress(this.store, this.projections);
    const tallies = readTallies(this.db, input.electionId, input.candidateId);
    const election = await loadElection(this.store, input.electionId);
    return handleCommand(
      this.store,
      candidateDecider,
      {
        commandId: command.commandId,
        stream: candidateStreamName(input.electionId, input.candidateId),
        command: { type: 'CertifyCandidate', electionId: input.electionId, candidateId: input.candidateId, tallies, election, at: now.toISOString() },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
