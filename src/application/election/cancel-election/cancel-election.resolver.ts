import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { ElectionViews } from '../election-views.js';
import { ElectionType } from '../election.types.js';
import { assertValidInput } from '../input-validation.js';
import { CancelElectionCommand, CancelElectionInput } from './cancel-election.command.js';

@Resolver()
export class CancelElectionResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: ElectionViews,
  ) {}

  @Mutation(() => ElectionType, { description: 'The council cancels an election, with a reason. Refusals: ElectionNotDeclared, ElectionCancelled, ElectionAlreadyClosed, ReasonRequired.' })
  @AllowedFor('council')
  async cancelElection(@Args('input', { type: () => CancelElectionInput }) input: CancelElectionInput, @CurrentActor() actor: Actor): Promise<ElectionType> {
    const valid = assertValidInput(CancelElectionInput, input);
    await this.commandBus.execute(new CancelElectionCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return this.views.get(valid.electionId);
  }
}
