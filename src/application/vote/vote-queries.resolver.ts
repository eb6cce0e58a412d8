import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { BadRequestException, Inject } from '@nestjs/common';
import type { ReadModelDb } from '../../projections/projection.js';
import { READ_MODEL_DB } from '../../projections/projections.service.js';
import { readTurnout } from '../../projections/turnout/turnout.projection.js';
import type { Round } from '../../domain/vote/vote.events.js';
import { assertElectionId } from '../../domain/election/election.rules.js';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import { VoteRounds } from './vote-rounds.js';
import { toVoteRound, VoteRoundType } from './vote-status.types.js';

@ObjectType('BallotTracker', { description: 'A ballot in the public ballot box, found by its tracking number.' })
export class BallotTrackerType {
  @Field() trackingNumber!: string;
  @Field({ description: 'True when this ballot is the one counted for its credential (not replaced by a later one).' }) counted!: boolean;
}

@ObjectType('BallotTrackerPage')
export class BallotTrackerPageType {
  @Field(() => [String], { description: 'Tracking numbers of the ballots that count (the last of each credential), sorted.' }) trackingNumbers!: string[];
  @Field(() => Int) totalCount!: number;
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' }) endCursor!: string | null;
}

function roundOf(round: number): Round {
  if (round !== 1 && round !== 2) throw new BadRequestException(['round: must be 1 or 2']);
  return round;
}

/** Public reads of a round: its set-up and result, and the public ballot list (universal verifiability). */
@Resolver()
export class VoteQueriesResolver {
  constructor(
    private readonly rounds: VoteRounds,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
  ) {}

  @Query(() => VoteRoundType, { description: 'A round of voting: set-up, published election and trustees, seal, tally, result.' })
  @AllowedFor('public')
  async voteRound(@Args('electionId') electionId: string, @Args('round', { type: () => Int, defaultValue: 1 }) round: number): Promise<VoteRoundType> {
    assertElectionId(electionId);
    const { state, position } = await this.rounds.loadWithPosition(electionId, roundOf(round));
    return toVoteRound(state, state.result ? readTurnout(this.db, electionId, state.round).voted : undefined, position);
  }

  @Query(() => BallotTrackerType, { nullable: true, description: 'Looks up a tracking number in the ballot box: null when no such ballot was accepted.' })
  @AllowedFor('public')
  async ballotTracker(
    @Args('electionId') electionId: string,
    @Args('trackingNumber') trackingNumber: string,
    @Args('round', { type: () => Int, defaultValue: 1 }) round: number,
  ): Promise<BallotTrackerType | null> {
    assertElectionId(electionId);
    const { state } = await this.rounds.ballotBox(electionId, roundOf(round)).catchUp();
    if (!state.trackingNumbers.has(trackingNumber)) return null;
    return { trackingNumber, counted: state.counted.has(trackingNumber) };
  }

  @Query(() => BallotTrackerPageType, { description: 'The public list of counted ballots (tracking numbers), by pages of at most 1,000.' })
  @AllowedFor('public')
  async ballotTrackers(
    @Args('electionId') electionId: string,
    @Args('round', { type: () => Int, defaultValue: 1 }) round: number,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<BallotTrackerPageType> {
    assertElectionId(electionId);
    if (!Number.isInteger(first) || first < 1 || first > 1000) throw new BadRequestException(['first: must be between 1 and 1000']);
    const { state } = await this.rounds.ballotBox(electionId, roundOf(round)).catchUp();
    const all = [...state.counted].sort();
    const start = after == null ? 0 : all.findIndex((t) => t > after);
    const page = start < 0 ? [] : all.slice(start, start + first);
    return { trackingNumbers: page, totalCount: all.length, endCursor: page.length > 0 && start + first < all.length ? page[page.length - 1]! : null };
  }
}
