import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { staffIdOf } from '../vote-actors.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { SubmitThresholdPolynomialCommand, SubmitThresholdPolynomialInput } from './submit-threshold-polynomial.command.js';

@Resolver()
export class SubmitThresholdPolynomialResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description:
      'Threshold ceremony, step 2 (once every certificate is in): a member of the threshold group submits their polynomial (made by `urne trustee threshold-polynomial`). Refusals: InvalidPolynomial, NotATrustee, AlreadySubmitted, WrongCeremonyStep, WrongVoteStage, VoteNotPrepared.',
  })
  @AllowedFor('trustee')
  async submitThresholdPolynomial(@Args('input', { type: () => SubmitThresholdPolynomialInput }) input: SubmitThresholdPolynomialInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(SubmitThresholdPolynomialInput, input);
    await this.commandBus.execute(new SubmitThresholdPolynomialCommand(valid, valid.commandId ?? randomUUID(), actor.id, staffIdOf(actor)));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
