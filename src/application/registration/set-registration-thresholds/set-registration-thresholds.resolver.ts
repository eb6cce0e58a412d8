import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { SetRegistrationThresholdsCommand, SetRegistrationThresholdsInput } from './set-registration-thresholds.command.js';

@Resolver()
export class SetRegistrationThresholdsResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => Boolean, { description: 'The council sets the fraud thresholds of an election (recorded; applies to later submissions).' })
  @AllowedFor('council')
  async setRegistrationThresholds(@Args('input', { type: () => SetRegistrationThresholdsInput }) input: SetRegistrationThresholdsInput, @CurrentActor() actor: Actor): Promise<boolean> {
    return this.commandBus.execute(new SetRegistrationThresholdsCommand(assertValidInput(SetRegistrationThresholdsInput, input), actor.id));
  }
}
