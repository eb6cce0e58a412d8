import { Field, Float, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { AllowedFor } from '../infrastructure/auth/auth.decorators.js';
import type { ReadModelDb } from './projection.js';
import { readLedgerStatistics } from './ledger-statistics/ledger-statistics.projection.js';
import { CheckpointStore } from './checkpoint-store.js';
import { ledgerStatisticsProjection } from './ledger-statistics/ledger-statistics.projection.js';
import { ProjectionsService, READ_MODEL_DB } from './projections.service.js';

@ObjectType({ description: 'A read model, and how far behind the log it is.' })
class ProjectionStatusType {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field() description!: string;
  @Field({ description: 'stopped, catching-up, live or failed' }) state!: string;
  @Field(() => String, { nullable: true, description: 'Position of the last event applied (a 64-bit integer, as a string).' })
  position!: string | null;
  @Field(() => Int) eventsApplied!: number;
  @Field(() => Int, { description: 'Events in the log after the checkpoint.' }) eventsBehind!: number;
  @Field({ description: 'True when eventsBehind is a lower bound (counting stopped at 10,000).' }) eventsBehindCapped!: boolean;
  @Field(() => Float, { description: 'Milliseconds between the last applied event and the head of the log.' }) msBehind!: number;
  @Field(() => String, { nullable: true }) headPosition!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType()
class LedgerStatisticsRowType {
  @Field() category!: string;
  @Field() type!: string;
  @Field(() => Int) events!: number;
  @Field(() => String) lastPosition!: string;
}

@ObjectType({ description: 'Event counts per stream category and event type, as of a position of the log.' })
class LedgerStatisticsType {
  @Field(() => String, { nullable: true, description: 'The log position these figures were computed at.' })
  position!: string | null;
  @Field(() => Int) totalEvents!: number;
  @Field(() => [LedgerStatisticsRowType]) rows!: LedgerStatisticsRowType[];
}

@Resolver()
export class ProjectionsResolver {
  private readonly checkpoints: CheckpointStore;

  constructor(
    private readonly service: ProjectionsService,
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
  ) {
    this.checkpoints = new CheckpointStore(db);
  }

  @Query(() => [ProjectionStatusType], { description: 'Every read model of this node with its lag (operational data: the council and auditors).' })
  @AllowedFor('council', 'auditor')
  async projections(): Promise<ProjectionStatusType[]> {
    return (await this.service.statuses()).map((status) => ({
      ...status,
      position: status.position?.toString() ?? null,
      headPosition: status.headPosition?.toString() ?? null,
    }));
  }

  @Query(() => LedgerStatisticsType)
  @AllowedFor('public')
  ledgerStatistics(): LedgerStatisticsType {
    // One read transaction, so the rows and the position they claim agree.
    return this.db.transaction(() => {
      const rows = readLedgerStatistics(this.db);
      return {
        position: this.checkpoints.get(ledgerStatisticsProjection.name)?.position?.toString() ?? null,
        totalEvents: rows.reduce((sum, row) => sum + row.events, 0),
        rows: rows.map((row) => ({ ...row, lastPosition: row.lastPosition.toString() })),
      };
    })();
  }
}
