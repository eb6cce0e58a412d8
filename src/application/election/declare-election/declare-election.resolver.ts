import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { ElectionViews } from '../election-views.js';
import { ElectionType } from '../election.types.js';
import { assertValidInput } from '../input-validation.js';
import { DeclareElectionCommand, DeclareElectionInput } from './declare-election.command.js';

@Resolver()
export class DeclareElectionResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: ElectionViews,
  ) {}

  @Mutation(() => ElectionType, {
    description:
      'The council declares an election: rules and dates. Refusals: BAD_USER_INPUT (each faulty field named), ElectionAlreadyDeclared, InvalidWindow, InconsistentDates, DateInThePast, …',
  })
  @AllowedFor('council')
  async declareElection(@Args('input', { type: () => DeclareElectionInput }) input: DeclareElectionInput, @CurrentActor() actor: Actor): Promise<ElectionType> {
    const valid = assertValidInput(DeclareElectionInput, input);
    await this.commandBus.execute(new DeclareElectionCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return this.views.get(valid.electionId);
  }
}
