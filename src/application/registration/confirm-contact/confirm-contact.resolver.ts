import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { RegistrationStatusType } from '../registration-status/registration-status.types.js';
import { ConfirmContactCommand, ConfirmContactInput } from './confirm-contact.command.js';

const REFUSALS = 'Refusals: BAD_USER_INPUT, NOT_FOUND, WrongCode, CodeExpired, CodeLocked, NoCodeOutstanding, RegistrationClosed.';

@Resolver()
export class ConfirmContactResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => RegistrationStatusType, { description: `Confirms the e-mail address with the code it received. ${REFUSALS}` })
  @AllowedFor('public')
  async confirmRegistrationEmail(@Args('input', { type: () => ConfirmContactInput }) input: ConfirmContactInput, @CurrentActor() actor: Actor): Promise<RegistrationStatusType> {
    return this.confirm(input, 'email', actor);
  }

  @Mutation(() => RegistrationStatusType, { description: `Confirms the mobile phone with the code it received by SMS. ${REFUSALS}` })
  @AllowedFor('public')
  async confirmRegistrationPhone(@Args('input', { type: () => ConfirmContactInput }) input: ConfirmContactInput, @CurrentActor() actor: Actor): Promise<RegistrationStatusType> {
    return this.confirm(input, 'phone', actor);
  }

  private async confirm(input: ConfirmContactInput, channel: 'email' | 'phone', actor: Actor): Promise<RegistrationStatusType> {
    const valid = assertValidInput(ConfirmContactInput, input);
    const result = await this.commandBus.execute(new ConfirmContactCommand(valid, channel, actor.id));
    return { registrationId: result.registrationId, status: result.status };
  }
}
