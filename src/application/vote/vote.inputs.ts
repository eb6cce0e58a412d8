import { Field, InputType, Int } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import type { Round } from '../../domain/vote/vote.events.js';
import { IsElectionId } from '../election/declare-election/declare-election.command.js';

/** The round a vote command addresses, and its idempotency key. */
@InputType('VoteRoundInput')
export class VoteRoundInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field(() => Int, { defaultValue: 1, description: '1, or 2 for a second round.' })
  @IsIn([1, 2], { message: 'must be 1 or 2' })
  round: Round = 1;

  @Field({ nullable: true, description: 'Idempotency key: the same command sent again is applied once.' })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}
