import { Inject } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../../infrastructure/event-store/event-store.token.js';
import { assertValidInput } from '../../election/input-validation.js';
import { CandidateType, toCandidateView } from '../candidacy.types.js';
import { loadCandidate } from '../load-candidate.js';
import { CertifyCandidateCommand, CertifyCandidateInput } from './certify-candidate.command.js';

@Resolver()
export class CertifyCandidateResolver {
  constructor(private readonly commandBus: CommandBus, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Mutation(() => CandidateType, { description: 'The council certifies a candidate. Refusals: UnknownCandidate, CandidateWithdrawn, CandidateAlreadyCertified, NotQualified (details.figures), ElectionCancelled, VotingAlreadyOpen, ReadModelBehind.' })
  @AllowedFor('council')
  async certifyCandidate(@Args('input', { type: () => CertifyCandidateInput }) input: CertifyCandidateInput, @CurrentActor() actor: Actor): Promise<CandidateType> {
    const valid = assertValidInput(CertifyCandidateInput, input);
    await this.commandBus.execute(new CertifyCandidateCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return toCandidateView(await loadCandidate(this.store, valid.electionId, valid.candidateId));
  }
}
