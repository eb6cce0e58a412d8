import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { ElectionViews } from '../election-views.js';
import { ElectionType } from '../election.types.js';
import { assertValidInput } from '../input-validation.js';
import { ChangeElectionDateCommand, ChangeElectionDateInput } from './change-election-date.command.js';

@Resolver()
export class ChangeElectionDateResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: ElectionViews,
  ) {}

  @Mutation(() => ElectionType, {
    description:
      'The council moves one date, with a reason, before the phase it affects ends. Refusals: BAD_USER_INPUT, ElectionNotDeclared, PhaseAlreadyEnded, PhaseAlreadyStarted, DateInThePast, DateUnchanged, InconsistentDates, InvalidWindow, …',
  })
  @AllowedFor('council')
  async changeElectionDate(@Args('input', { type: () => ChangeElectionDateInput }) input: ChangeElectionDateInput, @CurrentActor() actor: Actor): Promise<ElectionType> {
    const valid = assertValidInput(ChangeElectionDateInput, input);
    await this.commandBus.execute(new ChangeElectionDateCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return this.views.get(valid.electionId);
  }
}
