import { Inject } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import type { ReadModelDb } from '../projection.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { ProjectionsService, READ_MODEL_DB } from '../projections.service.js';
import { readRegistrationCounts, REGISTRATION_COUNTS } from './registration-counts.projection.js';

@ObjectType('RegistrationCount')
export class RegistrationCountType {
  @Field() district!: string;
  @Field({ description: 'UTC day, YYYY-MM-DD.' }) day!: string;
  @Field(() => Int) submitted!: number;
  @Field(() => Int) approved!: number;
  @Field(() => Int) rejected!: number;
  @Field(() => Int) cancelled!: number;
}

@Resolver()
export class RegistrationCountsResolver {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionsService,
  ) {}

  @Query(() => [RegistrationCountType], { description: 'Public registration counters by district and day (as far as this node has caught up).' })
  @AllowedFor('public')
  registrationCounts(@Args('electionId') electionId: string): RegistrationCountType[] {
    return readRegistrationCounts(this.db, electionId);
  }

  @Subscription(() => [RegistrationCountType], {
    description: 'Live registration counters (graphql-ws): the current counts at once, then again whenever they change.',
    resolve: (counts: RegistrationCountType[]) => counts,
  })
  @AllowedFor('public')
  registrationCountsChanged(@Args('electionId') electionId: string): AsyncIterator<RegistrationCountType[]> {
    return this.live(electionId)[Symbol.asyncIterator]();
  }

  private async *live(electionId: string): AsyncGenerator<RegistrationCountType[]> {
    const runner = this.projections.runner(REGISTRATION_COUNTS);
    let last = '';
    for (;;) {
      const head = (await this.store.headPosition()) ?? -1n;
      const counts = readRegistrationCounts(this.db, electionId);
      const json = JSON.stringify(counts);
      if (json !== last) {
        last = json;
        yield counts;
      }
      if (!runner) return;
      // Wakes once the projection has applied an event past the current head (or has stopped).
      await runner.waitForPosition(head + 1n);
      if (((await this.store.headPosition()) ?? -1n) <= head) return;
    }
  }
}
