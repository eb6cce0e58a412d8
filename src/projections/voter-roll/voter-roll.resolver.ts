import { BadRequestException, Inject, Optional } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '../../application/ports/personal-data-vault.js';
import { StaffActionRecorder } from '../../application/staff/record-staff-action/staff-action-recorder.js';
import type { Actor } from '../../infrastructure/auth/actor.js';
import { AllowedFor, CurrentActor } from '../../infrastructure/auth/auth.decorators.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import type { ReadModelDb } from '../projection.js';
import { ProjectionsService, READ_MODEL_DB } from '../projections.service.js';
import { openPendingNames, readVoterRoll, VOTER_ROLL, voterRollProjection, type VoterRollRow, type VoterRollStatus } from './voter-roll.projection.js';

export enum VoterRollStatusEnum {
  SUBMITTED = 'submitted',
  IN_REVIEW = 'in-review',
  APPROVED = 'approved',
  REJECTED = 'rejected',
  CANCELLED = 'cancelled',
}
registerEnumType(VoterRollStatusEnum, {
  name: 'VoterRollStatus',
  description: 'Where a registration stands: SUBMITTED (awaiting confirmation), IN_REVIEW (flagged, awaiting the council), APPROVED, REJECTED, CANCELLED.',
});

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

@ObjectType('VoterRollEntry', { description: "A registration on the voter roll. Names read '[erased]' once the person was forgotten." })
export class VoterRollEntryType {
  @Field() registrationId!: string;
  @Field() electionId!: string;
  @Field() rollEntryId!: string;
  @Field() district!: string;
  @Field(() => String, { nullable: true, description: 'From the active electoral roll; null if the entry is no longer in it.' }) pollingStation!: string | null;
  @Field(() => VoterRollStatusEnum) status!: VoterRollStatusEnum;
  @Field() lastName!: string;
  @Field() firstNames!: string;
  @Field() erased!: boolean;
  @Field() submittedAt!: string;
  @Field(() => String, { nullable: true, description: 'When it was approved, rejected or cancelled.' }) decidedAt!: string | null;
}

@ObjectType('VoterRollEdge')
export class VoterRollEdgeType {
  @Field({ description: 'Opaque; pass it as `after` to read the rows following this one.' }) cursor!: string;
  @Field(() => VoterRollEntryType) node!: VoterRollEntryType;
}

@ObjectType('VoterRollPageInfo')
export class VoterRollPageInfoType {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('VoterRollConnection', { description: 'A page of the voter roll (Relay connection), ordered by normalised last name, first names, registration id.' })
export class VoterRollConnectionType {
  @Field(() => [VoterRollEdgeType]) edges!: VoterRollEdgeType[];
  @Field(() => VoterRollPageInfoType) pageInfo!: VoterRollPageInfoType;
  @Field(() => Int, { description: 'Rows matching the search and status filter (all pages).' }) totalCount!: number;
  @Field(() => String, { nullable: true, description: 'The log position this answer reflects (the read model had applied everything up to it).' }) position!: string | null;
}

export const encodeCursor = (key: readonly [string, string, string]): string => Buffer.from(JSON.stringify(['v1', ...key]), 'utf8').toString('base64url');

export function decodeCursor(cursor: string): [string, string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 4 && value[0] === 'v1' && value.slice(1).every((part) => typeof part === 'string'))
      return [value[1] as string, value[2] as string, value[3] as string];
  } catch {
    // falls through
  }
  throw new BadRequestException(['after: not a cursor of this list']);
}

/** The voter roll for council and operators: paginated, searchable, every query audited ('voter-roll.search'). */
@Resolver()
export class VoterRollResolver {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionsService,
    private readonly audit: StaffActionRecorder,
    @Optional() @Inject(PERSONAL_DATA_VAULT) private readonly vault?: PersonalDataVault,
  ) {}

  @Query(() => VoterRollConnectionType, {
    description:
      'The voter roll of an election (council, operators): registrations with status, district, polling station and names. ' +
      '`search` matches an exact registration id, roll entry id or roll identifier, or the start of the name ("lastname firstnames" or ' +
      '"firstnames lastname"; case, accents, hyphens, apostrophes and spaces ignored). `first` at most 100. Every query is recorded ' +
      "(StaffActionRecorded 'voter-roll.search', with the length of the search, never its text). Refusals: BAD_USER_INPUT.",
  })
  @AllowedFor('council', 'operator')
  async voterRoll(
    @CurrentActor() actor: Actor,
    @Args('electionId') electionId: string,
    @Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_PAGE }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
    @Args('search', { type: () => String, nullable: true }) search?: string | null,
    @Args('status', { type: () => [VoterRollStatusEnum], nullable: true }) status?: VoterRollStatusEnum[] | null,
  ): Promise<VoterRollConnectionType> {
    const size = first ?? DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw new BadRequestException([`first: between 1 and ${MAX_PAGE}`]);
    if (search != null && search.length > 200) throw new BadRequestException(['search: at most 200 characters']);
    const afterKey = after ? decodeCursor(after) : null;
    const position = await this.catchUp();
    if (this.vault) openPendingNames(this.db, this.vault, electionId);
    const page = readVoterRoll(this.db, { electionId, first: size, after: afterKey, search: search ?? null, statuses: (status ?? null) as VoterRollStatus[] | null });
    await this.audit.recordStaffAction(actor, 'voter-roll.search', electionId, {
      searchLength: search?.trim().length ?? 0,
      statuses: (status ?? []).join(','),
      paged: afterKey !== null,
      returned: page.rows.length,
    });
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.key), node: toEntry(row) }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
      position: position === null ? null : position.toString(),
    };
  }

  /** Waits until the voter roll has applied every registration and erasure event; gives that position. */
  private async catchUp(): Promise<bigint | null> {
    const runner = this.projections.runner(VOTER_ROLL);
    let last: bigint | null = null;
    for await (const event of this.store.readAll({ direction: 'backwards', maxCount: 1, filter: voterRollProjection.filter! })) last = event.position;
    if (runner && last !== null) await runner.waitForPosition(last);
    return last;
  }
}

function toEntry(row: VoterRollRow): VoterRollEntryType {
  return {
    registrationId: row.registrationId,
    electionId: row.electionId,
    rollEntryId: row.rollEntryId,
    district: row.district,
    pollingStation: row.pollingStation,
    status: row.status as VoterRollStatusEnum,
    lastName: row.lastName,
    firstNames: row.firstNames,
    erased: row.erased,
    submittedAt: row.submittedAt,
    decidedAt: row.decidedAt,
  };
}
