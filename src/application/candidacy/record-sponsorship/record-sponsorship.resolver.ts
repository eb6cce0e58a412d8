import { Inject } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Args, Field, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import { sponsorStreamName } from '../../../domain/candidacy/candidacy.events.js';
import type { SponsorKind } from '../../../domain/election/election.rules.js';
import { DomainError } from '../../../domain/shared/decider.js';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { collect, type EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { assertValidInput } from '../../election/input-validation.js';
import { RecordSponsorshipCommand, RecordSponsorshipInput } from './record-sponsorship.command.js';

@ObjectType('SponsorshipRecorded', { description: 'A sponsorship as recorded in the sponsor’s stream.' })
export class SponsorshipRecordedType {
  @Field() electionId!: string;
  @Field() candidateId!: string;
  @Field() sponsorKind!: string;
  @Field({ description: 'The sponsor’s district (arrondissement) from the reference list; empty when the mandate has none.' }) district!: string;
  @Field({ description: 'When it was recorded (ISO 8601).' }) givenAt!: string;
  @Field({ description: 'True when this commandId had already been recorded (a retry).' }) alreadyApplied!: boolean;
}

@Resolver()
export class RecordSponsorshipResolver {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Mutation(() => SponsorshipRecordedType, {
    description:
      'Records a signed sponsorship form (council or operator). Refusals: SponsorshipNotYetOpen, SponsorshipClosed, ElectionCancelled, ElectionNotDeclared, UnknownCandidate, CandidateWithdrawn, WrongSponsorKind, UnknownSponsor, SponsorAlreadyCommitted (details.committedTo, the candidate, for the council only).',
  })
  @AllowedFor('council', 'operator')
  async recordSponsorship(@Args('input', { type: () => RecordSponsorshipInput }) input: RecordSponsorshipInput, @CurrentActor() actor: Actor): Promise<SponsorshipRecordedType> {
    const valid = assertValidInput(RecordSponsorshipInput, input);
    try {
      const result = await this.commandBus.execute(new RecordSponsorshipCommand(valid, valid.commandId ?? randomUUID(), actor.id));
      const given = result.events[0]!.data;
      return { electionId: given.electionId, candidateId: given.candidateId, sponsorKind: given.sponsorKind, district: given.district, givenAt: given.givenAt, alreadyApplied: result.alreadyApplied };
    } catch (error) {
      // Operators record paper forms: they need not learn whom a sponsor chose. The council may.
      if (error instanceof DomainError && error.code === 'SponsorAlreadyCommitted' && actor.kind === 'staff' && actor.role === 'council') {
        const [first] = await collect(this.store.readStream(sponsorStreamName(valid.electionId, valid.sponsorKind as SponsorKind, valid.sponsorId)));
        const committedTo = (first?.data as { candidateId?: string } | undefined)?.candidateId ?? null;
        throw new DomainError(error.code, `${error.message} (candidate: ${committedTo ?? '?'})`, { ...error.details, committedTo });
      }
      throw error;
    }
  }
}
