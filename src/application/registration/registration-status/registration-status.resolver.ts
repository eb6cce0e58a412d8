import { Args, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '../../../domain/shared/decider.js';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { RegistrationFiles } from '../registration-files.js';
import { describeStatus, RegistrationStatusType } from './registration-status.types.js';

@Resolver()
export class RegistrationStatusResolver {
  constructor(private readonly files: RegistrationFiles) {}

  @Query(() => RegistrationStatusType, { description: "The voter's own registration (NOT_FOUND for any other)." })
  @AllowedFor('voter')
  async registrationStatus(@CurrentActor() actor: Actor, @Args('registrationId', { nullable: true }) registrationId?: string): Promise<RegistrationStatusType> {
    if (actor.kind !== 'voter' || (registrationId !== undefined && registrationId !== null && registrationId !== actor.registrationId))
      throw new DomainError('NOT_FOUND', 'There is no such registration.');
    const state = await this.files.require(actor.registrationId);
    return {
      registrationId: state.registrationId,
      status: describeStatus(state),
      electionId: state.electionId,
      district: state.district,
      emailConfirmed: state.emailConfirmed,
      phoneConfirmed: state.phoneConfirmed,
      ...(state.rejectionReason ? { rejectionReason: state.rejectionReason } : {}),
    };
  }
}
