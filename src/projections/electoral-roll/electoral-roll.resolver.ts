import { Inject } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { ELECTORAL_ROLL_LOOKUP } from '../../application/ports/electoral-roll.js';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import type { SqliteElectoralRollLookup } from './electoral-roll.lookup.js';

@ObjectType({ description: 'The import of a reference list in force (its latest completed version).' })
class ActiveImportType {
  @Field() importId!: string;
  @Field(() => Int) version!: number;
  @Field(() => Int) rows!: number;
  @Field({ description: 'SHA-256 of the imported file (hex): anyone holding the file can check it is this one.' }) contentHash!: string;
}

@ObjectType({ description: 'Which version of the electoral roll and of the list of elected officials is in force.' })
class ReferenceDataStatusType {
  @Field() electionId!: string;
  @Field(() => ActiveImportType, { nullable: true }) roll!: ActiveImportType | null;
  @Field(() => ActiveImportType, { nullable: true }) officials!: ActiveImportType | null;
}

@ObjectType({ description: "An entry of the active electoral roll. Personal fields read '[erased]' once the person was forgotten." })
class RollEntryType {
  @Field() rollEntryId!: string;
  @Field() arrondissement!: string;
  @Field() pollingStation!: string;
  @Field() lastName!: string;
  @Field() firstNames!: string;
  @Field() birthDate!: string;
  @Field() address!: string;
  @Field() rollIdentifier!: string;
  @Field() erased!: boolean;
  @Field(() => Int) version!: number;
}

@ObjectType({ description: 'An elected official of the active list (public data).' })
class ElectedOfficialType {
  @Field() officialId!: string;
  @Field() lastName!: string;
  @Field() firstNames!: string;
  @Field() mandate!: string;
  @Field({ description: "'' when the mandate has no district" }) arrondissement!: string;
}

/** Staff reads of the reference data: versions in force, roll search (support), officials. */
@Resolver()
export class ElectoralRollResolver {
  constructor(@Inject(ELECTORAL_ROLL_LOOKUP) private readonly lookup: SqliteElectoralRollLookup) {}

  @Query(() => ReferenceDataStatusType, { description: 'The versions of the roll and of the officials list in force for an election.' })
  @AllowedFor('council', 'operator', 'auditor')
  async referenceData(@Args('electionId') electionId: string): Promise<ReferenceDataStatusType> {
    return { electionId, ...(await this.lookup.activeVersions(electionId)) };
  }

  @Query(() => [RollEntryType], {
    description: 'Search the active roll by last name (case, accents, hyphens, apostrophes and spaces ignored), for support: at most 50 entries.',
  })
  @AllowedFor('council', 'operator')
  rollEntries(
    @Args('electionId') electionId: string,
    @Args('lastName') lastName: string,
    @Args('arrondissement', { nullable: true, type: () => String }) arrondissement?: string | null,
    @Args('prefix', { nullable: true, type: () => Boolean, description: 'match names starting with lastName' }) prefix?: boolean | null,
  ): RollEntryType[] {
    return this.lookup.search(electionId, {
      lastName,
      prefix: prefix === true,
      ...(arrondissement ? { arrondissement } : {}),
      limit: 50,
    });
  }

  @Query(() => ElectedOfficialType, { nullable: true, description: 'An elected official of the active list.' })
  @AllowedFor('council', 'operator', 'auditor')
  electedOfficial(@Args('electionId') electionId: string, @Args('officialId') officialId: string): Promise<ElectedOfficialType | null> {
    return this.lookup.findOfficial(electionId, officialId);
  }
}
