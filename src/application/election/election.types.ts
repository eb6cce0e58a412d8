import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import type { DeclaredElection } from '../../domain/election/election.state.js';
import { activityWindows, currentPhase, openActivities, type ActivityWindow } from '../../domain/election/election.phases.js';
import { ELECTION_DATE_NAMES } from '../../domain/election/election.rules.js';
import { instantToZonedTime, zoneOffsetAt } from '../../domain/election/time-zone.js';

/** GraphQL views of an election (public: the configuration of an election is public record). */

@ObjectType('ElectionSponsorshipRule', { description: 'How many sponsors of one kind a candidate needs, from how many distinct districts.' })
export class ElectionSponsorshipRuleType {
  @Field({ description: 'elected-official or voter' }) sponsorKind!: string;
  @Field(() => Int) minimumSponsors!: number;
  @Field(() => Int, { description: 'Distinct districts (arrondissements) the sponsors must come from.' }) minimumDistinctDistricts!: number;
}

@ObjectType('ElectionRounds')
export class ElectionRoundsType {
  @Field(() => Int, { description: '1 or 2.' }) count!: number;
  @Field(() => Float, { description: 'With two rounds, a second round takes place when no candidate gets strictly more than this percentage.' })
  majorityPercent!: number;
}

@ObjectType('ElectionRegistrationFee')
export class ElectionRegistrationFeeType {
  @Field(() => Int) amountCents!: number;
  @Field({ description: 'ISO 4217 code, e.g. EUR.' }) currency!: string;
}

@ObjectType('ElectionDates', { description: 'The dates in force (every change applied), as ISO 8601 UTC instants.' })
export class ElectionDatesType {
  @Field() sponsorshipDeadline!: string;
  @Field() registrationOpensAt!: string;
  @Field() registrationClosesAt!: string;
  @Field() votingOpensAt!: string;
  @Field() votingClosesAt!: string;
  @Field(() => String, { nullable: true }) secondRoundVotingOpensAt!: string | null;
  @Field(() => String, { nullable: true }) secondRoundVotingClosesAt!: string | null;
}

@ObjectType('ElectionScheduleEntry', { description: "One date of the election, as an instant and as read on the clocks of the election's time zone." })
export class ElectionScheduleEntryType {
  @Field({ description: 'sponsorshipDeadline, registrationOpensAt, …' }) date!: string;
  @Field({ description: 'ISO 8601 UTC instant.' }) instant!: string;
  @Field({ description: 'Wall-clock time in the election time zone, YYYY-MM-DDTHH:mm:ss.' }) localTime!: string;
  @Field({ description: 'Offset from UTC in force then, e.g. +02:00.' }) utcOffset!: string;
}

@ObjectType('ElectionWindow', { description: 'The window of an activity, half-open: [opensAt, closesAt).' })
export class ElectionWindowType {
  @Field({ description: 'sponsorship, registration or voting' }) activity!: string;
  @Field(() => Int, { description: '2 for the second round of voting, else 1.' }) round!: number;
  @Field() opensAt!: string;
  @Field() closesAt!: string;
}

@ObjectType('ElectionCancellation')
export class ElectionCancellationType {
  @Field() reason!: string;
  @Field() cancelledAt!: string;
}

@ObjectType('Election', { description: 'An election: its rules, its dates in force, and where it stands now.' })
export class ElectionType {
  @Field({ description: 'The slug, e.g. paris-2013.' }) id!: string;
  @Field() name!: string;
  @Field() organiser!: string;
  @Field({ description: 'IANA time zone of the election, e.g. Europe/Paris.' }) timeZone!: string;
  @Field({ description: 'declared or cancelled' }) status!: string;
  @Field({ description: 'announced, sponsorship, registration, voting, between-rounds, second-round-voting, closed or cancelled (at asOf).' })
  phase!: string;
  @Field({ description: 'The instant (server clock) phase and openWindows were computed at.' }) asOf!: string;
  @Field(() => [ElectionWindowType], { description: 'The windows open at asOf (they may overlap).' }) openWindows!: ElectionWindowType[];
  @Field(() => [ElectionWindowType], { description: 'Every window, with the dates in force.' }) windows!: ElectionWindowType[];
  @Field(() => [ElectionSponsorshipRuleType]) sponsorshipRules!: ElectionSponsorshipRuleType[];
  @Field(() => ElectionRoundsType) rounds!: ElectionRoundsType;
  @Field() blankVoteAllowed!: boolean;
  @Field({ description: 'single-vote (the first ballot stands) or last-vote-counts.' }) revotePolicy!: string;
  @Field(() => ElectionRegistrationFeeType, { nullable: true, description: 'Null when registration is free.' })
  registrationFee!: ElectionRegistrationFeeType | null;
  @Field() declaredAt!: string;
  @Field(() => ElectionDatesType) dates!: ElectionDatesType;
  @Field(() => [ElectionScheduleEntryType], { description: 'The dates in force, in the order of ELECTION_DATE_NAMES, with local times.' })
  schedule!: ElectionScheduleEntryType[];
  @Field(() => Int, { description: 'How many times the council changed a date (see electionTimeline for each change and its reason).' })
  dateChangeCount!: number;
  @Field(() => ElectionCancellationType, { nullable: true }) cancellation!: ElectionCancellationType | null;
}

const windowView = (window: ActivityWindow): ElectionWindowType => ({ activity: window.activity, round: window.round, opensAt: window.opensAt, closesAt: window.closesAt });

/** The GraphQL view of a declared election, with its phase at `now`. */
export function toElectionView(election: DeclaredElection, now: Date): ElectionType {
  const asOf = now.toISOString();
  const zone = election.rules.timeZone;
  return {
    id: election.electionId,
    name: election.name,
    organiser: election.organiser,
    timeZone: zone,
    status: election.status,
    phase: currentPhase(election, asOf),
    asOf,
    openWindows: openActivities(election, asOf).map(windowView),
    windows: activityWindows(election).map(windowView),
    sponsorshipRules: election.rules.sponsorship.map((rule) => ({ ...rule })),
    rounds: { ...election.rules.rounds },
    blankVoteAllowed: election.rules.blankVoteAllowed,
    revotePolicy: election.rules.revotePolicy,
    registrationFee: election.rules.registrationFee ? { ...election.rules.registrationFee } : null,
    declaredAt: election.declaredAt,
    dates: { ...election.dates },
    schedule: ELECTION_DATE_NAMES.flatMap((date) => {
      const instant = election.dates[date];
      return instant === null ? [] : [{ date, instant, localTime: instantToZonedTime(instant, zone), utcOffset: zoneOffsetAt(instant, zone) }];
    }),
    dateChangeCount: election.dateChanges.length,
    cancellation: election.cancellation ? { ...election.cancellation } : null,
  };
}
