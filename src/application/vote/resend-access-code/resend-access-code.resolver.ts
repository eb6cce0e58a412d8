import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { ResendAccessCodeCommand, ResendAccessCodeInput } from './resend-access-code.command.js';

@Resolver()
export class ResendAccessCodeResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => String, {
    description: 'Sends a voter their lost access code again (same code), where the election keeps codes. Returns the notification id. Refusals: CredentialRecoveryDisabled, CredentialsNotIssued, NoCredentialToResend, ElectionClosed.',
  })
  @AllowedFor('operator', 'council')
  async resendAccessCode(@Args('input', { type: () => ResendAccessCodeInput }) input: ResendAccessCodeInput, @CurrentActor() actor: Actor): Promise<string> {
    const valid = assertValidInput(ResendAccessCodeInput, input);
    return (await this.commandBus.execute(new ResendAccessCodeCommand(valid, actor.id))).notificationId;
  }
}
