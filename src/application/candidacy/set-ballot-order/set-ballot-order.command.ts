import { Command } from '@nestjs/cqrs';
import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length } from 'class-validator';
import type { BallotOrderEvent } from '../../../domain/candidacy/candidacy.events.js';
import { CANDIDACY_REASON_MAX_LENGTH } from '../../../domain/candidacy/candidacy.rules.js';
import type { CommandResult } from '../../command-handling/handle-command.js';
import { IsElectionId, IsNonBlank } from '../../election/declare-election/declare-election.command.js';
import { got, IsCandidateId } from '../candidacy.inputs.js';

/** The council sets the official order of the ballot (e.g. after a public draw). */
@InputType('SetBallotOrderInput')
export class SetBallotOrderInput {
  @Field()
  @IsElectionId()
  electionId!: string;

  @Field(() => [String], { description: 'Every certified candidate still in the race, once, in ballot order.' })
  @IsArray({ message: (args) => `must be a list of candidate ids; ${got(args)}` })
  @ArrayMinSize(1, { message: 'must name at least one candidate' })
  @ArrayMaxSize(100, { message: 'must name at most 100 candidates' })
  @IsCandidateId({ each: true })
  candidateIds!: string[];

  @Field({ description: 'How the order was decided (public), e.g. "public draw of 20 May 2013".' })
  @IsNonBlank(CANDIDACY_REASON_MAX_LENGTH)
  reason!: string;

  @Field({ nullable: true, description: 'Idempotency key.' })
  @IsOptional()
  @IsString({ message: (args) => `must be a string; ${got(args)}` })
  @Length(1, 128, { message: 'must have 1 to 128 characters' })
  commandId?: string;
}

export class SetBallotOrderCommand extends Command<CommandResult<BallotOrderEvent>> {
  constructor(readonly input: SetBallotOrderInput, readonly commandId: string, readonly actor: string) {
    super();
  }
}
