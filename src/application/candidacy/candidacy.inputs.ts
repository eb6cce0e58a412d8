import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Length, ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { CANDIDATE_ID_MAX_LENGTH, isCandidateId } from '../../domain/candidacy/candidacy.rules.js';
import { IsElectionId } from '../election/declare-election/declare-election.command.js';

export const got = (args: ValidationArguments) => (args.value === undefined ? 'it is missing' : `got ${JSON.stringify(args.value)}`);

export function IsCandidateId(options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    { name: 'isCandidateId', validator: { validate: (value: unknown) => isCandidateId(value) } },
    { ...options, message: (args: ValidationArguments) => `must be a slug of 1 to ${CANDIDATE_ID_MAX_LENGTH} lower-case letters and digits in groups joined by hyphens; ${got(args)}` },
  );
}

/** The fields every candidacy mutation has: the election, the candidate, an optional idempotency key. */
@InputType({ isAbstract: true })
export abstract class CandidateInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field()
  @IsCandidateId()
  candidateId!: string;

  @Field({ nullable: true, description: 'Idempotency key.' })
  @IsOptional()
  @IsString({ message: (args) => `must be a string; ${got(args)}` })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}
