import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { electionDecider, type DeclareElection } from '../../../domain/election/election.decider.js';
import { electionStreamName, type ElectionEvent } from '../../../domain/election/election.events.js';
import { DEFAULT_TIME_ZONE, type RevotePolicy, type SponsorKind } from '../../../domain/election/election.rules.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { handleCommand, type CommandResult } from '../../command-handling/handle-command.js';
import { CLOCK, type Clock } from '../../ports/clock.js';
import { clockOrSystem } from '../election-clock.js';
import { DeclareElectionCommand, type DeclareElectionInput } from './declare-election.command.js';

/** The domain command for a validated input, at `at` (defaults: Europe/Paris, one round at 50%, no fee). */
export function toDeclareElection(input: DeclareElectionInput, at: Date): DeclareElection {
  return {
    type: 'DeclareElection',
    electionId: input.electionId,
    name: input.name,
    organiser: input.organiser,
    rules: {
      timeZone: input.timeZone ?? DEFAULT_TIME_ZONE,
      sponsorship: input.sponsorship.map((rule) => ({
        sponsorKind: rule.sponsorKind as SponsorKind,
        minimumSponsors: rule.minimumSponsors,
        minimumDistinctDistricts: rule.minimumDistinctDistricts,
      })),
      rounds: { count: input.rounds?.count ?? 1, majorityPercent: input.rounds?.majorityPercent ?? 50 },
      blankVoteAllowed: input.blankVoteAllowed,
      revotePolicy: input.revotePolicy as RevotePolicy,
      registrationFee: input.registrationFee ? { amountCents: input.registrationFee.amountCents, currency: input.registrationFee.currency } : null,
    },
    dates: {
      sponsorshipDeadline: input.sponsorshipDeadline,
      registrationOpensAt: input.registrationOpensAt,
      registrationClosesAt: input.registrationClosesAt,
      votingOpensAt: input.votingOpensAt,
      votingClosesAt: input.votingClosesAt,
      secondRoundVotingOpensAt: input.secondRoundVotingOpensAt ?? null,
      secondRoundVotingClosesAt: input.secondRoundVotingClosesAt ?? null,
    },
    at: at.toISOString(),
  };
}

/**
 * Declares an election on `election-<id>` (no_stream: a second declaration is refused with
 * ElectionAlreadyDeclared). Used by DeclareElectionHandler and by `urne election declare`.
 */
export async function declareElection(deps: { store: EventStore; clock: Clock }, command: DeclareElectionCommand): Promise<CommandResult<ElectionEvent>> {
  const now = deps.clock.now();
  return handleCommand(
    deps.store,
    electionDecider,
    { commandId: command.commandId, stream: electionStreamName(command.input.electionId), command: toDeclareElection(command.input, now), actor: command.actor },
    { now: () => now },
  );
}

@CommandHandler(DeclareElectionCommand)
export class DeclareElectionHandler implements ICommandHandler<DeclareElectionCommand> {
  private readonly clock: Clock;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clockOrSystem(clock);
  }

  execute(command: DeclareElectionCommand): Promise<CommandResult<ElectionEvent>> {
    return declareElection({ store: this.store, clock: this.clock }, command);
  }
}
