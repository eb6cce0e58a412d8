import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { staffIdOf } from '../vote-actors.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { SubmitThresholdCertificateCommand, SubmitThresholdCertificateInput } from './submit-threshold-certificate.command.js';

@Resolver()
export class SubmitThresholdCertificateResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description:
      'Threshold ceremony, step 1: a member of the threshold group submits their certificate (made by `urne trustee threshold-certificate`). Refusals: InvalidCertificate, NotATrustee, AlreadySubmitted, WrongCeremonyStep, WrongVoteStage, VoteNotPrepared.',
  })
  @AllowedFor('trustee')
  async submitThresholdCertificate(@Args('input', { type: () => SubmitThresholdCertificateInput }) input: SubmitThresholdCertificateInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(SubmitThresholdCertificateInput, input);
    await this.commandBus.execute(new SubmitThresholdCertificateCommand(valid, valid.commandId ?? randomUUID(), actor.id, staffIdOf(actor)));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
