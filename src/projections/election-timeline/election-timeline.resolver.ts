import { Inject, Optional } from '@nestjs/common';
import { Args, Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { ElectionType, toElectionView } from '../../application/election/election.types.js';
import { CLOCK, systemClock, type Clock } from '../../application/ports/clock.js';
import { assertElectionId } from '../../domain/election/election.rules.js';
import { describeInstant } from '../../domain/election/time-zone.js';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import { CheckpointStore } from '../checkpoint-store.js';
import type { ReadModelDb } from '../projection.js';
import { READ_MODEL_DB } from '../projections.service.js';
import { electionTimelineProjection, readElectionStates, readElectionTimeline, type ElectionTimelineEntry } from './election-timeline.projection.js';

@ObjectType('ElectionTimelineEntry', { description: "One event of an election's stream: its declaration, a date change and its reason, a cancellation…" })
class ElectionTimelineEntryType {
  @Field({ description: 'Position in the global log ($all), a 64-bit integer as a string.' }) position!: string;
  @Field({ description: 'Revision in the election stream, a 64-bit integer as a string.' }) revision!: string;
  @Field() eventId!: string;
  @Field({ description: 'ElectionDeclared, ElectionDateChanged, ElectionCancelled, …' }) type!: string;
  @Field({ description: 'When the log recorded it (ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'When it happened, by the clock of the server that decided it (ISO 8601).' }) occurredAt!: string;
  @Field(() => String, { nullable: true, description: 'Who recorded it (staff:<id>, cli:<user>…).' }) actor!: string | null;
  @Field({ description: 'One sentence, with dates in the election time zone.' }) summary!: string;
  @Field(() => String, { nullable: true, description: 'For a date change: which date.' }) date!: string | null;
  @Field(() => String, { nullable: true, description: 'For a date change: the former instant.' }) from!: string | null;
  @Field(() => String, { nullable: true, description: 'For a date change: the new instant.' }) to!: string | null;
  @Field(() => String, { nullable: true, description: 'For a date change or a cancellation: the stated reason.' }) reason!: string | null;
  @Field({ description: 'The event data, as JSON text.' }) data!: string;
}

@ObjectType('ElectionTimeline', { description: "An election's configuration and every event of its stream, as of a position of the log." })
class ElectionTimelineType {
  @Field() electionId!: string;
  @Field(() => String, { nullable: true, description: 'The log position this read model had reached when read (64-bit, as a string); null before any event.' })
  position!: string | null;
  @Field(() => ElectionType, { nullable: true, description: 'The configuration with every change applied; null if the read model has not seen the election.' })
  election!: ElectionType | null;
  @Field(() => [ElectionTimelineEntryType]) entries!: ElectionTimelineEntryType[];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function summarise(entry: ElectionTimelineEntry, timeZone: string | null): string {
  const show = (instant: string | null) => (instant === null ? '?' : timeZone ? describeInstant(instant, timeZone) : instant);
  const data = entry.data;
  switch (entry.type) {
    case 'ElectionDeclared':
      return `Election "${text(data.name) ?? entry.electionId}" declared by ${text(data.organiser) ?? '?'}`;
    case 'ElectionDateChanged':
      return `${text(data.date) ?? '?'} moved from ${show(text(data.from))} to ${show(text(data.to))}: ${text(data.reason) ?? ''}`;
    case 'ElectionCancelled':
      return `Election cancelled: ${text(data.reason) ?? ''}`;
    default:
      return entry.type;
  }
}

/** Public reads of the election-timeline read model: `electionTimeline(electionId)` and `elections`. */
@Resolver()
export class ElectionTimelineResolver {
  private readonly checkpoints: CheckpointStore;
  private readonly clock: Clock;

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.checkpoints = new CheckpointStore(db);
    this.clock = clock ?? systemClock;
  }

  @Query(() => ElectionTimelineType, { description: "An election's configuration and the timeline of every change (public), with the log position it was read at." })
  @AllowedFor('public')
  electionTimeline(@Args('electionId', { type: () => String }) electionId: string): ElectionTimelineType {
    assertElectionId(electionId);
    const now = this.clock.now();
    // One read transaction, so the entries and the position they claim agree.
    return this.db.transaction(() => {
      const { state, entries } = readElectionTimeline(this.db, electionId);
      const timeZone = state.status === 'not-declared' ? null : state.rules.timeZone;
      return {
        electionId,
        position: this.checkpoints.get(electionTimelineProjection.name)?.position?.toString() ?? null,
        election: state.status === 'not-declared' ? null : toElectionView(state, now),
        entries: entries.map((entry) => ({
          position: entry.position.toString(),
          revision: entry.revision.toString(),
          eventId: entry.eventId,
          type: entry.type,
          recordedAt: entry.recordedAt,
          occurredAt: entry.occurredAt,
          actor: entry.actor,
          summary: summarise(entry, timeZone),
          date: text(entry.data.date),
          from: text(entry.data.from),
          to: text(entry.data.to),
          reason: text(entry.data.reason),
          data: JSON.stringify(entry.data),
        })),
      };
    })();
  }

  @Query(() => [ElectionType], { description: 'Every declared election (cancelled ones included), from the election-timeline read model.' })
  @AllowedFor('public')
  elections(): ElectionType[] {
    const now = this.clock.now();
    return readElectionStates(this.db).flatMap((state) => (state.status === 'not-declared' ? [] : [toElectionView(state, now)]));
  }
}
