import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { VoteRounds } from '../vote-rounds.js';
import { toVoteRound, VoteRoundType } from '../vote-status.types.js';
import { PrepareVoteCommand, PrepareVoteInput } from './prepare-vote.command.js';

@Resolver()
export class PrepareVoteResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly rounds: VoteRounds,
  ) {}

  @Mutation(() => VoteRoundType, {
    description:
      'The council prepares a round of voting (a Belenios election): candidates in ballot order, trustees, credential recovery. Refusals: ElectionNotDeclared, ElectionCancelled, NoBallotOrder, CandidateNotCertified, UnknownTrustee, TrusteeListedTwice, InvalidThreshold, NoSecondRound, VoteAlreadyPrepared.',
  })
  @AllowedFor('council')
  async prepareVote(@Args('input', { type: () => PrepareVoteInput }) input: PrepareVoteInput, @CurrentActor() actor: Actor): Promise<VoteRoundType> {
    const valid = assertValidInput(PrepareVoteInput, input);
    await this.commandBus.execute(new PrepareVoteCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return toVoteRound(await this.rounds.load(valid.electionId, valid.round));
  }
}
