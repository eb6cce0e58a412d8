import { BadRequestException, Inject } from '@nestjs/common';
import { Args, Field, Float, Int, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import { CheckpointStore } from '../checkpoint-store.js';
import type { ReadModelDb } from '../projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../projections.service.js';
import { readTurnout, TURNOUT, type TurnoutFigures } from './turnout.projection.js';

// No field of these types may ever hold a per-candidate figure or anything about ballot content:
// before the tally, nobody (the council included) may see one. test/api/turnout.e2e.spec.ts checks it.

@ObjectType('DistrictTurnout')
export class DistrictTurnoutType {
  @Field() district!: string;
  @Field(() => Int, { description: 'Approved registrations of the district, minus those cancelled or rejected since.' }) registered!: number;
  @Field(() => Int, { description: 'Distinct voters of the district in this round (a revote adds none).' }) voted!: number;
  @Field(() => Float, { nullable: true, description: 'voted / registered × 100, one decimal; null when registered is 0.' }) turnoutPercent!: number | null;
}

@ObjectType('HourlyTurnout')
export class HourlyTurnoutType {
  @Field({ description: 'Start of the UTC hour, ISO 8601 (2013-05-31T06:00:00.000Z).' }) hourStart!: string;
  @Field(() => Int, { description: 'Voters who voted for the first time in this hour (revotes excluded: the hours add up to voted). Hours without any are omitted.' })
  votes!: number;
}

@ObjectType('Turnout', { description: 'Turnout of one round of an election, as of a stated position of the log. Registered voters are the denominator.' })
export class TurnoutType {
  @Field() electionId!: string;
  @Field(() => Int) round!: number;
  @Field(() => Int, { description: 'The denominator: approved registrations minus those cancelled or rejected since, all districts.' }) registered!: number;
  @Field(() => Int, { description: 'Distinct voters in this round, all districts.' }) voted!: number;
  @Field(() => Float, { nullable: true, description: 'voted / registered × 100, one decimal; null when registered is 0.' }) turnoutPercent!: number | null;
  @Field(() => [DistrictTurnoutType]) byDistrict!: DistrictTurnoutType[];
  @Field(() => [HourlyTurnoutType]) byHour!: HourlyTurnoutType[];
  @Field(() => String, { nullable: true, description: 'When the ballot box of this round opened (ISO 8601), if it has.' }) ballotBoxOpenedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'When the ballot box of this round closed (ISO 8601), if it has.' }) ballotBoxClosedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'The $all position these figures were computed at (a 64-bit integer, as a string); null before any event.' })
  position!: string | null;
}

function checkedRound(round: number): number {
  if (round !== 1 && round !== 2) throw new BadRequestException('round must be 1 or 2');
  return round;
}

/** What changes the figures (not the position, which moves with every event of the log). */
const figuresKey = (figures: TurnoutFigures) => JSON.stringify({ ...figures, position: undefined });

@Resolver()
export class TurnoutResolver {
  private readonly checkpoints: CheckpointStore;

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    private readonly projections: ProjectionsService,
  ) {
    this.checkpoints = new CheckpointStore(db);
  }

  @Query(() => TurnoutType, { description: 'Live turnout of a round (as far as this node has caught up): totals, by district, by hour, ballot box instants.' })
  @AllowedFor('council', 'auditor')
  turnout(@Args('electionId') electionId: string, @Args('round', { type: () => Int, defaultValue: 1 }) round: number): TurnoutType {
    return readTurnout(this.db, electionId, checkedRound(round));
  }

  @Subscription(() => TurnoutType, {
    description: 'Live turnout (graphql-ws): the current figures at once, then again as soon as the read model has applied an event that changes them.',
    resolve: (figures: TurnoutType) => figures,
  })
  @AllowedFor('council', 'auditor')
  turnoutChanged(@Args('electionId') electionId: string, @Args('round', { type: () => Int, defaultValue: 1 }) round: number): AsyncIterableIterator<TurnoutFigures> {
    return this.live(electionId, checkedRound(round));
  }

  /**
   * Reads the figures with the checkpoint they were read at, then waits for the runner to apply
   * anything past that checkpoint; pushes only when the figures changed. `return()` (the client
   * went away) ends it at once, without waiting for the next event.
   */
  private live(electionId: string, round: number): AsyncIterableIterator<TurnoutFigures> {
    const runner = this.projections.runner(TURNOUT);
    let last: string | null = null;
    let done = false;
    let wakeClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (wakeClosed = resolve));
    const finish = (): IteratorResult<TurnoutFigures> => {
      done = true;
      wakeClosed();
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<TurnoutFigures> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (!done) {
          const figures = readTurnout(this.db, electionId, round);
          const key = figuresKey(figures);
          if (key !== last) {
            last = key;
            return { done: false, value: figures };
          }
          if (!runner) return finish();
          const at = figures.position === null ? -1n : BigInt(figures.position);
          await Promise.race([runner.waitForPosition(at + 1n), closed]);
          // The runner failed (it wakes its waiters without moving on): nothing more will come.
          if (!done && (this.checkpoints.get(TURNOUT)?.position ?? -1n) <= at) return finish();
        }
        return { done: true, value: undefined };
      },
      return: async () => finish(),
      throw: async (error: unknown) => {
        finish();
        throw error;
      },
    };
    return iterator;
  }
}
