import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { sponsorDecider } from '../../../domain/candidacy/sponsor.decider.js';
import { sponsorStreamName, type SponsorEvent } from '../../../domain/candidacy/candidacy.events.js';
import type { SponsorKind } from '../../../domain/election/election.rules.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { ELECTORAL_ROLL_LOOKUP, type ElectoralRollLookup } from '../../ports/electoral-roll.js';
import { clockOrSystem } from '../../election/election-clock.js';
import { loadElection } from '../../election/load-election.js';
import { loadCandidate } from '../load-candidate.js';
import { RecordSponsorshipCommand } from './record-sponsorship.command.js';

/**
 * Appends SponsorshipGiven to the sponsor's own stream, which must not exist yet (`no_stream`
 * from handleCommand's read of an empty stream): two forms of one sponsor recorded at the same
 * time conflict, the retry sees the first and refuses SponsorAlreadyCommitted.
 */
@CommandHandler(RecordSponsorshipCommand)
export class RecordSponsorshipHandler implements ICommandHandler<RecordSponsorshipCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ELECTORAL_ROLL_LOOKUP) private readonly roll: ElectoralRollLookup,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  async execute(command: RecordSponsorshipCommand): Promise<CommandResult<SponsorEvent>> {
    const now = this.clock.now();
    const { input } = command;
    const sponsorKind = input.sponsorKind as SponsorKind;
    const [election, candidate, entry, official] = await Promise.all([
      loadElection(this.store, input.electionId),
      loadCandidate(this.store, input.electionId, input.candidateId),
      this.roll.findEntry(input.electionId, input.sponsorId),
      this.roll.findOfficial(input.electionId, input.sponsorId),
    ]);
    return handleCommand(
      this.store,
      sponsorDecider,
      {
        commandId: command.commandId,
        stream: sponsorStreamName(input.electionId, sponsorKind, input.sponsorId),
        command: {
          type: 'RecordSponsorship',
          electionId: input.electionId,
          candidateId: input.candidateId,
          sponsorKind,
          sponsorId: input.sponsorId,
          lookup: { asVoter: entry ? { district: entry.arrondissement } : null, asOfficial: official ? { district: official.arrondissement } : null },
          candidate,
          election,
          at: now.toISOString(),
        },
        actor: command.actor,
      },
      { now: () => now },
    );
  }
}
