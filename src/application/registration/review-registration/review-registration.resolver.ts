import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { RegistrationStatusType } from '../registration-status/registration-status.types.js';
import { ReviewRegistrationCommand, ReviewRegistrationInput } from './review-registration.command.js';

const REFUSALS = 'Refusals: NOT_FOUND, NotUnderReview, RegistrationAlreadyApproved, RegistrationCancelled, RegistrationRejected, ReasonRequired.';

@Resolver()
export class ReviewRegistrationResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => RegistrationStatusType, { description: `The council clears a flagged registration (approved once both contacts are confirmed). ${REFUSALS}` })
  @AllowedFor('council')
  async approveRegistration(@Args('input', { type: () => ReviewRegistrationInput }) input: ReviewRegistrationInput, @CurrentActor() actor: Actor): Promise<RegistrationStatusType> {
    return this.commandBus.execute(new ReviewRegistrationCommand(assertValidInput(ReviewRegistrationInput, input), 'approve', actor.id));
  }

  @Mutation(() => RegistrationStatusType, { description: `The council rejects a flagged registration, with a reason; the roll entry can be registered again. ${REFUSALS}` })
  @AllowedFor('council')
  async rejectRegistration(@Args('input', { type: () => ReviewRegistrationInput }) input: ReviewRegistrationInput, @CurrentActor() actor: Actor): Promise<RegistrationStatusType> {
    return this.commandBus.execute(new ReviewRegistrationCommand(assertValidInput(ReviewRegistrationInput, input), 'reject', actor.id));
  }
}
