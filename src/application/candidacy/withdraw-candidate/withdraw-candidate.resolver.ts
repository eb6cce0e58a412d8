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
import { WithdrawCandidateCommand, WithdrawCandidateInput } from './withdraw-candidate.command.js';

@Resolver()
export class WithdrawCandidateResolver {
  constructor(private readonly commandBus: CommandBus, @Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Mutation(() => CandidateType, { description: 'The council records a withdrawal, with a public reason. Refusals: UnknownCandidate, CandidateWithdrawn, ReasonRequired, ElectionCancelled, VotingAlreadyOpen.' })
  @AllowedFor('council')
  async withdrawCandidate(@Args('input', { type: () => WithdrawCandidateInput }) input: WithdrawCandidateInput, @CurrentActor() actor: Actor): Promise<CandidateType> {
    const valid = assertValidInput(WithdrawCandidateInput, input);
    await this.commandBus.execute(new WithdrawCandidateCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return toCandidateView(await loadCandidate(this.store, valid.electionId, valid.candidateId));
  }
}
