import { Inject } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import type { ReadModelDb } from '../projection.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { CheckpointStore } from '../checkpoint-store.js';
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
  @Field(() => String, {
    nullable: true,
    description: 'The $all position these counters were computed at (64-bit, as a string; the same on every row of one answer): an export of the log up to it (GET /ledger.ndjson, urne export ledger) reproduces them exactly. Null before any event.',
  })
  position!: string | null;
}

@Resolver()
export class RegistrationCountsResolver {
  private readonly checkpoints: CheckpointStore;

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionsService,
  ) {
    this.checkpoints = new CheckpointStore(db);
  }

  /** The counters and the position they claim, in one read transaction so that they agree. */
  private read(electionId: string): RegistrationCountType[] {
    return this.db.transaction(() => {
      const position = this.checkpoints.get(REGISTRATION_COUNTS)?.position?.toString() ?? null;
      return readRegistrationCounts(this.db, electionId).map((row) => ({ ...row, position }));
    })();
  }

  @Query(() => [RegistrationCountType], { description: 'Public registration counters by district and day (as far as this node has caught up).' })
  @AllowedFor('public')
  registrationCounts(@Args('electionId') electionId: string): RegistrationCountType[] {
    return this.read(electionId);
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
      const counts = this.read(electionId);
      // What changes the counters (not the position, which moves with every event of the log).
      const json = JSON.stringify(counts.map((row) => ({ ...row, position: undefined })));
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
