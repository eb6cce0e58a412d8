import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { ForbiddenException } from '@nestjs/common';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { CurrentSessionId } from '../../../infrastructure/auth/current-session.decorator.js';
import { assertValidInput } from '../../election/input-validation.js';
import { CastBallotCommand, CastBallotInput, CastReceipt } from './cast-ballot.command.js';

@Resolver()
export class CastBallotResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => CastReceipt, {
    description:
      'A signed-in voter casts the ballot their booth made. Refusals (Belenios reasons): UnauthorizedVoter, ElectionClosed, InvalidBallot, NonCanonical, InvalidCredential, UsedCredential, WrongCredential, RevoteNotAllowed, DuplicateBallot; ServerBusy (not recorded: send it again).',
  })
  @AllowedFor('voter')
  async castBallot(@Args('input', { type: () => CastBallotInput }) input: CastBallotInput, @CurrentActor() actor: Actor, @CurrentSessionId() sessionId: string | null): Promise<CastReceipt> {
    if (actor.kind !== 'voter') throw new ForbiddenException('Only voters cast ballots');
    const valid = assertValidInput(CastBallotInput, input);
    return this.commandBus.execute(new CastBallotCommand(valid, actor.registrationId, sessionId));
  }
}
