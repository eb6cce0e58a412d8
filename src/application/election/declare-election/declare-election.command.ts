import { Command } from '@nestjs/cqrs';
import { Field, Float, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import type { ElectionEvent } from '../../../domain/election/election.events.js';
import { NAME_MAX_LENGTH } from '../../../domain/election/election.decider.js';
import { DEFAULT_TIME_ZONE, ELECTION_ID_MAX_LENGTH, ELECTION_ID_PATTERN, REVOTE_POLICIES, SPONSOR_KINDS } from '../../../domain/election/election.rules.js';
import { isInstant, isLocalDateTime, isValidTimeZone } from '../../../domain/election/time-zone.js';
import type { CommandResult } from '../../command-handling/handle-command.js';

/** Shown in messages: what the value was. */
const got = (args: ValidationArguments) => (args.value === undefined ? 'it is missing' : `got ${JSON.stringify(args.value)}`);

export const DATE_TIME_EXPECTED =
  "must be an ISO 8601 date-time: an instant with Z or an offset (2013-05-28T17:00:00Z, 2013-05-28T19:00+02:00) or a wall-clock time in the election's time zone (2013-05-28T19:00)";

/** An instant, or a local date-time read in the election's time zone. */
export function IsDateTimeInput(): PropertyDecorator {
  return ValidateBy(
    { name: 'isDateTimeInput', validator: { validate: (value: unknown) => isInstant(value) || isLocalDateTime(value) } },
    { message: (args: ValidationArguments) => `${DATE_TIME_EXPECTED}; ${got(args)}` },
  );
}

export function IsTimeZone(): PropertyDecorator {
  return ValidateBy(
    { name: 'isTimeZone', validator: { validate: (value: unknown) => isValidTimeZone(value) } },
    { message: (args: ValidationArguments) => `must be an IANA time zone such as Europe/Paris or America/Martinique; ${got(args)}` },
  );
}

export function IsElectionId(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isElectionId',
      validator: { validate: (value: unknown) => typeof value === 'string' && value.length >= 3 && value.length <= ELECTION_ID_MAX_LENGTH && ELECTION_ID_PATTERN.test(value) },
    },
    { message: (args: ValidationArguments) => `must be a slug of 3 to ${ELECTION_ID_MAX_LENGTH} lower-case letters and digits in groups joined by hyphens, like paris-2013; ${got(args)}` },
  );
}

/** Non-blank text (spaces alone do not count). */
export function IsNonBlank(maxLength: number): PropertyDecorator {
  return ValidateBy(
    { name: 'isNonBlank', validator: { validate: (value: unknown) => typeof value === 'string' && value.trim() !== '' && value.trim().length <= maxLength } },
    { message: (args: ValidationArguments) => `must be non-blank text of at most ${maxLength} characters; ${got(args)}` },
  );
}

@InputType('ElectionSponsorshipRuleInput')
export class SponsorshipRuleInput {
  @Field({ description: `One of ${SPONSOR_KINDS.join(', ')}.` })
  @IsIn(SPONSOR_KINDS, { message: (args) => `must be one of ${SPONSOR_KINDS.join(', ')}; ${got(args)}` })
  sponsorKind!: string;

  @Field(() => Int)
  @IsInt({ message: (args) => `must be a whole number; ${got(args)}` })
  @Min(1, { message: (args) => `must be at least 1; ${got(args)}` })
  minimumSponsors!: number;

  @Field(() => Int, { description: 'Distinct districts (arrondissements) the sponsors must come from; 0 for no such rule.' })
  @IsInt({ message: (args) => `must be a whole number; ${got(args)}` })
  @Min(0, { message: (args) => `must be at least 0; ${got(args)}` })
  minimumDistinctDistricts!: number;
}

@InputType('ElectionRoundsInput')
export class RoundsInput {
  @Field(() => Int, { description: '1 or 2.' })
  @IsIn([1, 2], { message: (args) => `must be 1 or 2; ${got(args)}` })
  count!: 1 | 2;

