import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { Inject } from '@nestjs/common';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { CandidateType, toCandidateView } from '../candidacy.types.js';
import { loadCandidate } from '../load-candidate.js';
import { DeclareCandidateCommand, DeclareCandidateInput } from './declare-candidate.command.js';

@Resolver()
export class DeclareCandidateResolver {
  constructor(private readonly commandBus: CommandBus, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Mutation(() => CandidateType, {
    description: 'The council declares a candidate. Refusals: ElectionNotDeclared, ElectionCancelled, SponsorshipNotYetOpen, SponsorshipClosed, CandidateAlreadyDeclared.',
  })
  @AllowedFor('council')
  async declareCandidate(@Args('input', { type: () => DeclareCandidateInput }) input: DeclareCandidateInput, @CurrentActor() actor: Actor): Promise<CandidateType> {
    const valid = assertValidInput(DeclareCandidateInput, input);
    await this.commandBus.execute(new DeclareCandidateCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return toCandidateView(await loadCandidate(this.store, valid.electionId, valid.candidateId));
  }
}
