import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { staffIdOf } from '../vote-actors.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { SubmitThresholdVoutputCommand, SubmitThresholdVoutputInput } from './submit-threshold-voutput.command.js';

@Resolver()
export class SubmitThresholdVoutputResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description:
      'Threshold ceremony, step 3 (once every polynomial is in): a member of the threshold group submits their voutput, the verification key of their key share (made by `urne trustee threshold-voutput` from `thresholdVinput`). Refusals: InvalidVoutput, NotATrustee, AlreadySubmitted, WrongCeremonyStep, WrongVoteStage, VoteNotPrepared.',
  })
  @AllowedFor('trustee')
  async submitThresholdVoutput(@Args('input', { type: () => SubmitThresholdVoutputInput }) input: SubmitThresholdVoutputInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(SubmitThresholdVoutputInput, input);
    await this.commandBus.execute(new SubmitThresholdVoutputCommand(valid, valid.commandId ?? randomUUID(), actor.id, staffIdOf(actor)));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
