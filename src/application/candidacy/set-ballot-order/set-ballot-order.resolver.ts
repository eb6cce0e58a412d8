import { CommandBus } from '@nestjs/cqrs';
import { Args, Field, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../../infrastructure/auth/auth.decorators.js';
import { assertValidInput } from '../../election/input-validation.js';
import { SetBallotOrderCommand, SetBallotOrderInput } from './set-ballot-order.command.js';

@ObjectType('BallotOrder', { description: 'The official order of the ballot, as set by the council.' })
export class BallotOrderType {
  @Field() electionId!: string;
  @Field(() => [String]) candidateIds!: string[];
  @Field() reason!: string;
  @Field() setAt!: string;
}

@Resolver()
export class SetBallotOrderResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => BallotOrderType, {
    description:
      'The council sets the official ballot order. Refusals: ElectionNotDeclared, ElectionCancelled, VotingAlreadyOpen, ReasonRequired, DuplicateCandidate, CandidateNotCertified, CertifiedCandidateMissing, ReadModelBehind.',
  })
  @AllowedFor('council')
  async setBallotOrder(@Args('input', { type: () => SetBallotOrderInput }) input: SetBallotOrderInput, @CurrentActor() actor: Actor): Promise<BallotOrderType> {
    const valid = assertValidInput(SetBallotOrderInput, input);
    const result = await this.commandBus.execute(new SetBallotOrderCommand(valid, valid.commandId ?? randomUUID(), actor.id));
    return result.events[0]!.data;
  }
}
