import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { ClientAddress } from '../../registration/registration.inputs.js';
import { RequestVotingCodeCommand, RequestVotingCodeInput } from './request-voting-code.command.js';

@Resolver()
export class RequestVotingCodeResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => Boolean, {
    description:
      'Sends the SMS authentication code to vote to the phone of the approved registration with this e-mail address. Answers true whether or not the address is a voter’s. Refusals (the same for every address): BAD_USER_INPUT, InvalidEmail, InvalidElectionId, ElectionNotDeclared, ElectionCancelled, VotingNotYetOpen, VotingClosed, RATE_LIMITED.',
  })
  @AllowedFor('public')
  async requestVotingCode(
    @Args('input', { type: () => RequestVotingCodeInput }) input: RequestVotingCodeInput,
    @CurrentActor() actor: Actor,
    @ClientAddress() clientAddress: string,
  ): Promise<boolean> {
    const valid = assertValidInput(RequestVotingCodeInput, input);
    return this.commandBus.execute(new RequestVotingCodeCommand(valid, clientAddress, actor.id));
  }
}
