import { Inject } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { loadElection } from '../../application/election/load-election.js';
import { qualification } from '../../domain/candidacy/candidacy.rules.js';
import { assertElectionId } from '../../domain/election/election.rules.js';
import { AllowedFor } from '../../infrastructure/auth/auth.decorators.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EVENT_STORE } from '../../infrastructure/event-store/event-store.token.js';
import { CheckpointStore } from '../checkpoint-store.js';
import type { ReadModelDb } from '../projection.js';
import { READ_MODEL_DB } from '../projections.service.js';
import { readBallotOrder, readCandidates, readSpread, readTallies, sponsorshipProgressProjection, type CandidateRow } from './sponsorship-progress.projection.js';

@ObjectType('DistrictSponsors')
class DistrictSponsorsType {
  @Field({ description: "The district (arrondissement); empty for officials whose mandate has none." }) district!: string;
  @Field(() => Int) sponsors!: number;
}

@ObjectType('SponsorKindProgress', { description: 'Sponsors of one kind for one candidate, against the rule of the election.' })
class SponsorKindProgressType {
  @Field() sponsorKind!: string;
  @Field(() => Int) sponsors!: number;
  @Field(() => Int) distinctDistricts!: number;
  @Field(() => Int, { description: '0 when the election has no rule for this kind.' }) minimumSponsors!: number;
  @Field(() => Int) minimumDistinctDistricts!: number;
  @Field() qualified!: boolean;
  @Field(() => [DistrictSponsorsType], { description: 'The spread: sponsors per district.' }) districts!: DistrictSponsorsType[];
}

@ObjectType('CandidateSponsorshipProgress')
class CandidateSponsorshipProgressType {
  @Field() candidateId!: string;
  @Field() name!: string;
  @Field() status!: string;
  @Field({ description: 'Every kind meets its rule.' }) qualified!: boolean;
  @Field(() => [SponsorKindProgressType]) kinds!: SponsorKindProgressType[];
}

@ObjectType('SponsorshipProgress', { description: 'Sponsorships per candidate, as of a position of the log.' })
class SponsorshipProgressType {
  @Field() electionId!: string;
  @Field(() => String, { nullable: true, description: 'The log position the read model had reached (64-bit, as a string); null before any event.' }) position!: string | null;
  @Field(() => [CandidateSponsorshipProgressType], { description: 'In order of declaration.' }) candidates!: CandidateSponsorshipProgressType[];
}

@ObjectType('BallotCandidate', { description: 'A candidate and where it stands.' })
class BallotCandidateType {
  @Field() candidateId!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) party!: string | null;
  @Field({ description: 'declared, certified or withdrawn.' }) status!: string;
  @Field(() => Int, { nullable: true, description: 'Place on the ballot (1-based) once the council set the order; null otherwise (withdrawn candidates have none).' }) ballotPosition!: number | null;
  @Field(() => String, { nullable: true }) certifiedAt!: string | null;
  @Field(() => String, { nullable: true }) withdrawnAt!: string | null;
  @Field(() => String, { nullable: true }) withdrawalReason!: string | null;
}

@ObjectType('CandidateList')
class CandidateListType {
  @Field() electionId!: string;
  @Field(() => String, { nullable: true }) position!: string | null;
  @Field(() => String, { nullable: true, description: 'How the ballot order was decided; null until it is set.' }) ballotOrderReason!: string | null;
  @Field(() => [BallotCandidateType], { description: 'The ballot in official order (withdrawn candidates left out of the numbering), then the other candidates in order of declaration.' })
  candidates!: BallotCandidateType[];
}

const statusOf = (row: CandidateRow) => (row.withdrawnAt ? 'withdrawn' : row.certifiedAt ? 'certified' : 'declared');

/** Public reads of the sponsorship-progress read model. */
@Resolver()
export class SponsorshipProgressResolver {
  private readonly checkpoints: CheckpointStore;

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: ReadModelDb,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.checkpoints = new CheckpointStore(db);
  }

  @Query(() => SponsorshipProgressType, { description: "Each candidate's sponsorships per kind, their district spread, the thresholds and whether they are met (public)." })
  @AllowedFor('public')
  async sponsorshipProgress(@Args('electionId', { type: () => String }) electionId: string): Promise<SponsorshipProgressType> {
    assertElectionId(electionId);
    const election = await loadElection(this.store, electionId);
    return this.db.transaction(() => {
      const candidates = readCandidates(this.db, electionId).map((row) => {
        const tallies = readTallies(this.db, electionId, row.candidateId);
        const result = election.status === 'not-declared' ? null : qualification(election.rules, tallies);
        return {
          candidateId: row.candidateId,
          name: row.name,
          status: statusOf(row),
          qualified: result?.qualified ?? false,
          kinds: (result?.figures ?? []).map((figure) => ({ ...figure, districts: readSpread(this.db, electionId, row.candidateId, figure.sponsorKind) })),
        };
      });
      return { electionId, position: this.checkpoints.get(sponsorshipProgressProjection.name)?.position?.toString() ?? null, candidates };
    })();
  }

  @Query(() => CandidateListType, { description: 'The candidates in official ballot order, with their status (public).' })
  @AllowedFor('public')
  candidates(@Args('electionId', { type: () => String }) electionId: string): CandidateListType {
    assertElectionId(electionId);
    return this.db.transaction(() => {
      const rows = readCandidates(this.db, electionId);
      const order = readBallotOrder(this.db, electionId);
      const byId = new Map(rows.map((row) => [row.candidateId, row]));
      const view = (row: CandidateRow, ballotPosition: number | null): BallotCandidateType => ({
        candidateId: row.candidateId,
        name: row.name,
        party: row.party,
        status: statusOf(row),
        ballotPosition,
        certifiedAt: row.certifiedAt,
        withdrawnAt: row.withdrawnAt,
        withdrawalReason: row.withdrawalReason,
      });
      const onBallot = (order?.candidateIds ?? []).map((id) => byId.get(id)).filter((row): row is CandidateRow => row !== undefined && !row.withdrawnAt);
      const placed = new Set(onBallot.map((row) => row.candidateId));
      return {
        electionId,
        position: this.checkpoints.get(sponsorshipProgressProjection.name)?.position?.toString() ?? null,
        ballotOrderReason: order?.reason ?? null,
        candidates: [...onBallot.map((row, index) => view(row, index + 1)), ...rows.filter((row) => !placed.has(row.candidateId)).map((row) => view(row, null))],
      };
    })();
  }
}
