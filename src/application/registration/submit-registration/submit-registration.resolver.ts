import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { ClientAddress } from '../registration.inputs.js';
import { SubmitRegistrationCommand, SubmitRegistrationInput, SubmittedRegistrationType } from './submit-registration.command.js';

@Resolver()
export class SubmitRegistrationResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => SubmittedRegistrationType, {
    description:
      'A person registers online. Codes are sent by e-mail and SMS to confirm both. Refusals: BAD_USER_INPUT, InvalidEmail, InvalidPhone, NotOnTheRoll, AlreadyRegistered, RegistrationNotYetOpen, RegistrationClosed, ElectionCancelled, ElectionNotDeclared.',
  })
  @AllowedFor('public')
  async submitRegistration(
    @Args('input', { type: () => SubmitRegistrationInput }) input: SubmitRegistrationInput,
    @CurrentActor() actor: Actor,
    @ClientAddress() clientAddress: string,
  ): Promise<SubmittedRegistrationType> {
    const valid = assertValidInput(SubmitRegistrationInput, input);
    return this.commandBus.execute(new SubmitRegistrationCommand(valid, clientAddress, actor.id));
  }
}
