import { Command } from '@nestjs/cqrs';
import { Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import type { VoteSetupEvent } from '../../../domain/vote/vote-setup.events.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { VoteRoundInput } from '../vote.inputs.js';

@InputType('ThresholdGroupInput')
export class ThresholdGroupInput {
  @Field(() => [String], { description: 'Usernames of the staff accounts (role trustee) in the group.' })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  trustees!: string[];

  @Field(() => Int, { description: 'How many of them are needed to decrypt.' })
  @IsInt()
  @Min(1)
  @Max(20)
  threshold!: number;
}

/** The council prepares a round: the server makes its own key, and the ceremony can start. */
@InputType('PrepareVoteInput')
export class PrepareVoteInput extends VoteRoundInput {
  @Field(() => [String], { defaultValue: [], description: 'Usernames of trustees whose key is each needed ("Single").' })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  singleTrustees: string[] = [];

  @Field(() => ThresholdGroupInput, { nullable: true, description: 'A group of trustees of whom a threshold is needed ("Pedersen").' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ThresholdGroupInput)
  thresholdGroup?: ThresholdGroupInput;

  @Field({ defaultValue: 'keep', description: 'keep: private credentials are kept (encrypted, outside the log) to re-send a lost one; forget: destroyed once delivered.' })
  @IsIn(['keep', 'forget'], { message: 'must be keep or forget' })
  credentialRecovery: 'keep' | 'forget' = 'keep';
}

export class PrepareVoteCommand extends Command<CommandResult<VoteSetupEvent>> {
  constructor(readonly input: PrepareVoteInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