  @Field(() => Float, { nullable: true, description: 'Default 50: a candidate needs strictly more than this percentage to win outright.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: (args) => `must be a number; ${got(args)}` })
  @Min(0.01, { message: (args) => `must be more than 0; ${got(args)}` })
  @Max(99.99, { message: (args) => `must be less than 100; ${got(args)}` })
  majorityPercent?: number;
}

@InputType('ElectionRegistrationFeeInput')
export class RegistrationFeeInput {
  @Field(() => Int, { description: 'In cents (minor unit of the currency).' })
  @IsInt({ message: (args) => `must be a whole number of cents; ${got(args)}` })
  @Min(1, { message: (args) => `must be at least 1 (leave registrationFee out for free registration); ${got(args)}` })
  amountCents!: number;

  @Field({ description: 'ISO 4217 code, e.g. EUR.' })
  @Matches(/^[A-Za-z]{3}$/, { message: (args) => `must be a three-letter ISO 4217 code such as EUR; ${got(args)}` })
  currency!: string;
}

const DATE_DESCRIPTION = "An instant (2013-05-28T17:00:00Z) or a wall-clock time in the election's time zone (2013-05-28T19:00).";

/**
 * What the council fills in to declare an election (GraphQL input and `urne election declare
 * --file`). Dates may be instants or local times in `timeZone`; they are stored as UTC instants.
 */
@InputType('DeclareElectionInput')
export class DeclareElectionInput {
  @Field({ description: 'A slug: paris-2013.' })
  @IsElectionId()
  electionId!: string;

  @Field()
  @IsNonBlank(NAME_MAX_LENGTH)
  name!: string;

  @Field()
  @IsNonBlank(NAME_MAX_LENGTH)
  organiser!: string;

  @Field({ nullable: true, description: `IANA time zone; default ${DEFAULT_TIME_ZONE}.` })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @Field(() => [SponsorshipRuleInput], { description: 'At most one rule per sponsor kind; an empty list requires no sponsorship.' })
  @IsArray({ message: (args) => `must be a list of rules; ${got(args)}` })
  @ArrayMaxSize(SPONSOR_KINDS.length, { message: `must have at most one rule per sponsor kind (${SPONSOR_KINDS.join(', ')})` })
  @ValidateBy(
    {
      name: 'uniqueSponsorKinds',
      validator: {
        validate: (value: unknown) =>
          !Array.isArray(value) || new Set(value.map((rule: { sponsorKind?: unknown }) => rule?.sponsorKind)).size === value.length,
      },
    },
    { message: 'must have at most one rule per sponsor kind' },
  )
  @ValidateNested({ each: true, message: 'each rule must be an object' })
  @Type(() => SponsorshipRuleInput)
  sponsorship!: SponsorshipRuleInput[];

  @Field({ description: DATE_DESCRIPTION })
  @IsDateTimeInput()
  sponsorshipDeadline!: string;

  @Field({ description: DATE_DESCRIPTION })
  @IsDateTimeInput()
  registrationOpensAt!: string;

  @Field({ description: DATE_DESCRIPTION })
  @IsDateTimeInput()
  registrationClosesAt!: string;

  @Field({ description: DATE_DESCRIPTION })
  @IsDateTimeInput()
  votingOpensAt!: string;

  @Field({ description: DATE_DESCRIPTION })
  @IsDateTimeInput()
  votingClosesAt!: string;

  @Field({ nullable: true, description: `Two rounds only. ${DATE_DESCRIPTION}` })
  @IsOptional()
  @IsDateTimeInput()
  secondRoundVotingOpensAt?: string;

  @Field({ nullable: true, description: `Two rounds only. ${DATE_DESCRIPTION}` })
  @IsOptional()
  @IsDateTimeInput()
  secondRoundVotingClosesAt?: string;

  @Field(() => RoundsInput, { nullable: true, description: 'Default: one round, majority 50%.' })
  @IsOptional()
  @ValidateNested({ message: 'must be an object { count, majorityPercent }' })
  @Type(() => RoundsInput)
  rounds?: RoundsInput;

  @Field()
  @IsBoolean({ message: (args) => `must be true or false; ${got(args)}` })
  blankVoteAllowed!: boolean;

  @Field({ description: `One of ${REVOTE_POLICIES.join(', ')}.` })
  @IsIn(REVOTE_POLICIES, { message: (args) => `must be one of ${REVOTE_POLICIES.join(', ')}; ${got(args)}` })
  revotePolicy!: string;

  @Field(() => RegistrationFeeInput, { nullable: true, description: 'Leave out (or null) for free registration.' })
  @IsOptional()
  @ValidateNested({ message: 'must be an object { amountCents, currency }' })
  @Type(() => RegistrationFeeInput)
  registrationFee?: RegistrationFeeInput | null;

  @Field({ nullable: true, description: 'Idempotency key: sending the same command id again does not declare twice.' })
  @IsOptional()
  @IsString({ message: (args) => `must be a string; ${got(args)}` })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}

export class DeclareElectionCommand extends Command<CommandResult<ElectionEvent>> {
  constructor(
    readonly input: DeclareElectionInput,
    readonly commandId: string,
    /** Goes into the event metadata (`staff:<id>`, `cli:<user>`). */
    readonly actor: string,
  ) {
    super();
  }
}
