import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../domain/shared/decider.js';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { RegistrationStatusType } from '../registration-status/registration-status.types.js';
import { CancelRegistrationCommand } from './cancel-registration.command.js';

@Resolver()
export class CancelRegistrationResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => RegistrationStatusType, { description: 'The voter withdraws their registration. Refusals: NOT_FOUND (not yours, or none), RegistrationCancelled, RegistrationRejected.' })
  @AllowedFor('voter')
  async cancelRegistration(
    @CurrentActor() actor: Actor,
    @Args('registrationId', { nullable: true, description: "Default: the session's registration." }) registrationId?: string,
    @Args('commandId', { nullable: true }) commandId?: string,
  ): Promise<RegistrationStatusType> {
    if (actor.kind !== 'voter' || (registrationId !== undefined && registrationId !== null && registrationId !== actor.registrationId))
      throw new DomainError('NOT_FOUND', 'There is no such registration.');
    return this.commandBus.execute(new CancelRegistrationCommand(actor.registrationId, commandId ?? randomUUID(), actor.id));
  }
}
