import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { RegistrationFileType } from '../registration-views.js';
import {
  ChangeRegistrationPhoneCommand,
  ChangeRegistrationPhoneInput,
  LookupRegistrationCommand,
  LookupRegistrationInput,
  ResendRegistrationCodeCommand,
  ResendRegistrationCodeInput,
} from './support-actions.commands.js';

@Resolver()
export class SupportActionsResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Query(() => [RegistrationFileType], { description: 'Telephone support: a registration by id, or those of a roll entry. Every look-up is an audited event.' })
  @AllowedFor('operator', 'council')
  async lookupRegistration(@Args('input', { type: () => LookupRegistrationInput }) input: LookupRegistrationInput, @CurrentActor() actor: Actor): Promise<RegistrationFileType[]> {
    return this.commandBus.execute(new LookupRegistrationCommand(assertValidInput(LookupRegistrationInput, input), actor));
  }

  @Mutation(() => Boolean, { description: 'Sends a confirmation code again (audited). Refusals: NOT_FOUND, NothingToConfirm, AlreadyConfirmed.' })
  @AllowedFor('operator', 'council')
  async resendRegistrationCode(@Args('input', { type: () => ResendRegistrationCodeInput }) input: ResendRegistrationCodeInput, @CurrentActor() actor: Actor): Promise<boolean> {
    return this.commandBus.execute(new ResendRegistrationCodeCommand(assertValidInput(ResendRegistrationCodeInput, input), actor));
  }

  @Mutation(() => RegistrationFileType, { description: 'Changes the phone after an identity check (audited); the new phone must be confirmed. Refusals: NOT_FOUND, InvalidPhone, RegistrationCancelled, RegistrationRejected.' })
  @AllowedFor('operator')
  async changeRegistrationPhone(@Args('input', { type: () => ChangeRegistrationPhoneInput }) input: ChangeRegistrationPhoneInput, @CurrentActor() actor: Actor): Promise<RegistrationFileType> {
    return this.commandBus.execute(new ChangeRegistrationPhoneCommand(assertValidInput(ChangeRegistrationPhoneInput, input), actor));
  }
}
