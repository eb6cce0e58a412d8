import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { staffIdOf } from '../vote-actors.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { SubmitPartialDecryptionCommand, SubmitPartialDecryptionInput } from './submit-partial-decryption.command.js';

@Resolver()
export class SubmitPartialDecryptionResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description: 'A trustee submits their partial decryption of the encrypted tally; the result is computed as soon as a quorum is in. Refusals: NotATrustee, WrongVoteStage, InvalidPartialDecryption, DecryptionAlreadySubmitted.',
  })
  @AllowedFor('trustee')
  async submitPartialDecryption(@Args('input', { type: () => SubmitPartialDecryptionInput }) input: SubmitPartialDecryptionInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(SubmitPartialDecryptionInput, input);
    await this.commandBus.execute(new SubmitPartialDecryptionCommand(valid, valid.commandId ?? randomUUID(), actor.id, staffIdOf(actor)));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
