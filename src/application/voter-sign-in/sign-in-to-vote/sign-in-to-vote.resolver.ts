import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { AllowedFor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { ClientAddress } from '../../registration/registration.inputs.js';
import { SignInToVoteCommand, SignInToVoteInput, VotingSessionType } from './sign-in-to-vote.command.js';

@Resolver()
export class SignInToVoteResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => VotingSessionType, {
    description:
      'Signs a voter in to vote with the e-mail address of their registration and the code received by SMS (requestVotingCode). A wrong, expired, used or locked code, or an address that is no voter’s: InvalidCode (one answer for all). Other refusals: BAD_USER_INPUT, InvalidEmail, InvalidElectionId, ElectionNotDeclared, ElectionCancelled, VotingNotYetOpen, VotingClosed, RATE_LIMITED.',
  })
  @AllowedFor('public')
  async signInToVote(@Args('input', { type: () => SignInToVoteInput }) input: SignInToVoteInput, @ClientAddress() clientAddress: string): Promise<VotingSessionType> {
    const valid = assertValidInput(SignInToVoteInput, input);
    return this.commandBus.execute(new SignInToVoteCommand(valid, clientAddress));
  }
}
