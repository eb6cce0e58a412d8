import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { staffIdOf } from '../vote-actors.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { SubmitTrusteeKeyCommand, SubmitTrusteeKeyInput } from './submit-trustee-key.command.js';

@Resolver()
export class SubmitTrusteeKeyResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description: "A trustee submits their verification key for a round (made by `urne trustee generate-key`). Refusals: InvalidTrusteeKey, KeyReused, NotATrustee, KeyAlreadySubmitted, WrongVoteStage, VoteNotPrepared.",
  })
  @AllowedFor('trustee')
  async submitTrusteeKey(@Args('input', { type: () => SubmitTrusteeKeyInput }) input: SubmitTrusteeKeyInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(SubmitTrusteeKeyInput, input);
    await this.commandBus.execute(new SubmitTrusteeKeyCommand(valid, valid.commandId ?? randomUUID(), actor.id, staffIdOf(actor)));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
